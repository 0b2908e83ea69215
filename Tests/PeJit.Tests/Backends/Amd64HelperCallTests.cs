using PeJit.Backends;
using PeJit.Backends.Amd64;
using PeJit.Backends.Amd64.Lowering;
using PeJit.IR.Evaluation;
using PeJit.IR.Text;
using PeJit.Runtime;
using PeJit.TestSubjects;
using PeJit.Tests.Specializer;

namespace PeJit.Tests.Backends;

/// <summary>
/// Native code calling static helpers through the trampoline (<c>HelperCalls</c>): an object argument travels as a
/// handle, a helper's exception comes out of the unit as the very same exception, and a helper that may write
/// memory keeps the stub from reading a writable field before native code runs. The shared case is
/// <c>helper-call</c> in <see cref="BackendTests"/>, which runs on every backend.
/// </summary>
[TestClass]
public sealed class Amd64HelperCallTests
{
    /// <summary>Writes 0 to n-1 to a writer (a parameter, so a handle), each through a helper, in a loop.</summary>
    private const string Writes = """
        function "System.Int64 Demo::Writes(System.IO.TextWriter,System.Int64)" -> i64 {
        block0(v0 (writer): class "System.IO.TextWriter", v1 (n): i64):
            v2: i64 = const 0
            jump block1(v2)
        block1(v3 (i): i64):
            v4: bool = clt v3, v1
            brif v4, block2, block3
        block2:
            call "System.Void PeJit.Tests.Backends.BackendHelpers::Write(System.IO.TextWriter,System.Int64)" v0, v3
            v5: i64 = const 1
            v6: i64 = add v3, v5
            jump block1(v6)
        block3:
            ret v3
        }
        """;

    /// <summary>A writer that throws one exception object once it has been written to <c>limit</c> times.</summary>
    private sealed class FailingWriter(int limit) : StringWriter
    {
        private int writes;

        public InvalidOperationException Failure { get; } = new("the writer is full");

        public override void Write(long value)
        {
            if (++writes > limit) throw Failure;
            base.Write(value);
        }
    }

    [TestMethod]
    public void AHelperTakesAnObjectAsAHandleAndTheLoopStaysNative()
    {
        var graph = IrParser.Parse(Writes);
        var code = new Amd64Backend(resolver: new NameResolver()).CompileNative(graph);
        Assert.AreEqual(1, code.Function.Arguments.Count(a => a.Kind == ArgumentKind.Handle), code.Function.ToString());
        Assert.IsTrue(code.Function.Blocks.SelectMany(b => b.Instructions).Any(i => i.Opcode == MachineOpcode.CallHelper), "the call is in native code");
        var native = new StringWriter();
        Assert.AreEqual(5L, code.Invoke(native, 5L));
        var evaluated = new StringWriter();
        Assert.AreEqual(5L, new GraphEvaluator(new NameResolver()).Evaluate(graph, evaluated, 5L));
        Assert.AreEqual(evaluated.ToString(), native.ToString());
        Assert.AreEqual("0 1 2 3 4 ", native.ToString());
        // Many calls: the GC may run while native code waits in a helper; handles and pinned arrays hold.
        var many = new StringWriter();
        Assert.AreEqual(20_000L, code.Invoke(many, 20_000L));
        Assert.AreEqual(string.Concat(Enumerable.Range(0, 20_000).Select(i => $"{i} ")), many.ToString());
        Assert.Throws<NullReferenceException>(() => code.Invoke(null, 1L), "a null writer throws inside the helper, as itself");
    }

    [TestMethod]
    public void AHelpersExceptionComesOutOfTheUnitAsItself()
    {
        var code = new Amd64Backend(resolver: new NameResolver()).CompileNative(IrParser.Parse(Writes));
        var writer = new FailingWriter(limit: 3);
        var thrown = Assert.Throws<InvalidOperationException>(() => code.Invoke(writer, 10L));
        Assert.AreSame(writer.Failure, thrown, "the very exception object the helper threw");
        StringAssert.Contains(thrown.StackTrace, nameof(FailingWriter), "its stack trace goes on from where it was thrown");
        Assert.AreEqual("0 1 2 ", writer.ToString(), "what the helper did before it threw stays done");
        Assert.AreEqual(1L, code.ExitCounts().Sum(), "one helper-threw exit");
        // The unit is fine afterwards.
        var again = new StringWriter();
        Assert.AreEqual(2L, code.Invoke(again, 2L));
        Assert.AreEqual("0 1 ", again.ToString());
    }

    [TestMethod]
    public void AHelperThatMayWriteMemoryKeepsWritableFieldsFromBeingReadBeforeNativeCodeRuns()
    {
        // The loop reads holder.Items (a field the stub would read once, before the call) and calls a helper that may
        // write anything: the stub's early read could be stale, so the unit is refused (auto makes it a CIL unit).
        var graph = IrParser.Parse("""
            function "System.Int64 Demo::Sum(PeJit.Tests.Backends.FieldHolder,System.Int32)" -> i64 {
            block0(v0 (holder): class "PeJit.Tests.Backends.FieldHolder", v1 (n): i32):
                v2: i32 = const 0
                v3: i64 = const 0
                jump block1(v2, v3)
            block1(v4 (i): i32, v5 (sum): i64):
                v6: bool = clt v4, v1
                brif v6, block2, block3
            block2:
                v7: class "System.Int64[]" = ldfld "System.Int64[] PeJit.Tests.Backends.FieldHolder::Items" v0
                v8: i64 = ldelem i64 v7, v4
                v9: i32 = const 1
                v10: i64 = call "System.Int64 PeJit.Tests.Backends.BackendHelpers::Step(System.Int64,System.Int32)" v8, v9
                v11: i64 = add v5, v10
                v12: i32 = add v4, v9
                jump block1(v12, v11)
            block3:
                ret v5
            }
            """);
        var refusal = Assert.Throws<BackendException>(() => new Amd64Backend(resolver: new NameResolver()).Compile(graph, typeof(Amd64HelperCallTests).Module));
        StringAssert.Contains(refusal.Message, "FieldHolder::Items");
        StringAssert.Contains(refusal.Message, "make the field readonly");
    }

    private static (object? Result, Exception? Thrown, string Output, long[] Registers) RunPrinting(Func<object?[], object?> run, int start)
    {
        int[] code =
        [
            PrintingVm.Set, 0, start, 0,
            PrintingVm.Set, 1, -1, 0,
            PrintingVm.Print, 0, 0, 0,
            PrintingVm.Add, 0, 0, 1,
            PrintingVm.JumpPositive, 0, 0, 2,
            PrintingVm.Print, 0, 0, 0,
            PrintingVm.Add, 0, 0, 1,
            PrintingVm.Print, 0, 0, 0,
            PrintingVm.Halt, 0, 0, 0,
        ];
        var output = new StringWriter();
        var registers = new long[2];
        try
        {
            return (run([code, registers, output]), null, output.ToString(), registers);
        }
        catch (System.Reflection.TargetInvocationException e) when (e.InnerException is { } inner)
        {
            return (null, inner, output.ToString(), registers);
        }
        catch (Exception e)
        {
            return (null, e, output.ToString(), registers);
        }
    }

    [TestMethod]
    [DataRow("amd64")]
    [DataRow("cil")]
    public void AnInterpretersPrintLoopStaysNativeAndItsHelpersErrorComesOutAsInThePlainRun(string backend)
    {
        // Counts down from 300 printing each value, prints 0, then -1: the helper throws the language's error.
        var portal = typeof(PrintingVm).GetMethod(nameof(PrintingVm.Run))!;
        var plain = RunPrinting(arguments => portal.Invoke(null, arguments), 300);
        Assert.IsInstanceOfType<InvalidOperationException>(plain.Thrown);
        var jit = PortalJit.Create(portal, new JitSettings { Threshold = 3 }, backend);
        var compiled = RunPrinting(jit.Invoke, 300);
        Assert.AreEqual(plain.Output, compiled.Output);
        Assert.AreEqual(plain.Thrown!.GetType(), compiled.Thrown?.GetType(), compiled.Thrown?.ToString());
        Assert.AreEqual(plain.Thrown.Message, compiled.Thrown!.Message);
        CollectionAssert.AreEqual(plain.Registers, compiled.Registers);
        Assert.IsNotEmpty(jit.Units, "the loop was compiled");
        if (backend == "amd64")
            Assert.IsTrue(jit.Units.Select(u => u.Code).OfType<Amd64CompiledCode>().Any(c => c.Function.Calls.Count > 0),
                $"the print loop is a native unit calling its helper: {string.Join("; ", jit.Units.Select(u => u.Code.Backend))}");
        // Again, now that the unit is compiled: the same output, and the error once more.
        var again = RunPrinting(jit.Invoke, 50);
        var plainAgain = RunPrinting(arguments => portal.Invoke(null, arguments), 50);
        Assert.AreEqual(plainAgain.Output, again.Output);
        Assert.AreEqual(plainAgain.Thrown?.Message, again.Thrown?.Message);
    }
}

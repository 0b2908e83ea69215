using System.Reflection;
using PeJit.IR;
using PeJit.IR.Text;
using PeJit.Runtime;
using PeJit.Specializer.Extension;
using PeJit.Tests.Specializer;
using PeJit.TestSubjects;

namespace PeJit.Tests.Runtime;

/// <summary>
/// The register machine of PeJit.TestSubjects/ImmutableCodeVm.cs, whose code is an <c>ImmutableArray</c> of struct
/// instructions in a <c>readonly</c> field: in process against the plain portal, the loop's unit has no indexer call and no
/// dispatch left (the instruction read at a green pc is green); calls that stay in the dispatch loop, their return pc
/// promoted while a <c>ref</c> to the popped frame is live, compute what the interpreter does; and <c>pejit build</c> emits the indexer's green calls, whose receiver is
/// a struct, so a JIT-enabled process compiles no lambda for them.
/// </summary>
[TestClass]
public sealed class ImmutableCodeVmJitTests
{
    private static PortalJit Jit() =>
        PortalJit.Create(typeof(ImmutableCodeVm).GetMethod(nameof(ImmutableCodeVm.Run))!, new JitSettings { Threshold = 3, Strict = true });

    [TestMethod]
    public void TheLoopsUnitReadsNoInstructionAndHasNoDispatchLeft()
    {
        var program = ImmutableCodeVm.Sum(1000);
        var plainRegs = new long[16];
        long plain = ImmutableCodeVm.Run(program, plainRegs);
        Assert.AreEqual(Enumerable.Range(0, 1000).Sum(i => (long)i * i % 7), plain);
        var jit = Jit();
        long compiled = 0;
        var regs = new long[16];
        JitDifferentialTests.AssertUnitsEntered(jit, "sum", () => compiled = (long)jit.Invoke(program, regs)!);
        Assert.AreEqual(plain, compiled);
        CollectionAssert.AreEqual(plainRegs, regs, "the registers");
        // The unit, entered inside the call, meets the caller's frame at the return: it leaves in the middle of the step
        // with the frame's `ref` live, and the evaluator finishes the step through that element's address.
        Assert.IsTrue(jit.Units.Any(u => u.ExitsTaken > 0), "a mid-step exit was taken");

        var code = jit.Units.Single().Unit.Residual;
        string listing = IrPrinter.Print(code);
        var instructions = code.Blocks.SelectMany(b => code[b].Instructions).ToList();
        Assert.DoesNotContain("ImmutableArray", listing, "no indexer call, no code or constants field read");
        Assert.IsFalse(instructions.Any(i => i.Opcode == Opcode.Switch), "no dispatch:\n" + listing);
        Assert.IsFalse(instructions.Any(i => i.Field?.FullName.Contains("/Instr::", StringComparison.Ordinal) == true), "no instruction field read:\n" + listing);
        // The loop itself: the arithmetic on registers, the division by the shared 7 a multiplication.
        Assert.IsTrue(instructions.Where(i => i.Opcode is Opcode.Call or Opcode.CallVirt)
                .All(i => i.Method!.FullName.Contains("DivisionMagic", StringComparison.Ordinal) || i.Method.FullName.Contains("Address::OfElement", StringComparison.Ordinal)),
            "no call but the divisor's magic numbers and, at the return's exit, the popped frame's address:\n" + listing);
    }

    [TestMethod]
    public void CallsInTheDispatchLoopComputeWhatTheInterpreterDoes()
    {
        foreach (long n in new long[] { 0, 1, 5, 2000 })
        {
            var program = ImmutableCodeVm.Calls(n);
            var plainRegs = new long[32];
            long plain = ImmutableCodeVm.Run(program, plainRegs);
            Assert.AreEqual(Enumerable.Range(0, (int)n).Sum(i => (long)i * i % 7), plain);
            var jit = Jit();
            var regs = new long[32];
            Assert.AreEqual(plain, (long)jit.Invoke(program, regs)!, $"calls {n}");
            CollectionAssert.AreEqual(plainRegs, regs, $"calls {n}: the registers");
        }
    }

    /// <summary>
    /// <c>pejit build</c> of the test subjects: every green access of the machine is an emitted method, the indexer's
    /// calls on the <c>ImmutableArray</c> fields included, and each reads what the indexer returns.
    /// </summary>
    [TestMethod]
    public void TheIndexersGreenCallsAreEmittedWithAStructReceiver()
    {
        var woven = DispatchInTryJitTests.Woven.Value;
        Assert.DoesNotContain("note: a green access", DispatchInTryJitTests.WovenOutput, "every access emitted");
        string resource = woven.GetManifestResourceNames().Single(n => n.StartsWith("PeJit.Extension ", StringComparison.Ordinal) && n.Contains(nameof(ImmutableCodeVm), StringComparison.Ordinal));
        var (program, members) = ExtensionSerializer.ReadStored(woven.GetManifestResourceStream(resource)!, lazily: false);
        ExtensionLinker.Link(program, new MemberTableResolver(members, woven), woven);
        var indexers = program.Graphs.SelectMany(g => g.Blocks).SelectMany(b => b)
            .Where(o => o.AccessName is not null && o.Instruction.Method?.FullName.Contains("ImmutableArray`1<", StringComparison.Ordinal) == true).ToList();
        Assert.IsNotEmpty(indexers, "the case under test: the indexer is a green call");
        Assert.IsTrue(indexers.All(o => o.AccessMethod is not null), "every indexer call emitted");

        var accessors = woven.GetType(ExtensionLinker.AccessorsType, throwOnError: true)!;
        var shared = (System.Collections.Immutable.ImmutableArray<long>)woven.GetType(typeof(ImmutableCodeVm).FullName!, throwOnError: true)!
            .GetField(nameof(ImmutableCodeVm.Shared))!.GetValue(null)!;
        var longIndexer = indexers.First(o => o.Instruction.Method!.FullName.Contains("ImmutableArray`1<System.Int64>", StringComparison.Ordinal));
        var method = accessors.GetMethod(longIndexer.AccessMethod!, BindingFlags.Static | BindingFlags.NonPublic)!;
        // The receiver boxed in a reference register, the index in an integer one: what the specializer passes.
        var ints = new long[4];
        ints[1] = 2;
        var refs = new object?[4];
        refs[0] = shared;
        method.Invoke(null, [ints, new double[4], refs, new[] { 0, 1 }, 3]);
        Assert.AreEqual(shared[2], ints[3]);
    }
}

using System.Reflection;
using System.Runtime.Loader;
using PeJit.IR;
using PeJit.IR.Text;
using PeJit.Runtime;
using PeJit.Tests.Specializer;
using PeJit.AnalysisSubjects;
using PeJit.TestSubjects;

namespace PeJit.Tests.Runtime;

/// <summary>
/// Green structs written with green values (analysis rule 7): <see cref="WithVm"/> reads each instruction through
/// <c>with</c> expressions (init setters on a temporary's address), a mutable record struct and a mutable struct's
/// mutating method. JIT-enabled in process and as <c>pejit build</c> wove it, every program gives what the plain
/// interpreter gives; the compiled loop holds only the program's work: no read of the instruction array, no call
/// of a struct member, no struct copy.
/// </summary>
[TestClass]
public sealed class WithExpressionJitTests
{
    private static readonly int[] Sizes = [1, 100, 5000];

    private static (long Result, string Output) Plain(int n)
    {
        var output = new StringWriter();
        return (WithVm.Run(WithVm.SumProgram(n), new long[4], output), output.ToString());
    }

    private static PortalJit Jit(int threshold = 3) => PortalJit.Create(typeof(WithVm).GetMethod(nameof(WithVm.Run))!, new JitSettings { Threshold = threshold });

    [TestMethod]
    public void EveryProgramGivesWhatThePlainInterpreterGives()
    {
        foreach (int n in Sizes)
        {
            var jit = Jit();
            var output = new StringWriter();
            var result = JitDifferentialTests.AssertUnitsEntered(jit, $"sum {n}",
                () => jit.Invoke([WithVm.SumProgram(n), new long[4], output]), expected: n >= 100);
            Assert.AreEqual(Plain(n), ((long)result!, output.ToString()), $"sum {n}");
            Assert.AreEqual($"{(long)n * (n + 1) / 2}\n{8L * n}\n".ReplaceLineEndings(), output.ToString(), $"sum {n}: what the program computes");
        }
    }

    private static FlowGraph Loop()
    {
        var jit = Jit(threshold: 2);
        jit.Invoke([WithVm.SumProgram(1000), new long[4], TextWriter.Null]);
        Assert.IsNotEmpty(jit.Units, "the loop was compiled");
        return jit.Units.OrderByDescending(u => u.Unit.Keys.Count).First().Unit.Residual;
    }

    [TestMethod]
    public void TheLoopHasNoInstructionReadNoStructMemberCallAndNoStructCopy()
    {
        var loop = Loop();
        string text = IrPrinter.Print(loop);
        var instructions = loop.Blocks.SelectMany(b => loop[b].Instructions).ToList();
        Assert.IsFalse(instructions.Any(i => i.Field?.Name == nameof(WithCode.Instructions)), "no read of the instruction array:\n" + text);
        Assert.IsFalse(instructions.Any(i => i.Method is { } m && (m.DeclaringTypeName.StartsWith("PeJit.TestSubjects.With", StringComparison.Ordinal))),
            "no call of a struct member (getters, init setters, constructors, Move):\n" + text);
        Assert.IsFalse(instructions.Any(i => i.Opcode is Opcode.SlotAddr or Opcode.StoreField or Opcode.InitObj or Opcode.CopyObj),
            "no struct copy or write left:\n" + text);
        string[] structs = [typeof(WithInstr).FullName!, typeof(WithOperands).FullName!, typeof(WithCursor).FullName!];
        Assert.IsFalse(instructions.Any(i => i.TypeOperand?.Name is { } type && structs.Contains(type)), "no struct value:\n" + text);
        Assert.IsFalse(loop.Slots.Any(s => structs.Contains(loop[s].Type.Name)), "no struct local:\n" + text);
        Assert.IsFalse(instructions.Any(i => i.Opcode == Opcode.Switch), "no dispatch switch:\n" + text);
        // The struct fields are constants: AddImmediate's register and immediate, MultiplyAdd's offset.
        Assert.IsTrue(instructions.Any(i => i.Opcode == Opcode.Const && i.Integer == 5), "MultiplyAdd's offset is a constant:\n" + text);
        Assert.IsTrue(instructions.Any(i => i.Opcode == Opcode.Const && i.Integer == 3), "AddImmediate's operand is a constant:\n" + text);
    }

    /// <summary>
    /// The fixture portals of PeJit.AnalysisSubjects/Structs.cs that write green structs: a mutating method, a
    /// green and a red <c>with</c> on one reused temporary, field stores and <c>s.F++</c> on a state struct.
    /// </summary>
    [TestMethod]
    [DataRow(nameof(Structs.MutatingStructMethod))]
    [DataRow(nameof(Structs.WithOnGreenRecordStruct))]
    [DataRow(nameof(Structs.StateStructWithAccumulatorApart))]
    [DataRow(nameof(Structs.StateStructWithRedAccumulator))]
    [DataRow(nameof(Structs.WithAfterABranch))]
    [DataRow(nameof(Structs.SetterCallingAHelper))]
    public void TheStructFixturesGiveWhatThePlainInterpreterGives(string name)
    {
        var portal = typeof(Structs).GetMethod(name)!;
        static (StructCode, Frame) Arguments()
        {
            var frame = new Frame();
            frame.Stack[1] = 3;
            return (new StructCode([new Step(1, 2), new Step(2, 5), new Step(3, 1), new Step(0, 7)]), frame);
        }
        var (code, frame) = Arguments();
        long plain = (long)portal.Invoke(null, [code, frame])!;
        var jit = PortalJit.Create(portal, new JitSettings { Threshold = 3 });
        var (jitCode, jitFrame) = Arguments();
        long compiled = (long)JitDifferentialTests.AssertUnitsEntered(jit, name, () => jit.Invoke([jitCode, jitFrame]))!;
        Assert.AreEqual(plain, compiled, name);
        CollectionAssert.AreEqual(frame.Stack, jitFrame.Stack, name);
        foreach (var unit in jit.Units)
        {
            var residual = unit.Unit.Residual;
            var instructions = residual.Blocks.SelectMany(b => residual[b].Instructions).ToList();
            Assert.IsFalse(instructions.Any(i => i.Field?.Name == nameof(StructCode.Steps)), $"{name}: no read of the instructions:\n{IrPrinter.Print(residual)}");
        }
    }

    [TestMethod]
    public void TheWovenPortalGivesWhatThePlainInterpreterGives()
    {
        var woven = Woven.Value;
        var type = woven.GetType(typeof(WithVm).FullName!, throwOnError: true)!;
        var portal = type.GetMethod(nameof(WithVm.Run))!;
        var program = type.GetMethod(nameof(WithVm.SumProgram))!;
        IReadOnlyList<CompiledUnit> Units() => JitRuntime.Find(portal)?.Cache.Units ?? [];
        foreach (int n in Sizes)
        {
            var entries = Units().ToDictionary(u => u, u => u.Entries);
            var output = new StringWriter();
            long result = (long)portal.Invoke(null, [program.Invoke(null, [n]), new long[4], output])!;
            Assert.AreEqual(Plain(n), (result, output.ToString()), $"sum {n}");
            if (n > 100) Assert.IsTrue(Units().Any(u => u.Entries > entries.GetValueOrDefault(u)), $"sum {n}: no unit of the woven portal was entered");
        }
    }

    /// <summary>The test subjects, JIT-enabled by <c>pejit build --threshold 3</c> once, loaded in a context of their own.</summary>
    internal static readonly Lazy<Assembly> Woven = new(() =>
    {
        string original = typeof(WithVm).Assembly.Location;
        string folder = Directory.CreateTempSubdirectory("pejit-with-vm-").FullName;
        var output = new StringWriter();
        var error = new StringWriter();
        int exit = PeJit.Cli.Program.Run(["build", original, "-o", folder, "--threshold", "3"], output, error);
        Assert.AreEqual(0, exit, $"pejit build {original}: {error}{output}");
        return new AssemblyLoadContext("pejit-with-vm").LoadFromAssemblyPath(Path.Combine(folder, Path.GetFileName(original)));
    });
}

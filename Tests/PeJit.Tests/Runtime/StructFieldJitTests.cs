using PeJit.IR;
using PeJit.IR.Text;
using PeJit.Runtime;
using PeJit.Tests.Specializer;
using PeJit.TestSubjects;

namespace PeJit.Tests.Runtime;

/// <summary>
/// Fields of a struct local have binding times of their own (analysis rule 7): <see cref="FieldVm"/> keeps its step's
/// state in a struct with a green program counter and a red accumulator, and copies each instruction with a red
/// cached operand. JIT-enabled, every program gives what the plain interpreter gives; the compiled loop has no
/// dispatch left (the opcode and the program counter stay green) and keeps the red fields in a residual struct local.
/// </summary>
[TestClass]
public sealed class StructFieldJitTests
{
    private static readonly int[] Sizes = [1, 7, 100, 3000];

    private static (long Result, string Output, long[] Registers) Plain(int n)
    {
        var output = new StringWriter();
        var registers = new long[] { 0, 0, 0, n };
        return (FieldVm.Run(FieldVm.SumProgram(n), registers, output), output.ToString(), registers);
    }

    private static PortalJit Jit(int threshold = 3) => PortalJit.Create(typeof(FieldVm).GetMethod(nameof(FieldVm.Run))!, new JitSettings { Threshold = threshold });

    [TestMethod]
    public void EveryProgramGivesWhatThePlainInterpreterGives()
    {
        foreach (int n in Sizes)
        {
            var jit = Jit();
            var output = new StringWriter();
            var registers = new long[] { 0, 0, 0, n };
            var result = JitDifferentialTests.AssertUnitsEntered(jit, $"sum {n}",
                () => jit.Invoke([FieldVm.SumProgram(n), registers, output]), expected: n >= 7);
            var plain = Plain(n);
            Assert.AreEqual((plain.Result, plain.Output), ((long)result!, output.ToString()), $"sum {n}");
            CollectionAssert.AreEqual(plain.Registers, registers, $"sum {n}: the registers");
        }
    }

    /// <summary>As <c>pejit build</c> wove it: the stored generating extension keeps which slots have red fields.</summary>
    [TestMethod]
    public void TheWovenPortalGivesWhatThePlainInterpreterGives()
    {
        var woven = WithExpressionJitTests.Woven.Value;
        var type = woven.GetType(typeof(FieldVm).FullName!, throwOnError: true)!;
        var portal = type.GetMethod(nameof(FieldVm.Run))!;
        var program = type.GetMethod(nameof(FieldVm.SumProgram))!;
        IReadOnlyList<CompiledUnit> Units() => JitRuntime.Find(portal)?.Cache.Units ?? [];
        foreach (int n in Sizes)
        {
            var entries = Units().ToDictionary(u => u, u => u.Entries);
            var output = new StringWriter();
            var registers = new long[] { 0, 0, 0, n };
            long result = (long)portal.Invoke(null, [program.Invoke(null, [n]), registers, output])!;
            var plain = Plain(n);
            Assert.AreEqual((plain.Result, plain.Output), (result, output.ToString()), $"sum {n}");
            CollectionAssert.AreEqual(plain.Registers, registers, $"sum {n}: the registers");
            if (n > 100) Assert.IsTrue(Units().Any(u => u.Entries > entries.GetValueOrDefault(u)), $"sum {n}: no unit of the woven portal was entered");
        }
    }

    [TestMethod]
    public void TheLoopHasNoDispatchAndNoInstructionRead()
    {
        var jit = Jit(threshold: 2);
        jit.Invoke([FieldVm.SumProgram(1000), new long[] { 0, 0, 0, 1000 }, TextWriter.Null]);
        Assert.IsNotEmpty(jit.Units, "the loop was compiled");
        var loop = jit.Units.OrderByDescending(u => u.Unit.Keys.Count).First().Unit.Residual;
        string text = IrPrinter.Print(loop);
        var instructions = loop.Blocks.SelectMany(b => loop[b].Instructions).ToList();
        Assert.IsFalse(instructions.Any(i => i.Opcode == Opcode.Switch), "no dispatch switch: the opcode of an instruction with a red field is green:\n" + text);
        Assert.IsFalse(instructions.Any(i => i.Field?.Name == nameof(FieldCode.Instructions)), "no read of the instruction array: the program counter in the state struct is green:\n" + text);
        Assert.IsTrue(loop.Slots.Any(s => loop[s].Type.Name == typeof(FieldState).FullName), "the state's red fields live in a residual struct local:\n" + text);
    }
}

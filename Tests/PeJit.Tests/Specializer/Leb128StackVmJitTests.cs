using PeJit.IR;
using PeJit.IR.Text;
using PeJit.Runtime;
using PeJit.Tests.Examples;
using Vm = PeJit.TestSubjects.Leb128StackVm;

namespace PeJit.Tests.Specializer;

/// <summary>
/// A byte-coded VM whose decoders take the pc by reference (<c>ReadU(code, ref pc)</c>, analysis rule 9, Docs/bta.md rule 11): the
/// JIT-enabled run prints and returns what the plain one does, and its hot loop has no dispatch left (no switch, no
/// read of the code array, no call), as the pc stays green through the decoders.
/// </summary>
[TestClass]
public sealed class Leb128StackVmJitTests
{
    public TestContext TestContext { get; set; } = null!;

    private static PortalJit Jit() => PortalJit.Create(typeof(Vm).GetMethod(nameof(Vm.Run))!, new JitSettings { Threshold = 2 });

    private static (long Result, string Output) Plain(byte[] code)
    {
        var output = new StringWriter();
        return (Vm.Run(code, 0, new Vm.Machine(4, output)), output.ToString());
    }

    private static (long Result, string Output) Jitted(PortalJit jit, byte[] code)
    {
        var output = new StringWriter();
        return ((long)jit.Invoke(code, 0, new Vm.Machine(4, output))!, output.ToString());
    }

    public static IEnumerable<object[]> Programs =>
    [
        ["sum of squares 1000", Vm.SumOfSquares(1000)],
        ["sum of squares 1", Vm.SumOfSquares(1)],
        ["countdown 100", Vm.Countdown(100)],
        ["countdown 0", Vm.Countdown(0)],
    ];

    [TestMethod]
    [DynamicData(nameof(Programs))]
    public void TheJitEnabledRunPrintsAndReturnsWhatThePlainOneDoes(string name, byte[] code)
    {
        var jit = Jit();
        var expected = Plain(code);
        for (int run = 0; run < 3; run++)
        {
            var actual = Jitted(jit, code);
            Assert.AreEqual(expected.Output, actual.Output, $"{name}, run {run}: the output");
            Assert.AreEqual(expected.Result, actual.Result, $"{name}, run {run}: the result");
        }
    }

    [TestMethod]
    public void TheHotLoopHasNoDispatchLeft()
    {
        var jit = Jit();
        var code = Vm.SumOfSquares(1000);
        var (expected, actual) = (Plain(code), Jitted(jit, code));
        Assert.AreEqual(expected.Output, actual.Output);
        Assert.AreEqual(expected.Result, actual.Result);
        Assert.IsNotEmpty(jit.Units, "a unit is compiled: pc stays green through ReadU(code, ref pc)");
        var graph = jit.Units.OrderByDescending(u => u.Unit.Keys.Count).First().Unit.Residual;
        string text = IrPrinter.Print(graph);
        var census = ResidualLoopCensus.OfHotLoop(graph);
        TestContext.WriteLine($"Leb128StackVm sum of squares: {census}");
        var instructions = graph.Blocks.SelectMany(b => graph[b].Instructions).ToList();
        Assert.IsFalse(instructions.Any(i => i.Opcode == Opcode.Switch), $"no dispatch switch:\n{text}");
        Assert.IsFalse(instructions.Any(i => i.Opcode == Opcode.LoadElement && i.TypeOperand is { } t && t.ToString() == "u8"), $"no read of the code array:\n{text}");
        Assert.AreEqual(0, census.Calls + census.Allocations + census.TypeTests, $"no call, allocation or type test in the loop:\n{text}");
    }
}

using PeJit.Frontend.IR;
using PeJit.Frontend.Serialization.Text;
using PeJit.Runtime;
using Vm = PeJit.Examples.StackVm;
using Bf = PeJit.Examples.Brainfuck;

namespace PeJit.Tests.Specializer;

/// <summary>
/// No interpretive overhead left: the residual code of a hot loop reads no bytecode, has no dispatch
/// switch and updates no program counter; only the interpreted program's own work remains.
/// </summary>
[TestClass]
public sealed class ResidualCodeTests
{
    private static FlowGraph HotLoop(PortalJit jit, object?[] arguments)
    {
        jit.Invoke(arguments);
        var unit = jit.Units.OrderByDescending(u => u.Unit.Keys.Count).First().Unit;
        return unit.Residual;
    }

    private static IEnumerable<Instruction> Instructions(FlowGraph graph) => graph.Blocks.SelectMany(b => graph[b].Instructions);

    private static void AssertNoInterpretiveOverhead(FlowGraph residual, string codeField)
    {
        string text = IrPrinter.Print(residual);
        Assert.IsFalse(Instructions(residual).Any(i => i.Field?.Name == codeField), $"no read of {codeField}:\n{text}");
        Assert.IsFalse(Instructions(residual).Any(i => i.Opcode == Opcode.Switch), $"no dispatch switch:\n{text}");
        Assert.IsFalse(residual.Values.Any(v => residual[v].Name == "pc"), $"no program counter:\n{text}");
        Assert.IsFalse(Instructions(residual).Any(i => i.Method?.Name is "MergePoint" or "CanEnterJit"), text);
    }

    [TestMethod]
    public void TheStackVmCountingLoopIsOnlyTheProgramsWork()
    {
        var jit = PortalJit.Create(Vm.Runner.Portal, new JitSettings { Threshold = 2 });
        var residual = HotLoop(jit, Vm.Runner.PortalArguments(Vm.Programs.Source("count"), TextWriter.Null, 1000));
        AssertNoInterpretiveOverhead(residual, "Ops");
        var comparisons = Instructions(residual).Count(i => i.Opcode == Opcode.BrIf);
        Assert.AreEqual(1, comparisons, "one residual branch: the interpreted loop's own condition\n" + IrPrinter.Print(residual));
    }

    [TestMethod]
    public void TheBrainfuckLoopIsOnlyTheProgramsWork()
    {
        var jit = PortalJit.Create(Bf.Runner.Portal, new JitSettings { Threshold = 2 });
        var residual = HotLoop(jit, Bf.Runner.PortalArguments("++++++++[>++++++++<-]>.", TextWriter.Null));
        AssertNoInterpretiveOverhead(residual, "Ops");
        Assert.IsFalse(Instructions(residual).Any(i => i.Field?.Name == "Arguments"), IrPrinter.Print(residual));
    }
}

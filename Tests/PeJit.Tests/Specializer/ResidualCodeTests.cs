using PeJit.IR.Graphs;
using PeJit.IR;
using PeJit.IR.Text;
using PeJit.IR.Verification;
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

    /// <summary>The natural loops of a graph, as the blocks of each (back edges to one header make one loop).</summary>
    private static List<HashSet<Block>> Loops(FlowGraph graph)
    {
        var dominators = Dominators.Compute(graph);
        var predecessors = graph.Blocks.ToDictionary(b => b, _ => new List<Block>());
        foreach (var block in dominators.ReversePostOrder)
            foreach (var successor in graph.Successors(block)) predecessors[successor].Add(block);
        var loops = new List<HashSet<Block>>();
        foreach (var header in dominators.ReversePostOrder)
        {
            var latches = predecessors[header].Where(p => dominators.Dominates(header, p)).ToList();
            if (latches.Count == 0) continue;
            var blocks = new HashSet<Block> { header };
            var work = new Stack<Block>(latches.Where(blocks.Add));
            while (work.Count > 0)
                foreach (var predecessor in predecessors[work.Pop()])
                    if (blocks.Add(predecessor)) work.Push(predecessor);
            loops.Add(blocks);
        }
        return loops;
    }

    private static bool TouchesMemory(Instruction instruction) =>
        instruction.Opcode is Opcode.LoadElement or Opcode.StoreElement or Opcode.LoadField or Opcode.StoreField;

    [TestMethod]
    public void TheStackVmCountingLoopIsOnlyTheProgramsWork()
    {
        var jit = PortalJit.Create(Vm.Runner.Portal, new JitSettings { Threshold = 2 });
        var residual = HotLoop(jit, Vm.Runner.PortalArguments(Vm.Programs.Source("count"), TextWriter.Null, 1000));
        AssertNoInterpretiveOverhead(residual, "Ops");
        string text = IrPrinter.Print(residual);
        // The loop, and its unoptimized copy that the preheader's guards fall back to.
        var loops = Loops(residual);
        Assert.HasCount(2, loops, text);
        foreach (var loop in loops)
            Assert.AreEqual(1, loop.SelectMany(b => residual[b].Instructions).Count(i => i.Opcode == Opcode.BrIf),
                "one residual branch in the loop: the interpreted loop's own condition\n" + text);
        Assert.ContainsSingle(loops.Where(loop => !loop.SelectMany(b => residual[b].Instructions).Any(TouchesMemory)),
            "one loop keeps the interpreted program's counter and operand stack in SSA values: no load or store\n" + text);
    }

    /// <summary>
    /// The stack VM's loops keep the frame's arrays, the locals and the stack slots in SSA values: when the
    /// preheader's guards pass, an iteration neither loads nor stores memory.
    /// </summary>
    [TestMethod]
    [DataRow("count")]
    [DataRow("factorial")]
    [DataRow("long")]
    [DataRow("nested")]
    public void TheStackVmLoopsRunWithoutMemoryTraffic(string program)
    {
        var jit = PortalJit.Create(Vm.Runner.Portal, new JitSettings { Threshold = 2 });
        var residual = HotLoop(jit, Vm.Runner.PortalArguments(Vm.Programs.Source(program), TextWriter.Null, program == "nested" ? 20 : 300));
        Assert.IsTrue(Loops(residual).Any(loop => !loop.SelectMany(b => residual[b].Instructions).Any(TouchesMemory)), IrPrinter.Print(residual));
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

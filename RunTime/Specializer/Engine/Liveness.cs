using System.Runtime.CompilerServices;
using PeJit.IR;

namespace PeJit.Specializer.Engine;

/// <summary>
/// Which values of an interpreter graph the rest of a step may still use from a given point: what an exit
/// in the middle of a step must hand to the graph evaluator. Live-in sets per block are computed once per
/// graph (backward dataflow over SSA: a block's uses, plus what its normal and exceptional successors need
/// minus their parameters, minus its own definitions).
/// </summary>
internal static class Liveness
{
    private static readonly ConditionalWeakTable<FlowGraph, Dictionary<Block, HashSet<Value>>> LiveIns = new();

    /// <summary>The values used from instruction <paramref name="index"/> of <paramref name="block"/> on, and not defined there first.</summary>
    public static HashSet<Value> LiveFrom(FlowGraph graph, Block block, int index)
    {
        var liveIn = LiveIns.GetValue(graph, Compute);
        var live = Outgoing(graph, block, liveIn);
        var instructions = graph[block].Instructions;
        for (int i = instructions.Count - 1; i >= index; i--) Step(instructions[i], live);
        return live;
    }

    private static HashSet<Value> Outgoing(FlowGraph graph, Block block, Dictionary<Block, HashSet<Value>> liveIn)
    {
        var live = new HashSet<Value>();
        foreach (var successor in graph.Successors(block).Concat(graph.ExceptionalSuccessors(block)).Distinct())
        {
            if (!liveIn.TryGetValue(successor, out var needed)) continue;
            var parameters = graph[successor].Parameters;
            live.UnionWith(needed.Where(v => !parameters.Contains(v)));
        }
        return live;
    }

    private static void Step(Instruction instruction, HashSet<Value> live)
    {
        if (instruction.Result is { } result) live.Remove(result);
        live.UnionWith(instruction.Operands);
        foreach (var target in instruction.Targets) live.UnionWith(target.Arguments);
    }

    private static Dictionary<Block, HashSet<Value>> Compute(FlowGraph graph)
    {
        var liveIn = graph.Blocks.ToDictionary(b => b, _ => new HashSet<Value>());
        bool changed = true;
        while (changed)
        {
            changed = false;
            foreach (var block in graph.Blocks.Reverse())
            {
                var live = Outgoing(graph, block, liveIn);
                var instructions = graph[block].Instructions;
                for (int i = instructions.Count - 1; i >= 0; i--) Step(instructions[i], live);
                if (!live.SetEquals(liveIn[block]))
                {
                    liveIn[block] = live;
                    changed = true;
                }
            }
        }
        return liveIn;
    }
}

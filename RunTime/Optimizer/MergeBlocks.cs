using PeJit.IR;
using PeJit.IR.Graphs;

namespace PeJit.Optimizer;

/// <summary>
/// Merges a block into its only predecessor when that predecessor ends by jumping to it: the specializer
/// makes one block per interpreted instruction, and a straight run of them becomes one block (its
/// parameters replaced by the jump's arguments), which the per-block passes can then see whole.
/// </summary>
/// <remarks>Cost: linear in the graph's size: predecessors counted once, each block visited once, one replacement of uses and one removal of unreachable blocks at the end.</remarks>
internal static class MergeBlocks
{
    public static void Run(FlowGraph graph)
    {
        // Counted once: a merge moves a terminator, not its targets, so the count of every block still to merge holds.
        var predecessors = Predecessors.Compute(graph);
        var replacement = new ValueToValueMap(graph.ValueCount);
        bool merged = false;
        foreach (var block in graph.Blocks)
        {
            var data = graph[block];
            while (data.Terminator is { Opcode: Opcode.Jump } jump
                   && jump.Targets[0].Target is var next
                   && next != block && next != FlowGraph.Entry && predecessors.EdgesInto(next).Count == 1
                   && graph[next].Try is null && graph[next].HandlerOf is null && data.Try is null)
            {
                var target = graph[next];
                for (int i = 0; i < target.Parameters.Count; i++) replacement[target.Parameters[i]] = jump.Targets[0].Arguments[i];
                data.Instructions.RemoveAt(data.Instructions.Count - 1);
                data.Instructions.AddRange(target.Instructions);
                target.Instructions.Clear();
                target.Parameters.Clear();
                merged = true;
            }
        }
        if (!merged) return;
        GraphEdits.Replace(graph, replacement);
        GraphEdits.RemoveUnreachable(graph);
    }
}

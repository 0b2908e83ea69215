using PeJit.IR;

namespace PeJit.Optimizer;

/// <summary>Small rewrites the passes share: replacing uses, counting uses, removing blocks.</summary>
internal static class GraphEdits
{
    /// <summary>
    /// Replaces uses by following a replacement map to its end (operands and jump arguments); the work is
    /// <see cref="FlowGraph.ReplaceUses(IReadOnlyDictionary{Value, Value})"/>, which the frontend shares.
    /// </summary>
    public static void Replace(FlowGraph graph, Dictionary<Value, Value> replacement) => graph.ReplaceUses(replacement);

    /// <summary>How many times each value is used.</summary>
    public static Dictionary<Value, int> UseCounts(FlowGraph graph)
    {
        var counts = new Dictionary<Value, int>();
        foreach (var block in graph.Blocks)
            foreach (var instruction in graph[block].Instructions)
                foreach (var use in instruction.Operands.Concat(instruction.Targets.SelectMany(t => t.Arguments)))
                    counts[use] = counts.GetValueOrDefault(use) + 1;
        return counts;
    }

    /// <summary>Removes the blocks no path from the entry reaches, renumbering the rest in layout order.</summary>
    public static void RemoveUnreachable(FlowGraph graph)
    {
        var reached = new BlockSet { FlowGraph.Entry };
        var work = new Stack<Block>();
        work.Push(FlowGraph.Entry);
        while (work.Count > 0)
        {
            var block = work.Pop();
            foreach (var successor in graph.Successors(block).Concat(graph.ExceptionalSuccessors(block)))
                if (reached.Add(successor)) work.Push(successor);
        }
        if (reached.Count == graph.BlockCount) return;
        graph.RemoveBlocks(b => !reached.Contains(b));
    }
}

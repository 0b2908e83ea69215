using PeJit.Frontend.IR;

namespace PeJit.Specializer.Optimizer;

/// <summary>Small rewrites the passes share: replacing uses, counting uses, predecessors, removing blocks.</summary>
internal static class GraphEdits
{
    /// <summary>Replaces uses by following a replacement map to its end (operands and jump arguments).</summary>
    public static void Replace(FlowGraph graph, Dictionary<Value, Value> replacement)
    {
        if (replacement.Count == 0) return;
        Value Find(Value v)
        {
            while (replacement.TryGetValue(v, out var next)) v = next;
            return v;
        }
        foreach (var block in graph.Blocks)
            foreach (var instruction in graph[block].Instructions)
            {
                for (int i = 0; i < instruction.Operands.Count; i++) instruction.Operands[i] = Find(instruction.Operands[i]);
                foreach (var target in instruction.Targets)
                    for (int i = 0; i < target.Arguments.Count; i++) target.Arguments[i] = Find(target.Arguments[i]);
            }
    }

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

    /// <summary>Number of jumps (edges) into each block.</summary>
    public static Dictionary<Block, int> PredecessorCounts(FlowGraph graph)
    {
        var counts = graph.Blocks.ToDictionary(b => b, _ => 0);
        foreach (var block in graph.Blocks)
            foreach (var successor in graph.Successors(block)) counts[successor]++;
        return counts;
    }

    /// <summary>Removes the blocks no path from the entry reaches, renumbering the rest in layout order.</summary>
    public static void RemoveUnreachable(FlowGraph graph)
    {
        var reached = new HashSet<Block> { FlowGraph.Entry };
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

using PeJit.IR.Graphs;
using PeJit.IR;

namespace PeJit.Optimizer;

/// <summary>Small rewrites the passes share: replacing uses, counting uses, removing blocks.</summary>
internal static class GraphEdits
{
    /// <summary>
    /// Replaces uses by following a replacement map to its end (operands and jump arguments); the work is
    /// <see cref="FlowGraph.ReplaceUses(IReadOnlyDictionary{Value, Value})"/>, which the frontend shares.
    /// </summary>
    public static void Replace(FlowGraph graph, ValueToValueMap replacement) => graph.ReplaceUses(replacement);

    /// <summary>
    /// The position of <paramref name="value"/> in <paramref name="values"/> (a block's parameters), or -1. A loop, not
    /// <c>List.IndexOf</c>: that goes through <c>EqualityComparer&lt;Value&gt;</c>, which ReadyToRun leaves to .NET's JIT in
    /// every process.
    /// </summary>
    public static int IndexOf(List<Value> values, Value value)
    {
        for (int i = 0; i < values.Count; i++)
            if (values[i].Index == value.Index) return i;
        return -1;
    }

    /// <summary>Whether <paramref name="instruction"/> uses <paramref name="value"/>: as an operand, or as a jump's argument. Loops, not LINQ over <see cref="Value"/> (see <see cref="IndexOf"/>).</summary>
    public static bool Uses(Instruction instruction, Value value)
    {
        foreach (var operand in instruction.Operands)
            if (operand == value) return true;
        foreach (var target in instruction.Targets)
            foreach (var argument in target.Arguments)
                if (argument == value) return true;
        return false;
    }

    /// <summary>The value of an integer constant (<c>const</c> of an integer type, bool excluded), or null.</summary>
    public static long? IntegerConstant(FlowGraph graph, Value value) =>
        graph[value].DefiningInstruction is { Opcode: Opcode.Const } constant && graph.TypeOf(value).Kind is >= TypeKind.I8 and <= TypeKind.NUInt
            ? constant.Integer : null;

    /// <summary>How many times each value is used.</summary>
    public static ValueToIndexMap UseCounts(FlowGraph graph)
    {
        // The IR's map and loops, not a Dictionary<Value, int> and LINQ over values: those are compiled by .NET on the
        // first unit's path (Docs/PERFORMANCE.md, warm-up).
        var counts = new ValueToIndexMap(graph.ValueCount);
        foreach (var block in graph.Blocks)
            foreach (var instruction in graph[block].Instructions)
            {
                foreach (var use in instruction.Operands) Count(use);
                foreach (var target in instruction.Targets)
                    foreach (var use in target.Arguments) Count(use);
            }
        return counts;

        void Count(Value use) => counts[use] = (counts.TryGetValue(use, out int count) ? count : 0) + 1;
    }

    /// <summary>Removes the blocks no path from the entry reaches, renumbering the rest in layout order.</summary>
    /// <summary>
    /// <paramref name="loops"/> ordered by <paramref name="key"/>, loops of equal keys in their order (stable, as
    /// LINQ's OrderBy): an insertion sort, since an OrderBy with an int key is compiled by .NET on the first unit's
    /// path (Docs/PERFORMANCE.md, warm-up), and a graph has few loops.
    /// </summary>
    public static List<NaturalLoop> Ordered(List<NaturalLoop> loops, Func<NaturalLoop, int> key)
    {
        var ordered = new List<NaturalLoop>(loops.Count);
        var keys = new int[loops.Count];
        foreach (var loop in loops)
        {
            int k = key(loop), at = ordered.Count;
            ordered.Add(loop);
            while (at > 0 && keys[at - 1] > k)
            {
                ordered[at] = ordered[at - 1];
                keys[at] = keys[at - 1];
                at--;
            }
            ordered[at] = loop;
            keys[at] = k;
        }
        return ordered;
    }

    public static void RemoveUnreachable(FlowGraph graph)
    {
        var reached = new BlockSet { FlowGraph.Entry };
        // A stack of block indices: each block is pushed once, when first reached.
        var work = new int[Math.Max(1, graph.BlockCount)];
        int count = 0;
        work[count++] = FlowGraph.Entry.Index;
        while (count > 0)
        {
            var block = new Block(work[--count]);
            foreach (var successor in graph.Successors(block))
                if (reached.Add(successor)) Push(successor);
            if (graph.RegionCount > 0) // no enumerator per block where no block is in a try
                foreach (var successor in graph.ExceptionalSuccessors(block))
                    if (reached.Add(successor)) Push(successor);
        }
        if (reached.Count == graph.BlockCount) return;
        graph.RemoveBlocks(b => !reached.Contains(b));

        void Push(Block block)
        {
            if (count == work.Length) work = IntPairMap.Grown(work, count * 2);
            work[count++] = block.Index;
        }
    }
}

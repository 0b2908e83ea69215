namespace PeJit.IR.Graphs;

/// <summary>
/// Which SSA values are live where: per block, the values some path from its start may still use before
/// they are defined again, over ordinary and exceptional edges. Block parameters are definitions: a value a
/// jump passes as an argument is used by the jump, and a successor's parameter is not live before it.
/// </summary>
/// <remarks>
/// Strategy: one value at a time, from each block that uses it before defining it, walk backwards over
/// predecessors and stop at the block that defines it ("liveness by paths", Appel's Modern Compiler
/// Implementation, 19.6). The result is the least fixpoint of the usual equations, live-in = used here ∪
/// (live-out − defined here) and live-out = the union of the successors' live-in, without iterating them:
/// each value's walk visits a block at most once.
/// Cost: O(blocks + edges + instructions + operands) to collect the uses, the definitions and the
/// predecessors, plus the total size of the live ranges (live-in pairs of block and value, each walked once
/// and kept once). The usual bit set of every value per block would cost blocks × values, and a portal with
/// one switch case per opcode has both in the thousands.
/// A snapshot: a pass that changes the graph computes it again.
/// </remarks>
public sealed class Liveness
{
    private readonly FlowGraph graph;
    private readonly List<Value>[] liveIn;

    private Liveness(FlowGraph graph, List<Value>[] liveIn)
    {
        this.graph = graph;
        this.liveIn = liveIn;
    }

    /// <summary>Computes the live-in sets of every block of <paramref name="graph"/>.</summary>
    public static Liveness Compute(FlowGraph graph) => Compute(graph, null);

    /// <summary>
    /// Computes the live-in sets of every block of <paramref name="graph"/>, of the values in <paramref name="only"/> alone
    /// (all when null): a pass that asks about a few values (allocation removal, its candidate objects) walks only their live
    /// ranges, not those of every value, which in a unit of many exits each passed 20 or more values is most of the work.
    /// The sets hold what the full computation's hold, less the values left out.
    /// </summary>
    public static Liveness Compute(FlowGraph graph, ValueSet? only)
    {
        int blockCount = graph.BlockCount;
        // Where each value is defined: its block, and its position there (-1 for a parameter); -1, -1 for none.
        var definedIn = new int[graph.ValueCount];
        var definedAt = new int[graph.ValueCount];
        for (int i = 0; i < definedIn.Length; i++) definedIn[i] = -1;  // not Array.Fill: over int it is Vector<T> code, which .NET compiles in a process's first unit (ReadyToRun leaves it)
        var usedAt = new List<int>?[graph.ValueCount];
        foreach (var block in graph.Blocks)
        {
            int b = block.Index;
            foreach (var parameter in graph[block].Parameters) Define(parameter, b, -1);
            var instructions = graph[block].Instructions;
            for (int i = 0; i < instructions.Count; i++)
                if (instructions[i].Result is { } result) Define(result, b, i);
        }
        foreach (var block in graph.Blocks)
        {
            int b = block.Index;
            var instructions = graph[block].Instructions;
            for (int i = 0; i < instructions.Count; i++)
            {
                foreach (var use in instructions[i].Operands) Use(use, b, i);
                foreach (var target in instructions[i].TargetCalls)
                    foreach (var use in target.Arguments) Use(use, b, i);
            }
        }

        var predecessors = Predecessors.Compute(graph);
        var liveIn = new List<Value>[blockCount];
        for (int b = 0; b < blockCount; b++) liveIn[b] = [];
        // Per block, the last value found live-in there: each value's walk visits a block at most once.
        var liveInMark = new int[blockCount];
        for (int i = 0; i < liveInMark.Length; i++) liveInMark[i] = -1;
        var work = new Stack<int>();
        for (int v = 0; v < usedAt.Length; v++)
        {
            if (usedAt[v] is not { } uses) continue;
            var value = new Value(v);
            foreach (int b in uses)
                if (liveInMark[b] != v)
                {
                    liveInMark[b] = v;
                    liveIn[b].Add(value);
                    work.Push(b);
                }
            while (work.Count > 0)
            {
                // By index, not AllOf's IEnumerable<Block> (code .NET compiles in every process; Dominators.Compute).
                var block = new Block(work.Pop());
                var ordinary = predecessors.Of(block);
                for (int k = 0; k < ordinary.Count; k++) Reach(ordinary[k].Index, v, value);
                var exceptional = predecessors.ExceptionalOf(block);
                for (int k = 0; k < exceptional.Count; k++) Reach(exceptional[k].Index, v, value);
            }
        }
        return new Liveness(graph, liveIn);

        void Reach(int p, int v, Value value)
        {
            if (liveInMark[p] == v || definedIn[v] == p) return;
            liveInMark[p] = v;
            liveIn[p].Add(value);
            work.Push(p);
        }

        void Use(Value use, int b, int i)
        {
            if (only is not null && !only.Contains(use)) return;
            // Used before it is defined here: live at the block's start.
            if (definedIn[use.Index] == b && definedAt[use.Index] < i) return;
            var blocks = usedAt[use.Index] ??= [];
            if (blocks.Count == 0 || blocks[^1] != b) blocks.Add(b);
        }

        void Define(Value value, int block, int position)
        {
            if (!graph.IsValid(value)) return;
            definedIn[value.Index] = block;
            definedAt[value.Index] = position;
        }
    }

    /// <summary>The values live at the start of <paramref name="block"/>, in index order; never its own parameters.</summary>
    public IReadOnlyList<Value> LiveIn(Block block) => liveIn[block.Index];

    /// <summary>The values live at the end of <paramref name="block"/>: what its ordinary and exceptional successors need.</summary>
    public ValueSet LiveOut(Block block)
    {
        var live = new ValueSet(graph.ValueCount);
        foreach (var successor in graph.Successors(block))
            if (graph.IsValid(successor)) live.UnionWith(liveIn[successor.Index]);
        foreach (var successor in graph.ExceptionalSuccessors(block))
            if (graph.IsValid(successor)) live.UnionWith(liveIn[successor.Index]);
        return live;
    }

    /// <summary>
    /// The values used from instruction <paramref name="index"/> of <paramref name="block"/> on (or by the
    /// successors) and not defined there first: what the rest of the block, started at that instruction, needs.
    /// </summary>
    public ValueSet LiveFrom(Block block, int index)
    {
        var live = LiveOut(block);
        var instructions = graph[block].Instructions;
        for (int i = instructions.Count - 1; i >= index; i--)
        {
            if (instructions[i].Result is { } result) live.Remove(result);
            live.UnionWith(instructions[i].Operands);
            foreach (var target in instructions[i].TargetCalls) live.UnionWith(target.Arguments);
        }
        return live;
    }
}

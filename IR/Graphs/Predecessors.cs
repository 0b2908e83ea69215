namespace PeJit.IR.Graphs;

/// <summary>
/// The edges into every block of a flow graph, as the graph was when <see cref="Compute"/> ran: ordinary
/// edges (one per jump target, so a branch with both targets on one block counts twice) and exceptional
/// ones (a block whose exception may reach a handler or filter entry first).
/// </summary>
/// <remarks>
/// A snapshot, not a view: passes rewrite graphs, so whoever changes a jump after computing it either
/// computes it again or records the change (<see cref="MoveJump"/>). Every list is in layout order of the
/// source blocks (then target order within a terminator; a moved jump goes last), so what callers build from
/// it is deterministic.
/// Targets that name no block of the graph are left out (the verifier reports them).
/// Cost: one pass over the terminators and the protection chains, O(blocks + edges) time and memory.
/// </remarks>
public sealed class Predecessors
{
    private readonly FlowGraph graph;
    // Every ordinary edge in one array, grouped by target (those into block b at start[b] .. start[b + 1] - 1, by source
    // in layout order, then by target within its terminator); the lists a caller asks for are made from it on first
    // use. Passes compute this often (dominators and loops did too) and most ask about few blocks: lists per block made
    // up front were a quarter of what the optimizer allocated.
    private readonly Edge[] all;
    private readonly int[] start;
    private readonly EdgeList?[] edges; // not List<Edge>: see EdgeList
    private readonly List<Block>?[] ordinary;
    private readonly List<Block>[] exceptional;

    private Predecessors(FlowGraph graph, Edge[] all, int[] start)
    {
        this.graph = graph;
        this.all = all;
        this.start = start;
        int n = graph.BlockCount;
        edges = new EdgeList?[n];
        ordinary = new List<Block>?[n];
        exceptional = new List<Block>[n];
    }

    /// <summary>Collects the edges into every block of <paramref name="graph"/>.</summary>
    /// <remarks>
    /// The edges into each block are counted first and laid out in one array; a graph without exception regions
    /// shares one empty list of exceptional sources (nothing may change the lists returned) and makes no enumerator
    /// per block.
    /// </remarks>
    public static Predecessors Compute(FlowGraph graph)
    {
        int n = graph.BlockCount;
        var start = new int[n + 1];
        foreach (var block in graph.Blocks)
            if (graph[block].Terminator is { } terminator)
                for (int i = 0; i < terminator.TargetCalls.Length; i++)
                    if (graph.IsValid(terminator.TargetCalls[i].Target)) start[terminator.TargetCalls[i].Target.Index + 1]++;
        for (int b = 0; b < n; b++) start[b + 1] += start[b];
        var all = new Edge[start[n]];
        var fill = new int[n];
        Array.Copy(start, fill, n);
        bool regions = graph.RegionCount > 0;
        var predecessors = new Predecessors(graph, all, start);
        List<Block>? none = regions ? null : [];
        for (int b = 0; b < n; b++) predecessors.exceptional[b] = none ?? [];
        foreach (var block in graph.Blocks)
        {
            if (graph[block].Terminator is { } terminator)
                for (int i = 0; i < terminator.TargetCalls.Length; i++)
                {
                    var call = terminator.TargetCalls[i];
                    if (!graph.IsValid(call.Target)) continue;
                    all[fill[call.Target.Index]++] = new Edge(block, i, call);
                }
            if (!regions) continue;
            foreach (var handler in graph.ExceptionalSuccessors(block))
            {
                if (!graph.IsValid(handler)) continue;
                var sources = predecessors.exceptional[handler.Index];
                if (sources.Count == 0 || sources[^1] != block) sources.Add(block);
            }
        }
        return predecessors;
    }

    /// <summary>The ordinary edges into <paramref name="block"/>, one per jump target.</summary>
    public IReadOnlyList<Edge> EdgesInto(Block block) => EdgeListOf(block.Index);

    private EdgeList EdgeListOf(int b)
    {
        if (edges[b] is { } made) return made;
        var list = new EdgeList(start[b + 1] - start[b]);
        for (int k = start[b]; k < start[b + 1]; k++) list.Add(all[k]);
        return edges[b] = list;
    }

    /// <summary>The blocks that jump to <paramref name="block"/>, each once. Not to be changed.</summary>
    /// <remarks>
    /// <see cref="Of"/> and <see cref="ExceptionalOf"/> return the lists themselves, not an <c>IReadOnlyList</c>: a <c>foreach</c>
    /// over the interface takes the boxed enumerator of a list of a struct of the IR, code .NET compiles in every process on
    /// the first unit's path, where ReadyToRun precompiles the list's own struct enumerator (Docs/PERFORMANCE.md, warm-up).
    /// </remarks>
    public List<Block> Of(Block block)
    {
        int b = block.Index;
        if (ordinary[b] is { } made) return made;
        // Sources arrive in layout order, so a repeated one is the last added.
        var sources = new List<Block>(start[b + 1] - start[b]);
        for (int k = start[b]; k < start[b + 1]; k++)
            if (sources.Count == 0 || sources[^1] != all[k].Source) sources.Add(all[k].Source);
        return ordinary[b] = sources;
    }

    /// <summary>The blocks whose exceptions may reach <paramref name="block"/> (a handler or filter entry) first, each once. Not to be changed.</summary>
    public List<Block> ExceptionalOf(Block block) => exceptional[block.Index];

    /// <summary>
    /// The blocks that reach <paramref name="block"/> by an ordinary or an exceptional edge: <see cref="Of"/>
    /// then <see cref="ExceptionalOf"/> (disjoint in a verified graph, where a handler entry is jumped to by none).
    /// </summary>
    public IEnumerable<Block> AllOf(Block block) =>
        exceptional[block.Index].Count == 0 ? Of(block) : Of(block).Concat(exceptional[block.Index]);

    /// <summary>
    /// Records that the jump <paramref name="call"/> now leaves <paramref name="source"/> (a pass moved the
    /// terminator holding it there), so the snapshot stays true without computing it again.
    /// </summary>
    public void MoveJump(BlockCall call, Block source)
    {
        int target = call.Target.Index;
        var into = EdgeListOf(target);
        var sources = Of(call.Target);
        into.RemoveAll(e => e.Call == call);
        into.Add(new Edge(source, graph[source].Terminator!.Targets.IndexOf(call), call));
        sources.Clear();
        foreach (var edge in into)
            if (!sources.Contains(edge.Source)) sources.Add(edge.Source);
    }
}

using System.Collections.Concurrent;
using PeJit.IR;
using PeJit.IR.Graphs;
using PeJit.Specializer.Extension;

namespace PeJit.Specializer.Engine;

/// <summary>
/// Where paths of one graph, split at red branches, may join again, and in which order paths there must be
/// run so that every path that can reach a join point has got there before it is released: computed once per
/// graph (the first time a path of it arrives at a block), kept with the graph, which never changes at run time.
/// </summary>
/// <remarks>
/// Strategy (the program points of Jones, Gomard and Sestoft's "mix", restricted to where joins can happen):
/// 1. a block with more than one edge into it (an if's continuation, a loop's header) is a join point; so is the
///    continuation of every call (paths split inside an inlined or unfolded callee come back there);
/// 2. blocks are ordered by reverse post-order: along forward edges a path only moves to later blocks, so the
///    earliest arrival among all the paths of a step can be reached by none of the others, except over a back edge;
/// 3. a loop header whose parameters the analysis made all red (a generalized loop: it exits on a red value) is a
///    loop join: paths coming round the back edge come with the same greens, so its block is kept, every red
///    value live there a parameter, for them to jump back to;
/// 4. the values live at a join point, which alone decide whether two paths may share its code (a value dead
///    there may differ freely): at a block's start, and after each call.
/// </remarks>
internal sealed class JoinPoints
{
    private readonly ExtensionGraph graph;
    private readonly int[] order;
    private readonly bool[] join;
    private readonly bool[] loopJoin;
    private readonly int[]?[] liveAtEntry;
    // Made when first needed: most units never ask, and the dictionary (keyed by a tuple) is compiled by .NET on
    // first use (Docs/PERFORMANCE.md, warm-up).
    private ConcurrentDictionary<(int Block, int Index), int[]>? liveFrom;
    private Liveness? liveness;

    private JoinPoints(ExtensionGraph graph, int[] order, bool[] join, bool[] loopJoin)
    {
        this.graph = graph;
        this.order = order;
        this.join = join;
        this.loopJoin = loopJoin;
        liveAtEntry = new int[]?[join.Length];
    }

    /// <summary>Computes the join points of <paramref name="graph"/>.</summary>
    public static JoinPoints Compute(ExtensionGraph graph)
    {
        var flow = graph.Graph;
        int count = flow.BlockCount;
        var dominators = Dominators.Compute(flow);
        var order = new int[count];
        for (int i = 0; i < order.Length; i++) order[i] = int.MaxValue;  // not Array.Fill: its Vector<T> code is compiled by .NET at the first unit
        var reverse = dominators.ReversePostOrder;
        for (int i = 0; i < reverse.Count; i++) order[reverse[i].Index] = i;
        var predecessors = Predecessors.Compute(flow);
        var join = new bool[count];
        var loopJoin = new bool[count];
        foreach (var block in flow.Blocks)
        {
            int b = block.Index;
            var edges = predecessors.EdgesInto(block);
            // 1. More than one way in (the entry is entered once more, by the call).
            join[b] = edges.Count + predecessors.ExceptionalOf(block).Count + (b == FlowGraph.Entry.Index ? 1 : 0) > 1;
            // 3. A generalized loop's header: a back edge into it, every parameter red.
            loopJoin[b] = join[b] && HasBackEdge(edges, order, b) && AllRed(flow[block].Parameters, graph);
        }
        return new JoinPoints(graph, order, join, loopJoin);
    }

    // Loops, not LINQ over edges and values: that is compiled by .NET on the first unit's path (Docs/PERFORMANCE.md, warm-up).
    private static bool HasBackEdge(IReadOnlyList<Edge> edges, int[] order, int block)
    {
        for (int i = 0; i < edges.Count; i++)
            if (order[edges[i].Source.Index] >= order[block]) return true;
        return false;
    }

    private static bool AllRed(List<Value> parameters, ExtensionGraph graph)
    {
        foreach (var parameter in parameters)
            if (!graph.RedValues[parameter.Index]) return false;
        return true;
    }

    /// <summary>True when paths may join at the start of block <paramref name="block"/>.</summary>
    public bool IsJoin(int block) => join[block];

    /// <summary>True when <paramref name="block"/> is a generalized loop's header (rule 3): its code is kept for paths coming round.</summary>
    public bool IsLoopJoin(int block) => loopJoin[block];

    /// <summary>The block's place in reverse post-order (unreachable blocks last).</summary>
    public int Order(int block) => order[block];

    /// <summary>The values live at instruction <paramref name="index"/> of <paramref name="block"/> (0: its start, parameters included), with the graph's <see cref="ExtensionGraph.KeptLive"/>, by index.</summary>
    public int[] LiveAt(int block, int index)
    {
        if (index == 0) return liveAtEntry[block] ??= Live(block, 0);
        var cache = liveFrom ?? Interlocked.CompareExchange(ref liveFrom, new ConcurrentDictionary<(int Block, int Index), int[]>(), null) ?? liveFrom;
        return cache.GetOrAdd((block, index), key => Live(key.Block, key.Index));
    }

    private int[] Live(int block, int index) => WithKeptLive((liveness ??= graph.Liveness).LiveFrom(new Block(block), index), graph.KeptLive);

    /// <summary>The indices of <paramref name="live"/> and of <paramref name="kept"/> (ascending), in index order. O(kept x live).</summary>
    internal static int[] WithKeptLive(ValueSet live, int[] kept)
    {
        var values = new int[live.Count + kept.Length];
        int at = 0;
        foreach (var value in live) values[at++] = value.Index;   // in index order
        // The graph's values kept live (the portal's implicit reds), each inserted in order unless the liveness has it.
        // Plain loops: a framework generic (Array.BinarySearch's) is code .NET compiles on the first unit's path.
        foreach (int value in kept)
        {
            int place = 0;
            while (place < at && values[place] < value) place++;
            if (place < at && values[place] == value) continue;
            for (int i = at; i > place; i--) values[i] = values[i - 1];
            values[place] = value;
            at++;
        }
        if (at == values.Length) return values;
        var trimmed = new int[at];
        Array.Copy(values, trimmed, at);
        return trimmed;
    }
}

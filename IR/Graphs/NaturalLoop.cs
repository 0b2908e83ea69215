namespace PeJit.IR.Graphs;

/// <summary>
/// A natural loop: a header that dominates the sources of its back edges (the latches), and every block that
/// reaches a latch without passing the header. Back edges to the same header make one loop. Only the header
/// has predecessors outside the loop. Ordinary edges only: a handler is not an iteration.
/// </summary>
/// <remarks>
/// Strategy: an edge whose target dominates its source is a back edge; the body is the header plus a
/// backward walk over predecessors from the latches that stops at the header. A cycle with two entries (an
/// irreducible one, such as a jump into the middle of a loop) has no header that dominates it, so it is no
/// natural loop and is not found here. Loops nest: a loop's <see cref="Parent"/> is the innermost other loop
/// that holds its header, found by walking up the dominator tree from the header, since an enclosing
/// loop's header dominates every block of it.
/// Cost, given the dominators: O(blocks + edges) to find the back edges, plus the total size of the loop
/// bodies (each block is walked once per loop that holds it), plus, for nesting, the dominator-tree depth
/// per loop.
/// </remarks>
public sealed class NaturalLoop
{
    private NaturalLoop(Block header, HashSet<Block> blocks, List<Block> latches)
    {
        Header = header;
        Blocks = blocks;
        Latches = latches;
    }

    /// <summary>The block every iteration starts at.</summary>
    public Block Header { get; }

    /// <summary>The blocks of the loop, the header included, enumerated in layout (index) order.</summary>
    public HashSet<Block> Blocks { get; }

    /// <summary>The blocks that jump back to the header, in reverse post-order.</summary>
    public List<Block> Latches { get; }

    /// <summary>The innermost other loop <see cref="Find(FlowGraph, Dominators)"/> found that holds this one; null for an outermost loop.</summary>
    public NaturalLoop? Parent { get; private set; }

    /// <summary>How many loops hold this one: 0 for an outermost loop.</summary>
    public int Depth => Parent is null ? 0 : Parent.Depth + 1;

    /// <summary>
    /// The loops of the blocks the entry reaches, one per header, in the reverse post-order of their first
    /// latch, each with its <see cref="Parent"/>.
    /// </summary>
    public static List<NaturalLoop> Find(FlowGraph graph, Dominators dominators)
    {
        var latches = new Dictionary<Block, List<Block>>();
        foreach (var block in dominators.ReversePostOrder)
            foreach (var successor in graph.Successors(block).Distinct())
            {
                if (!dominators.Dominates(successor, block)) continue;
                if (!latches.TryGetValue(successor, out var list)) latches[successor] = list = [];
                list.Add(block);
            }
        if (latches.Count == 0) return [];
        var predecessors = Predecessors.Compute(graph);
        var loops = latches.Select(l => Body(header: l.Key, l.Value, predecessors, dominators)).ToList();
        var byHeader = loops.ToDictionary(l => l.Header);
        foreach (var loop in loops)
            for (var up = dominators.ImmediateDominator(loop.Header); up is { } h; up = dominators.ImmediateDominator(h))
                if (byHeader.TryGetValue(h, out var outer) && outer.Blocks.Contains(loop.Header))
                {
                    loop.Parent = outer;
                    break;
                }
        return loops;
    }

    /// <summary>The loop of the back edges from <paramref name="latches"/> to <paramref name="header"/> alone (no <see cref="Parent"/>).</summary>
    public static NaturalLoop Find(FlowGraph graph, Dominators dominators, Block header, List<Block> latches) =>
        Body(header, latches, Predecessors.Compute(graph), dominators);

    private static NaturalLoop Body(Block header, List<Block> latches, Predecessors predecessors, Dominators dominators)
    {
        var blocks = new HashSet<Block> { header };
        var work = new Stack<Block>(latches.Where(blocks.Add));
        while (work.Count > 0)
            foreach (var predecessor in predecessors.Of(work.Pop()))
                if (dominators.IsReachable(predecessor) && blocks.Add(predecessor)) work.Push(predecessor);
        return new NaturalLoop(header, blocks.OrderBy(b => b.Index).ToHashSet(), latches);
    }
}

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
    private NaturalLoop(Block header, BlockSet blocks, List<Block> latches)
    {
        Header = header;
        Blocks = blocks;
        Latches = latches;
    }

    /// <summary>The block every iteration starts at.</summary>
    public Block Header { get; }

    /// <summary>The blocks of the loop, the header included, enumerated in layout (index) order.</summary>
    public BlockSet Blocks { get; }

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
        // Indexed by the header's block index; the headers in the order their first latch was found.
        var latches = new List<Block>?[graph.BlockCount];
        var headers = new List<Block>();
        foreach (var block in dominators.ReversePostOrder)
        {
            var successors = graph.Successors(block);
            for (int i = 0; i < successors.Count; i++)
            {
                var successor = successors[i];
                if (IsRepeated(successors, i) || !dominators.Dominates(successor, block)) continue;
                if (latches[successor.Index] is not { } list)
                {
                    latches[successor.Index] = list = [];
                    headers.Add(successor);
                }
                list.Add(block);
            }
        }
        if (headers.Count == 0) return [];
        var predecessors = Predecessors.Compute(graph);
        var loops = new List<NaturalLoop>(headers.Count);
        var byHeader = new NaturalLoop?[graph.BlockCount];
        foreach (var header in headers)
        {
            var loop = Body(header, latches[header.Index]!, predecessors, dominators);
            loops.Add(loop);
            byHeader[header.Index] = loop;
        }
        foreach (var loop in loops)
            for (var up = dominators.ImmediateDominator(loop.Header); up is { } h; up = dominators.ImmediateDominator(h))
                if (byHeader[h.Index] is { } outer && outer.Blocks.Contains(loop.Header))
                {
                    loop.Parent = outer;
                    break;
                }
        return loops;
    }

    /// <summary>Whether <paramref name="blocks"/>[<paramref name="at"/>] came earlier in the list too (a switch with two cases to one block).</summary>
    private static bool IsRepeated(IReadOnlyList<Block> blocks, int at)
    {
        for (int i = 0; i < at; i++)
            if (blocks[i] == blocks[at]) return true;
        return false;
    }

    /// <summary>The loop of the back edges from <paramref name="latches"/> to <paramref name="header"/> alone (no <see cref="Parent"/>).</summary>
    public static NaturalLoop Find(FlowGraph graph, Dominators dominators, Block header, List<Block> latches) =>
        Body(header, latches, Predecessors.Compute(graph), dominators);

    private static NaturalLoop Body(Block header, List<Block> latches, Predecessors predecessors, Dominators dominators)
    {
        var blocks = new BlockSet { header };
        var work = new BlockStack(); // not Stack<Block>, which .NET compiles on the first unit's path
        foreach (var latch in latches)
            if (blocks.Add(latch)) work.Push(latch);
        while (work.Count > 0)
            foreach (var predecessor in predecessors.Of(work.Pop()))
                if (dominators.IsReachable(predecessor) && blocks.Add(predecessor)) work.Push(predecessor);
        return new NaturalLoop(header, blocks, latches);
    }
}

using PeJit.IR.Graphs;
using PeJit.IR;
using PeJit.IR.Verification;

namespace PeJit.Optimizer;

/// <summary>
/// A natural loop: a header that dominates the sources of its back edges (the latches), and every block that
/// reaches a latch without passing the header. Back edges to the same header make one loop. Only the header
/// has predecessors outside the loop.
/// </summary>
internal sealed class NaturalLoop
{
    private NaturalLoop(Block header, HashSet<Block> blocks, List<Block> latches)
    {
        Header = header;
        Blocks = blocks;
        Latches = latches;
    }

    /// <summary>The block every iteration starts at.</summary>
    public Block Header { get; }

    /// <summary>The blocks of the loop, the header included.</summary>
    public HashSet<Block> Blocks { get; }

    /// <summary>The blocks that jump back to the header.</summary>
    public List<Block> Latches { get; }

    /// <summary>The loops of the blocks the entry reaches, one per header, in no particular order.</summary>
    public static List<NaturalLoop> Find(FlowGraph graph, Dominators dominators)
    {
        var predecessors = graph.Blocks.ToDictionary(b => b, _ => new List<Block>());
        var latches = new Dictionary<Block, List<Block>>();
        foreach (var block in dominators.ReversePostOrder)
            foreach (var successor in graph.Successors(block).Distinct())
            {
                predecessors[successor].Add(block);
                if (!dominators.Dominates(successor, block)) continue;
                if (!latches.TryGetValue(successor, out var list)) latches[successor] = list = [];
                list.Add(block);
            }
        return latches.Select(l => Body(header: l.Key, l.Value, predecessors)).ToList();
    }

    /// <summary>The loop of the back edges from <paramref name="latches"/> to <paramref name="header"/> alone.</summary>
    public static NaturalLoop Find(FlowGraph graph, Dominators dominators, Block header, List<Block> latches)
    {
        var predecessors = graph.Blocks.ToDictionary(b => b, _ => new List<Block>());
        foreach (var block in dominators.ReversePostOrder)
            foreach (var successor in graph.Successors(block).Distinct()) predecessors[successor].Add(block);
        return Body(header, latches, predecessors);
    }

    private static NaturalLoop Body(Block header, List<Block> latches, Dictionary<Block, List<Block>> predecessors)
    {
        var blocks = new HashSet<Block> { header };
        var work = new Stack<Block>(latches.Where(blocks.Add));
        while (work.Count > 0)
            foreach (var predecessor in predecessors[work.Pop()])
                if (blocks.Add(predecessor)) work.Push(predecessor);
        return new NaturalLoop(header, blocks, latches);
    }
}

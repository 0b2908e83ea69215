using PeJit.IR;
using PeJit.IR.Graphs;

namespace PeJit.Optimizer;

/// <summary>
/// The turns of a loop that pass none of some of its blocks (those that make a call, or a barrier call): what
/// <see cref="BarrierPaths"/> and <see cref="CallFreeLoops"/> keep as the loop, sending the other turns to a copy.
/// </summary>
internal static class QuietTurns
{
    /// <summary>
    /// The blocks of <paramref name="loop"/> its header reaches without passing one of <paramref name="calls"/> (the
    /// header included), or null when no latch is among them: then every turn passes a call and there is no quiet loop
    /// to keep. Linear in the loop's blocks and edges.
    /// </summary>
    public static BlockSet? Of(FlowGraph graph, NaturalLoop loop, BlockSet calls)
    {
        var header = loop.Header;
        var quiet = new BlockSet { header };
        var work = new Stack<Block>();
        work.Push(header);
        while (work.Count > 0)
            foreach (var successor in graph.Successors(work.Pop()))
                if (successor != header && loop.Blocks.Contains(successor) && !calls.Contains(successor) && quiet.Add(successor)) work.Push(successor);
        foreach (var latch in loop.Latches)
            if (quiet.Contains(latch)) return quiet;
        return null;
    }
}

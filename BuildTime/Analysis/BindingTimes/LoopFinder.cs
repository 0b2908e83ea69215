using PeJit.IR;
using PeJit.IR.Graphs;
using QuikGraph;
using QuikGraph.Algorithms;

namespace PeJit.Analysis.BindingTimes;

/// <summary>The loops of a flow graph, nested loops included, each with its header and exit branches.</summary>
/// <remarks>
/// Strategy: the strongly connected components of the block graph (QuikGraph) are the outermost loops; a
/// loop's header is the block it is entered through. Removing the header and taking components again
/// finds the loops nested inside, and so on (a loop-nesting forest, as in Havlak's algorithm).
/// Exceptional edges are left out: a handler is not an iteration. Most graphs (the helpers an interpreter
/// calls) have no loop at all: a depth-first search that finds no back edge says so without building the
/// component graphs.
/// Why components and not <see cref="NaturalLoop"/>, the IR's loops: the analysis must see every cycle,
/// since a cycle it does not generalize may unroll forever during specialization. A cycle with two entries
/// (a <c>goto</c> into a loop, a compiler's state machine resuming inside one) has no dominating header, so
/// it is no natural loop; and a cycle inside a handler is cut off from the entry by ordinary edges. Here
/// such a cycle is one more component, headed by its first entry in layout order. On a reducible graph the
/// loops found are the natural loops (one per header, with their nesting). Cost: O(blocks + edges) per
/// level of nesting (one component search each).
/// </remarks>
internal static class LoopFinder
{
    /// <summary>A loop: header, blocks, and the branches that leave it.</summary>
    public sealed record Loop(Block Header, IReadOnlyList<Block> Blocks, IReadOnlyList<Instruction> Exits);

    /// <summary>All loops of <paramref name="graph"/>, outer loops before the loops they contain.</summary>
    public static List<Loop> Find(FlowGraph graph)
    {
        var loops = new List<Loop>();
        if (!HasCycle(graph)) return loops;
        var predecessors = Predecessors.Compute(graph);
        FindIn(graph, [.. graph.Blocks], predecessors, loops);
        return loops;
    }

    /// <summary>True when some path of ordinary edges comes back to a block it left (a back edge of a depth-first search).</summary>
    private static bool HasCycle(FlowGraph graph)
    {
        const byte Open = 1, Done = 2;
        var state = new byte[graph.BlockCount];
        var stack = new Stack<(int Block, int Next)>();
        for (int root = 0; root < state.Length; root++)
        {
            if (state[root] != 0) continue;
            state[root] = Open;
            stack.Push((root, 0));
            while (stack.Count > 0)
            {
                var (block, next) = stack.Pop();
                var targets = graph[new Block(block)].Terminator?.Targets;
                if (targets is null || next >= targets.Count)
                {
                    state[block] = Done;
                    continue;
                }
                stack.Push((block, next + 1));
                int successor = targets[next].Target.Index;
                if (state[successor] == Open) return true;
                if (state[successor] != 0) continue;
                state[successor] = Open;
                stack.Push((successor, 0));
            }
        }
        return false;
    }

    private static void FindIn(FlowGraph graph, HashSet<Block> region, Predecessors predecessors, List<Loop> loops)
    {
        var subgraph = new AdjacencyGraph<Block, Edge<Block>>();
        subgraph.AddVertexRange(region);
        foreach (var block in region)
            foreach (var successor in graph.Successors(block))
                if (region.Contains(successor)) subgraph.AddEdge(new Edge<Block>(block, successor));
        var components = new Dictionary<Block, int>();
        subgraph.StronglyConnectedComponents(components);
        foreach (var component in components.GroupBy(p => p.Value, p => p.Key))
        {
            var blocks = component.OrderBy(b => b.Index).ToList();
            bool cycle = blocks.Count > 1 || graph.Successors(blocks[0]).Contains(blocks[0]);
            if (!cycle) continue;
            var members = new HashSet<Block>(blocks);
            var entries = blocks.Where(b => b == FlowGraph.Entry
                || predecessors.Of(b).Any(p => !members.Contains(p))).ToList();
            var header = entries.Count > 0 ? entries[0] : blocks[0];
            var exits = blocks
                .Select(b => graph[b].Terminator)
                .Where(t => t is not null && t.Targets.Any(target => !members.Contains(target.Target)))
                .Select(t => t!)
                .ToList();
            loops.Add(new Loop(header, blocks, exits));
            members.Remove(header);
            if (members.Count > 0) FindIn(graph, members, predecessors, loops);
        }
    }
}

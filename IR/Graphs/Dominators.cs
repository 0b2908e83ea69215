using PeJit.IR;

namespace PeJit.IR.Graphs;

/// <summary>
/// Immediate dominators of a flow graph's blocks over ordinary and exceptional edges, by Cooper, Harvey
/// and Kennedy's iterative algorithm ("A Simple, Fast Dominance Algorithm"); QuikGraph has none.
/// </summary>
/// <remarks>
/// Cost: O(blocks + edges) per pass over the reverse post-order, and the passes repeat until nothing changes:
/// twice plus the loop nesting depth in practice (Cooper et al. measure it), O(blocks²) in the worst case.
/// <see cref="Dominates"/> is O(1): it compares the blocks' entry and exit numbers in a depth-first walk of the
/// dominator tree, numbered once (walking up the tree instead cost the tree's depth, which grows with the
/// graph in a unit of loops one after the other, and made every pass that asks it per edge quadratic).
/// </remarks>
public sealed class Dominators
{
    private readonly int[] immediate;
    private readonly int[] order;

    private readonly int[] enter;
    private readonly int[] exit;

    private Dominators(int[] immediate, int[] order)
    {
        this.immediate = immediate;
        this.order = order;
        // Entry and exit numbers of a depth-first walk of the dominator tree: a dominates b exactly when b's
        // interval lies within a's.
        int n = immediate.Length;
        enter = new int[n];
        exit = new int[n];
        if (n == 0) return;
        var firstChild = Enumerable.Repeat(-1, n).ToArray();
        var nextSibling = Enumerable.Repeat(-1, n).ToArray();
        for (int b = n - 1; b > 0; b--)
        {
            if (immediate[b] < 0) continue;
            nextSibling[b] = firstChild[immediate[b]];
            firstChild[immediate[b]] = b;
        }
        int clock = 0;
        var stack = new Stack<(int Block, int Child)>();
        enter[0] = clock++;
        stack.Push((0, firstChild[0]));
        while (stack.Count > 0)
        {
            var (b, child) = stack.Pop();
            if (child < 0)
            {
                exit[b] = clock++;
                continue;
            }
            stack.Push((b, nextSibling[child]));
            enter[child] = clock++;
            stack.Push((child, firstChild[child]));
        }
    }

    /// <summary>Blocks reachable from the entry, in reverse post-order.</summary>
    public IReadOnlyList<Block> ReversePostOrder { get; private init; } = [];

    /// <summary>True when <paramref name="block"/> is reachable from the entry.</summary>
    public bool IsReachable(Block block) => order[block.Index] >= 0;

    /// <summary>The immediate dominator of a reachable block other than the entry; null for the entry and unreachable blocks.</summary>
    public Block? ImmediateDominator(Block block) =>
        block.Index == 0 || immediate[block.Index] < 0 ? null : new Block(immediate[block.Index]);

    /// <summary>True when every path from the entry to <paramref name="b"/> passes through <paramref name="a"/>.</summary>
    public bool Dominates(Block a, Block b)
    {
        if (!IsReachable(b)) return true;
        if (!IsReachable(a)) return false;
        return enter[a.Index] <= enter[b.Index] && exit[b.Index] <= exit[a.Index];
    }

    /// <summary>Computes the dominators of <paramref name="graph"/>.</summary>
    public static Dominators Compute(FlowGraph graph)
    {
        int n = graph.BlockCount;
        var successors = new List<int>[n];
        foreach (var block in graph.Blocks)
            successors[block.Index] = graph.Successors(block).Concat(graph.ExceptionalSuccessors(block))
                .Where(graph.IsValid).Select(s => s.Index).Distinct().ToList();
        var predecessors = Predecessors.Compute(graph);
        // Reverse post-order by an iterative depth-first search.
        var post = new List<int>();
        var order = Enumerable.Repeat(-1, n).ToArray();
        if (n > 0)
        {
            var visited = new bool[n];
            var stack = new Stack<(int Block, int Next)>();
            stack.Push((0, 0));
            visited[0] = true;
            while (stack.Count > 0)
            {
                var (b, next) = stack.Pop();
                if (next < successors[b].Count)
                {
                    stack.Push((b, next + 1));
                    int s = successors[b][next];
                    if (!visited[s]) { visited[s] = true; stack.Push((s, 0)); }
                }
                else post.Add(b);
            }
        }
        post.Reverse();
        for (int i = 0; i < post.Count; i++) order[post[i]] = i;

        var immediate = Enumerable.Repeat(-1, n).ToArray();
        if (n > 0) immediate[0] = 0;
        bool changed = true;
        while (changed)
        {
            changed = false;
            foreach (int b in post.Skip(1))
            {
                int idom = -1;
                foreach (var predecessor in predecessors.AllOf(new Block(b)))
                {
                    int p = predecessor.Index;
                    if (immediate[p] < 0) continue;
                    idom = idom < 0 ? p : Intersect(p, idom);
                }
                if (idom >= 0 && immediate[b] != idom)
                {
                    immediate[b] = idom;
                    changed = true;
                }
            }
        }
        return new Dominators(immediate, order) { ReversePostOrder = post.Select(b => new Block(b)).ToList() };

        int Intersect(int a, int b)
        {
            while (a != b)
            {
                while (order[a] > order[b]) a = immediate[a];
                while (order[b] > order[a]) b = immediate[b];
            }
            return a;
        }
    }
}

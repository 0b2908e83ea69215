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
        var firstChild = Unset(n);
        var nextSibling = Unset(n);
        for (int b = n - 1; b > 0; b--)
        {
            if (immediate[b] < 0) continue;
            nextSibling[b] = firstChild[immediate[b]];
            firstChild[immediate[b]] = b;
        }
        int clock = 0;
        // A stack of (block, next child to visit) pairs, at most one per level of the tree.
        var stackBlock = new int[n];
        var stackChild = new int[n];
        int depth = 0;
        enter[0] = clock++;
        stackBlock[depth] = 0;
        stackChild[depth++] = firstChild[0];
        while (depth > 0)
        {
            int b = stackBlock[--depth], child = stackChild[depth];
            if (child < 0)
            {
                exit[b] = clock++;
                continue;
            }
            stackChild[depth++] = nextSibling[child];
            enter[child] = clock++;
            stackBlock[depth] = child;
            stackChild[depth++] = firstChild[child];
        }
    }

    /// <summary>An array of <paramref name="n"/> times -1 (loops, not LINQ: this runs while a process's first unit is compiled).</summary>
    private static int[] Unset(int n)
    {
        var array = new int[n];
        for (int i = 0; i < n; i++) array[i] = -1;
        return array;
    }

    /// <summary>Blocks reachable from the entry, in reverse post-order. Not to be changed.</summary>
    /// <remarks>
    /// A <see cref="List{T}"/>, not an <c>IReadOnlyList</c>: a <c>foreach</c> over the interface takes the boxed enumerator of
    /// a list of a struct of the IR, code .NET compiles in every process on the first unit's path (ReadyToRun precompiles the
    /// list's own struct enumerator). No initializer: an empty collection expression would run <c>Array.Empty&lt;Block&gt;</c>'s
    /// class initializer, compiled by .NET too; <see cref="Compute"/> always sets it.
    /// </remarks>
    public List<Block> ReversePostOrder { get; private init; } = null!;

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
        // Int arrays, not List<int>: the framework's generics are compiled by .NET in every process on first use,
        // on the first unit's path (Docs/PERFORMANCE.md, warm-up).
        var successors = new int[n][];
        var scratch = new int[8];
        // seenFrom[s] == b + 1: s is already a successor of b (a switch with many cases on few blocks stays linear).
        var seenFrom = new int[n];
        int edgeCount = 0;
        for (int b = 0; b < n; b++)
        {
            int count = 0;
            var block = new Block(b);
            foreach (var successor in graph.Successors(block))
                if (graph.IsValid(successor)) AddOnce(successor.Index);
            if (graph.RegionCount > 0) // no enumerator per block where no block is in a try
                foreach (var successor in graph.ExceptionalSuccessors(block))
                    if (graph.IsValid(successor)) AddOnce(successor.Index);
            var list = successors[b] = count == 0 ? [] : new int[count];
            Array.Copy(scratch, list, count);
            edgeCount += count;

            void AddOnce(int index)
            {
                if (seenFrom[index] == b + 1) return;
                seenFrom[index] = b + 1;
                if (count == scratch.Length)
                {
                    var grown = new int[count * 2];
                    Array.Copy(scratch, grown, count);
                    scratch = grown;
                }
                scratch[count++] = index;
            }
        }
        // The predecessors (ordinary and exceptional, each once) from the successors just found, in two flat arrays:
        // not Predecessors.Compute, whose lists per block were a large part of what the optimizer allocated (every
        // pass computes dominators). The order a block's predecessors are met in does not change the result: the
        // fixpoint below is the dominator tree, whatever the order.
        var predecessorStart = new int[n + 1];
        for (int b = 0; b < n; b++)
            foreach (int s in successors[b]) predecessorStart[s + 1]++;
        for (int b = 0; b < n; b++) predecessorStart[b + 1] += predecessorStart[b];
        var predecessorList = new int[edgeCount];
        var fill = new int[n];
        Array.Copy(predecessorStart, fill, n);
        for (int b = 0; b < n; b++)
            foreach (int s in successors[b]) predecessorList[fill[s]++] = b;
        // Reverse post-order by an iterative depth-first search; the stack holds (block, next successor) pairs,
        // at most one per block.
        var post = new int[n];
        int postCount = 0;
        var order = Unset(n);
        if (n > 0)
        {
            var visited = new bool[n];
            var stackBlock = new int[n];
            var stackNext = new int[n];
            int depth = 0;
            stackBlock[depth] = 0;
            stackNext[depth++] = 0;
            visited[0] = true;
            while (depth > 0)
            {
                int b = stackBlock[--depth], next = stackNext[depth];
                if (next < successors[b].Length)
                {
                    stackNext[depth++] = next + 1;
                    int s = successors[b][next];
                    if (!visited[s])
                    {
                        visited[s] = true;
                        stackBlock[depth] = s;
                        stackNext[depth++] = 0;
                    }
                }
                else post[postCount++] = b;
            }
        }
        for (int i = 0, j = postCount - 1; i < j; i++, j--) (post[i], post[j]) = (post[j], post[i]);
        for (int i = 0; i < postCount; i++) order[post[i]] = i;

        var immediate = Unset(n);
        if (n > 0) immediate[0] = 0;
        bool changed = true;
        while (changed)
        {
            changed = false;
            for (int i = 1; i < postCount; i++)
            {
                int b = post[i];
                int idom = -1;
                for (int k = predecessorStart[b]; k < predecessorStart[b + 1]; k++) Meet(predecessorList[k]);

                void Meet(int p)
                {
                    if (immediate[p] < 0) return;
                    idom = idom < 0 ? p : Intersect(p, idom);
                }
                if (idom >= 0 && immediate[b] != idom)
                {
                    immediate[b] = idom;
                    changed = true;
                }
            }
        }
        var reversePostOrder = new List<Block>(postCount);
        for (int i = 0; i < postCount; i++) reversePostOrder.Add(new Block(post[i]));
        return new Dominators(immediate, order) { ReversePostOrder = reversePostOrder };

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

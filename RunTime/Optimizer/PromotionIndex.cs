using PeJit.IR;
using PeJit.IR.Graphs;
using PeJit.IR.Transforms;

namespace PeJit.Optimizer;

/// <summary>
/// Which blocks use each value and which blocks jump to each block, built once for memory promotion and kept
/// up to date as it goes, so that each loop's promotion looks at its own blocks and at the blocks that use
/// what it changes instead of scanning the whole graph (which made the pass quadratic in a unit of many loops).
/// </summary>
/// <remarks>
/// Both maps are supersets: a block that stopped using a value, or jumping to a block, stays listed, and the
/// questions (<see cref="UsersOf"/>, <see cref="EdgesInto"/>) look at the listed blocks to answer exactly.
/// What must not happen is a missing entry: whoever adds a use or a jump to a block either registers it
/// (<see cref="Register"/>) or marks it <see cref="Touched"/>; <see cref="Update"/> registers the touched
/// blocks and every block made since the last update. Cost: registering a block is linear in its size, and
/// each promotion registers its loop, the blocks it makes and the blocks it rewrites.
/// </remarks>
internal sealed class PromotionIndex
{
    private readonly FlowGraph graph;
    // The blocks using each value: the first in an array by value index (block index + 1, 0 for none), the others in a
    // list made only for a value used in a second block. Most values are used in one block (where they are defined), and
    // a list per value was most of what this index allocated, built twice per pass.
    private int[] firstUser = [];
    private readonly ValueMap<List<Block>> moreUsers = new();
    private readonly List<List<Block>> sources = [];
    private BlockHeap? heap;
    private int registered;

    /// <summary>Indexes every block of <paramref name="graph"/>.</summary>
    public PromotionIndex(FlowGraph graph)
    {
        this.graph = graph;
        Update();
        Changed.Clear();
    }

    /// <summary>
    /// True once the graph held no trivial parameter when the index was (re)built (<see cref="Rebuild"/>):
    /// from then on only the blocks a promotion changes can have one.
    /// </summary>
    public bool IsClean { get; private set; }

    /// <summary>Indexes the whole graph again (after a whole-graph rewrite), which now holds no trivial parameter.</summary>
    public void Rebuild()
    {
        Array.Clear(firstUser);
        moreUsers.Clear();
        sources.Clear();
        registered = 0;
        Touched.Clear();
        Update();
        Changed.Clear();
        IsClean = true;
    }

    /// <summary>Blocks whose uses or jumps changed since the last <see cref="Update"/>.</summary>
    public BlockSet Touched { get; } = new();

    /// <summary>The blocks registered since the caller last cleared this set: touched or new ones.</summary>
    public BlockSet Changed { get; } = new();

    /// <summary>Records the uses and jumps of <paramref name="block"/> as they are now.</summary>
    public void Register(Block block)
    {
        var data = graph[block];
        foreach (var instruction in data.Instructions)
        {
            foreach (var use in instruction.Operands) AddUser(use, block);
            foreach (var target in instruction.Targets)
                foreach (var use in target.Arguments) AddUser(use, block);
        }
        if (data.Terminator is not { } terminator) return;
        foreach (var target in terminator.Targets)
        {
            if (!graph.IsValid(target.Target)) continue;
            while (sources.Count <= target.Target.Index) sources.Add([]);
            var list = sources[target.Target.Index];
            if (list.Count == 0 || list[^1] != block) list.Add(block);
        }
    }

    /// <summary>Registers the blocks made since the last update and the touched ones.</summary>
    public void Update()
    {
        for (; registered < graph.BlockCount; registered++)
        {
            Register(new Block(registered));
            Changed.Add(new Block(registered));
        }
        foreach (var block in Touched) Register(block);
        Changed.UnionWith(Touched);
        Touched.Clear();
    }

    /// <summary>The blocks that use <paramref name="value"/> (and maybe some that no longer do), in layout order, each once.</summary>
    public List<Block> UsersOf(Value value)
    {
        // In index order without repeats, through a block set: LINQ over blocks is compiled by .NET in every process.
        if (value.Index < 0 || value.Index >= firstUser.Length || firstUser[value.Index] == 0) return [];
        var distinct = new BlockSet();
        distinct.Add(new Block(firstUser[value.Index] - 1));
        if (moreUsers.TryGetValue(value, out var list))
            foreach (var block in list) distinct.Add(block);
        var result = new List<Block>(distinct.Count);
        foreach (var block in distinct) result.Add(block);
        return result;
    }

    /// <summary>
    /// The ordinary edges into <paramref name="block"/> as the graph is now, in the order of
    /// <see cref="Predecessors.EdgesInto"/>: by source block in layout order, then by target within its terminator.
    /// </summary>
    public IReadOnlyList<Edge> EdgesInto(Block block)
    {
        var edges = new EdgeList();
        if (block.Index >= sources.Count) return edges;
        var distinct = new BlockSet();
        foreach (var source in sources[block.Index]) distinct.Add(source);
        foreach (var source in distinct)
            if (graph[source].Terminator is { } terminator)
                for (int i = 0; i < terminator.Targets.Count; i++)
                    if (terminator.Targets[i].Target == block) edges.Add(new Edge(source, i, terminator.Targets[i]));
        return edges;
    }

    /// <summary>
    /// Replaces the uses of the keys of <paramref name="replacement"/> (following the map to its end) in the
    /// blocks that use them, as <see cref="FlowGraph.ReplaceUses(IReadOnlyDictionary{Value, Value})"/> does in
    /// every block; marks those blocks touched.
    /// </summary>
    public void Replace(ValueToValueMap replacement)
    {
        if (replacement.Count == 0) return;
        Value Find(Value v)
        {
            while (replacement.TryGetValue(v, out var next)) v = next;
            return v;
        }
        var blocks = new BlockSet();
        foreach (var key in replacement.Keys)
            foreach (var user in UsersOf(key)) blocks.Add(user);
        foreach (var block in blocks)
        {
            foreach (var instruction in graph[block].Instructions)
            {
                for (int i = 0; i < instruction.Operands.Count; i++) instruction.Operands[i] = Find(instruction.Operands[i]);
                foreach (var target in instruction.Targets)
                    for (int i = 0; i < target.Arguments.Count; i++) target.Arguments[i] = Find(target.Arguments[i]);
            }
            Touched.Add(block);
        }
    }

    /// <summary>True when some instruction or jump uses <paramref name="value"/>.</summary>
    public bool IsUsed(Value value)
    {
        foreach (var block in UsersOf(value))
            foreach (var instruction in graph[block].Instructions)
                if (GraphEdits.Uses(instruction, value)) return true;
        return false;
    }

    /// <summary>
    /// Removes the trivial parameters (<see cref="PeJit.IR.Transforms.TrivialParameters"/>) of
    /// <paramref name="candidates"/> and of the blocks whose arguments that changes, in a graph that had none
    /// elsewhere: a parameter becomes trivial only when a jump into its block changed. Removing trivial
    /// parameters is confluent (one that is trivial stays so when others go), so the result is the one the
    /// whole-graph removal gives. Uses are replaced as each parameter goes, in the blocks that use it.
    /// </summary>
    public void RemoveTrivialParameters(BlockSet candidates)
    {
        Update();
        // One heap for every call, made again only when the graph outgrew it: a heap as large as the graph per call
        // (once per promoted loop) made this index's allocation grow with loops times blocks. It is empty after each call.
        var work = heap is { Count: 0 } reused && reused.Capacity >= graph.BlockCount ? reused : heap = new BlockHeap(Math.Max(graph.BlockCount, 2 * (heap?.Capacity ?? 0)));
        foreach (var candidate in candidates) work.Add(candidate.Index);
        while (work.Count > 0)
        {
            var block = new Block(work.RemoveMin());
            var calls = EdgesInto(block);
            if (block == FlowGraph.Entry || calls.Count == 0) continue;
            var parameters = graph[block].Parameters;
            for (int k = parameters.Count - 1; k >= 0; k--)
            {
                var parameter = parameters[k];
                if (TrivialParameters.OnlyValue(calls, k, parameter) is not { } value) continue;
                var jumps = new List<BlockCall>(calls.Count);
                for (int c = 0; c < calls.Count; c++) jumps.Add(calls[c].Call);
                graph.RemoveParameter(block, k, jumps);
                // The uses become the value now, so a jump that passed the parameter passes the value: its
                // target's parameters may have become trivial.
                foreach (var user in UsersOf(parameter))
                {
                    bool uses = false;
                    foreach (var instruction in graph[user].Instructions)
                    {
                        for (int i = 0; i < instruction.Operands.Count; i++)
                            if (instruction.Operands[i] == parameter)
                            {
                                instruction.Operands[i] = value;
                                uses = true;
                            }
                        foreach (var target in instruction.Targets)
                            for (int i = 0; i < target.Arguments.Count; i++)
                                if (target.Arguments[i] == parameter)
                                {
                                    target.Arguments[i] = value;
                                    uses = true;
                                    work.Add(target.Target.Index);
                                }
                    }
                    if (uses) AddUser(value, user);
                }
            }
        }
    }

    /// <summary>
    /// The block indexes still to visit, lowest first, each at most once at a time (what a <c>SortedSet&lt;int&gt;</c>
    /// did: a framework generic over a value type is a method set .NET compiles on the first unit, which ReadyToRun
    /// cannot precompile; this is PeJit's own code). A binary min-heap: add and remove-min in O(log n).
    /// </summary>
    private sealed class BlockHeap(int blocks)
    {
        private readonly bool[] queued = new bool[blocks];
        private int[] heap = new int[16];

        public int Count { get; private set; }

        /// <summary>The block indexes it can hold.</summary>
        public int Capacity => queued.Length;

        public void Add(int block)
        {
            if (queued[block]) return;
            queued[block] = true;
            if (Count == heap.Length) Array.Resize(ref heap, Count * 2);
            int at = Count++;
            while (at > 0 && heap[(at - 1) / 2] > block)
            {
                heap[at] = heap[(at - 1) / 2];
                at = (at - 1) / 2;
            }
            heap[at] = block;
        }

        public int RemoveMin()
        {
            int min = heap[0], last = heap[--Count], at = 0;
            while (2 * at + 1 < Count)
            {
                int child = 2 * at + 1;
                if (child + 1 < Count && heap[child + 1] < heap[child]) child++;
                if (heap[child] >= last) break;
                heap[at] = heap[child];
                at = child;
            }
            heap[at] = last;
            queued[min] = false;
            return min;
        }
    }

    private void AddUser(Value value, Block block)
    {
        if (value.Index < 0) return;
        if (value.Index >= firstUser.Length) firstUser = IntPairMap.Grown(firstUser, Math.Max(value.Index + 1, Math.Max(graph.ValueCount, 2 * firstUser.Length)));
        int first = firstUser[value.Index];
        if (first == 0)
        {
            firstUser[value.Index] = block.Index + 1;
            return;
        }
        if (moreUsers.TryGetValue(value, out var list))
        {
            if (list[^1] != block) list.Add(block);
        }
        else if (first - 1 != block.Index) moreUsers[value] = [block];
    }
}

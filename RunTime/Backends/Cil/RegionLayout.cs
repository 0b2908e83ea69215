using PeJit.IR;

namespace PeJit.Backends.Cil;

/// <summary>
/// How a graph's exception regions become nested CIL exception blocks: which container (the method body, a
/// try body, a handler) each block is emitted in, how the containers nest, and which blocks of each try body
/// are entered from outside it (CIL enters a try only at its first instruction, so a try entered at more
/// than one block starts with a dispatch on a selector local that the jump sets).
/// </summary>
/// <remarks>
/// Strategy: the IR names, per block, only the innermost protected region (<see cref="BlockData.Try"/>) and
/// the innermost handler (<see cref="BlockData.HandlerOf"/>), and per region its parent. That is enough
/// when no try sits inside a handler: a block in a handler is in that handler's container, any other block
/// in its innermost try's, and a region's exception block sits in its parent's try body. Catch regions
/// that share one try body (C#'s <c>try {} catch (A) {} catch (B) {}</c>: region A's parent is B, B has no
/// block of its own and no other child, and A's handler is outside B) are one CIL exception block with
/// several clauses, as in the IL they came from; a filter region may be one of them. A filter region's blocks all
/// name it as their handler: those reached from its filter entry are its filter, a container of their own, the
/// others its handler. What does not fit (a try inside a handler, a
/// handler whose blocks are not where the nesting puts them) is refused with a <see cref="BackendException"/>
/// that names the region and the block, so the unit runs in the interpreter instead of being miscompiled.
/// <para>Layout rule (what makes any block order the IR verifier accepts valid CIL; the graph's order is only a
/// preference): the method starts with a branch to the entry; then the method body's blocks in graph order, each
/// try body's exception block emitted whole (its dispatch, its blocks and the exception blocks nested in it, then each
/// handler's (filter's) blocks right after) before the first of its container's blocks listed after the region's first
/// block. So each try body and each handler is contiguous, nested ones inside, a handler right after its try, wherever
/// the graph lists their blocks (handlers first, tries inside out, a try split by other code). Every block ends in an
/// explicit transfer (no fall-through), so moving blocks changes no path. An exception block's end, where ILGenerator's
/// own leaves go, must fall on an instruction: when the method would end with one, the return sequence follows it. A try
/// body nothing enters is left out with its handlers (no exception can come from it).</para>
/// <para>Cost: O((blocks + edges) · d + regions · log regions), d the regions' nesting depth (1 to 3 in residual code):
/// each block's container chain for the first blocks, each edge's path between containers (what a crossing emits is
/// proportional to it anyway), and a sort of each container's nested try bodies by their first block. A try entered at
/// several blocks looks each entry up among its entries (linear in their number, few).</para>
/// </remarks>
internal sealed class RegionLayout
{
    /// <summary>A place blocks are emitted in: the method body, a try body, or a handler.</summary>
    internal sealed class Container(int index, Container? parent, Region? region, bool isHandler)
    {
        /// <summary>A dense number, for dumps and messages.</summary>
        public int Index { get; } = index;

        /// <summary>The container the whole exception block sits in; null for the method body.</summary>
        public Container? Parent { get; } = parent;

        /// <summary>For a try body its innermost clause's region, for a handler its region; null for the method body.</summary>
        public Region? Region { get; } = region;

        /// <summary>True for a handler or a filter, false for a try body or the method body.</summary>
        public bool IsHandler { get; } = isHandler;

        /// <summary>True for a filter region's filter (its blocks end at <c>endfilter</c>).</summary>
        public bool IsFilter { get; init; }

        /// <summary>For a try body: its clauses, innermost first (several only for catch regions sharing the body).</summary>
        /// Made at the first use: a list of a struct of the IR is not precompiled, and .NET would compile its static
        /// constructor in every process for the method body, which has no clauses (and most units have no regions).
        public List<Region> Clauses => clauses ??= [];

        private List<Region>? clauses;

        /// <summary>For a try body: one handler container per clause, in <see cref="Clauses"/>' order.</summary>
        public List<Container> Handlers { get; } = [];

        /// <summary>For a try body: per clause, in <see cref="Clauses"/>' order, its filter's container (null for a clause without a filter).</summary>
        public List<Container?> Filters { get; } = [];

        /// <summary>The blocks emitted directly in this container, in graph order.</summary>
        public List<Block> Blocks { get; } = [];

        /// <summary>The try bodies nested directly in this container (each with its handlers).</summary>
        public List<Container> Nested { get; } = [];

        /// <summary>For a try body: the blocks (of it or of tries nested in it) that control from outside enters.</summary>
        public List<Block> Entries { get; } = [];

        /// <summary>The smallest block index inside, nested containers included: where the exception block is emitted.</summary>
        public int FirstBlock { get; set; } = int.MaxValue;

        /// <inheritdoc/>
        public override string ToString() => Region is null ? "the method body" : $"the {(IsFilter ? "filter" : IsHandler ? "handler" : "try body")} of {Region}";
    }

    // Arrays and the IR's maps, indexed by block and region, not dictionaries: a framework generic over Block or
    // Region is compiled by .NET in every process on the first unit's path (ReadyToRun cannot precompile it).
    private readonly FlowGraph graph;
    private readonly BlockMap<Container> containerOf;
    private readonly Container?[] tryOf;
    private readonly Container?[] handlerOf;
    private readonly Container?[] filterOf;
    private readonly BlockMap<bool> inFilter;
    private int count;

    /// <summary>The method body.</summary>
    public Container Root { get; }

    private RegionLayout(FlowGraph graph)
    {
        this.graph = graph;
        containerOf = new BlockMap<Container>(graph.BlockCount);
        tryOf = new Container?[graph.RegionCount];
        handlerOf = new Container?[graph.RegionCount];
        filterOf = new Container?[graph.RegionCount];
        inFilter = new BlockMap<bool>(graph.BlockCount);
        Root = new Container(count++, null, null, false);
    }

    /// <summary>The container block <paramref name="block"/> is emitted in.</summary>
    public Container ContainerOf(Block block) => containerOf[block];

    /// <summary>Lays out <paramref name="graph"/>'s regions.</summary>
    /// <exception cref="BackendException">A region shape this backend cannot express.</exception>
    public static RegionLayout Build(FlowGraph graph)
    {
        var layout = new RegionLayout(graph);
        layout.BuildContainers();
        layout.PlaceBlocks();
        // Without regions every block is the method body's and no transfer enters a try body: FindEntries would add no
        // entry, and its paths name sets and lists of containers that every first unit would load (most units have none).
        if (graph.RegionCount > 0) layout.FindEntries();
        return layout;
    }

    // 1. One try container per group of clauses sharing a body, one handler container per region.
    private void BuildContainers()
    {
        if (graph.RegionCount == 0) return;
        var children = new List<Region>[graph.RegionCount];
        for (int i = 0; i < children.Length; i++) children[i] = [];
        var direct = new bool[graph.RegionCount];
        foreach (var region in graph.Regions)
        {
            if (graph[region].Parent is { } parent) children[parent.Index].Add(region);
            if (graph[region].Kind == RegionKind.Filter) MarkFilter(region);
        }
        foreach (var block in graph.Blocks)
            if (graph[block].Try is { } region) direct[region.Index] = true;

        // The head of a region's group: a catch region with no block and one catch child shares its child's body.
        Region Head(Region region)
        {
            while (graph[region].Kind is RegionKind.Catch or RegionKind.Filter && !direct[region.Index] && children[region.Index] is [var child]
                   && graph[child].Kind is RegionKind.Catch or RegionKind.Filter)
                region = child;
            return region;
        }
        Container TryContainer(Region region)
        {
            var head = Head(region);
            if (tryOf[head.Index] is { } known) return known;
            var clauses = new List<Region> { head };
            for (var r = head; graph[r].Parent is { } parent && Head(parent) == head; r = parent) clauses.Add(parent);
            var outer = graph[clauses[^1]].Parent is { } enclosing ? TryContainer(enclosing) : Root;
            var container = new Container(count++, outer, head, false);
            container.Clauses.AddRange(clauses);
            outer.Nested.Add(container);
            foreach (var clause in clauses)
            {
                tryOf[clause.Index] = container;
                var handler = new Container(count++, outer, clause, true);
                handlerOf[clause.Index] = handler;
                container.Handlers.Add(handler);
                var filter = graph[clause].Kind == RegionKind.Filter ? new Container(count++, outer, clause, true) { IsFilter = true } : null;
                filterOf[clause.Index] = filter;
                container.Filters.Add(filter);
            }
            return container;
        }
        foreach (var region in graph.Regions) TryContainer(region);
    }

    // 2. Each block in its container; a handler's block must be where the nesting puts its handler.
    private void PlaceBlocks()
    {
        foreach (var block in graph.Blocks)
        {
            var data = graph[block];
            Container container;
            if (data.HandlerOf is { } handler)
            {
                container = inFilter.GetValueOrDefault(block) ? filterOf[handler.Index]! : handlerOf[handler.Index]!;
                var expected = container.Parent!.Region;
                if (data.Try != expected && (data.Try is not { } inner || tryOf[inner.Index] != container.Parent))
                    throw Refuse($"{block} is in the handler of {handler} and names {(data.Try is { } t ? t.ToString() : "no")} protected region, "
                        + $"where the handler's exception block sits in {container.Parent}; a try inside a handler is not supported by the CIL backend yet");
            }
            else
                container = data.Try is { } region ? tryOf[region.Index]! : Root;
            containerOf[block] = container;
            container.Blocks.Add(block);
            for (Container? c = container; c is not null; c = c.Parent)
            {
                if (c.IsHandler) c = tryOf[c.Region!.Value.Index]!;
                c.FirstBlock = Math.Min(c.FirstBlock, block.Index);
            }
        }
        for (int r = 0; r < graph.RegionCount; r++)
        {
            var region = new Region(r);
            var entry = graph[region].Handler;
            if (!graph.IsValid(entry) || containerOf[entry] != handlerOf[region.Index])
                throw Refuse($"the handler entry {entry} of {region} is not in its handler");
            if (graph[region].Filter is { } filter && (!graph.IsValid(filter) || containerOf[filter] != filterOf[region.Index]))
                throw Refuse($"the filter entry {filter} of {region} is not in its filter");
        }
    }

    /// <summary>The blocks of <paramref name="region"/>'s filter: those its filter entry reaches among the blocks that name the region as their handler.</summary>
    private void MarkFilter(Region region)
    {
        if (graph[region].Filter is not { } entry || !graph.IsValid(entry)) return;
        var work = new Stack<Block>();
        work.Push(entry);
        inFilter[entry] = true;
        while (work.Count > 0)
        {
            var block = work.Pop();
            if (graph[block].Terminator is not { } terminator) continue;
            foreach (var target in terminator.Targets)
            {
                if (graph[target.Target].HandlerOf != region || inFilter.GetValueOrDefault(target.Target)) continue;
                inFilter[target.Target] = true;
                work.Push(target.Target);
            }
        }
    }

    // 3. The entries of each try body: the targets of edges from outside it, and the method's entry.
    private void FindEntries()
    {
        Enter(Root, FlowGraph.Entry);
        foreach (var block in graph.Blocks)
            if (graph[block].Terminator is { } terminator)
                foreach (var target in terminator.Targets) Enter(containerOf[block], target.Target);
    }

    private void Enter(Container from, Block target)
    {
        foreach (var container in Path(from, target).Entered)
            if (!container.Entries.Contains(target)) container.Entries.Add(target);
    }

    /// <summary>
    /// A transfer from <paramref name="from"/> to <paramref name="target"/>: the containers it leaves (innermost
    /// first) and the try bodies it enters (outermost first). Entering a handler is refused: only exceptions do.
    /// </summary>
    public (List<Container> Left, List<Container> Entered) Path(Container from, Block target)
    {
        var to = containerOf[target];
        var ancestors = new HashSet<Container>();
        for (Container? c = to; c is not null; c = Outer(c)) ancestors.Add(c);
        var left = new List<Container>();
        var common = from;
        while (!ancestors.Contains(common))
        {
            left.Add(common);
            common = Outer(common)!;
        }
        var entered = new List<Container>();
        for (var c = to; c != common; c = Outer(c)!)
        {
            if (c.IsHandler) throw Refuse($"a jump from {from} enters {c} at {target}; only an exception may enter a handler");
            entered.Insert(0, c);
        }
        return (left, entered);
    }

    /// <summary>The container an exception block's container sits in (a handler's is its try body's parent).</summary>
    private static Container? Outer(Container container) => container.Parent;

    private BackendException Refuse(string message) =>
        new($"{graph.Name}: {message}; the unit runs in the interpreter");
}

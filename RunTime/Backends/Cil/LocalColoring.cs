namespace PeJit.Backends.Cil;

/// <summary>
/// Gives values that live across blocks (block parameters, values used outside their block) shared locals: two values
/// share a local of their type when neither is live where the other is defined. A unit of many exits had one local per
/// such value: 993 locals in Lua <c>polymorphic</c>'s unit (236 shared), past the 512 under which .NET's JIT inlines into
/// a method; most of them are live only on the way to one exit. A value defined or live in a loop keeps a local of its own.
/// </summary>
/// <remarks>
/// <para>The emitter says what it stores and loads (<see cref="AddCandidate"/>, <see cref="AddUse"/>, <see cref="AddEdge"/>),
/// in its own terms: a use is where the emitted code loads the local (a use of an aliased parameter is a use of its argument,
/// a jump to an outlined entry uses the entry's live-ins at the jump), a block parameter is defined at the start of its block
/// (the jumps store it on their own edges only), an instruction's result where the instruction is.</para>
/// <para>Strategy: liveness by paths, one candidate at a time (as <c>PeJit.IR.Graphs.Liveness</c>, over the emitter's uses
/// and the method's own edges); then one walk of the blocks in reverse post-order from the method's entry, each definition
/// taking the lowest local of its type that no value live after it holds. The graph is in SSA form, so every value live at a
/// definition is defined where it dominates it, earlier in that order, and already has its local: greedy colouring in
/// dominance order is exact for SSA live ranges. Where that does not hold (a value live at the entry, one live where it is not
/// yet given a local) the colouring gives up (<see cref="Colour"/> returns null) and the emitter gives each candidate a local
/// of its own, as before. A definition in a block the entry does not reach gets a local of its own (never run, but typed).</para>
/// <para>Cost: O(candidates + uses + edges) to collect, the total size of the live ranges (pairs of block and live value) for
/// the liveness, and for the colouring the sum over definitions of the values live there (the live set is scanned for the
/// colours it holds). Only int arrays and lists: framework generics over the IR's structs would be compiled by .NET on the
/// first unit's path.</para>
/// </remarks>
internal sealed class LocalColoring(EmitTables tables)
{
    // The unit's table, shared by its methods' emitters (EmitTables): -1 for every value in this method's generation.
    private readonly EmitTables.Ints candidateOf = tables.CandidateOf;
    private readonly List<int> defBlock = [], defPosition = [], typeOf = [];
    private readonly List<int> useCandidate = [], useBlock = [], usePosition = [];
    private readonly List<int> edgeFrom = [], edgeTo = [];

    private static int[] Filled(int count)
    {
        var array = new int[count];
        for (int i = 0; i < array.Length; i++) array[i] = -1; // not Array.Fill: vectorized code .NET compiles cold
        return array;
    }

    /// <summary>The number of candidates registered.</summary>
    public int Count => defBlock.Count;

    /// <summary>
    /// Registers <paramref name="value"/>, defined in <paramref name="block"/> at instruction <paramref name="position"/> (-1:
    /// a parameter of the block), of local type number <paramref name="type"/>; returns its candidate number. A block's
    /// candidates are registered in the order they are defined.
    /// </summary>
    public int AddCandidate(int value, int block, int position, int type)
    {
        candidateOf[value] = defBlock.Count;
        defBlock.Add(block);
        defPosition.Add(position);
        typeOf.Add(type);
        return defBlock.Count - 1;
    }

    /// <summary>The local type number of candidate <paramref name="candidate"/>.</summary>
    public int TypeOf(int candidate) => typeOf[candidate];

    /// <summary>True when <paramref name="value"/> is a candidate.</summary>
    public bool IsCandidate(int value) => candidateOf[value] >= 0;

    /// <summary>The candidate number of <paramref name="value"/>, or -1.</summary>
    public int CandidateOf(int value) => candidateOf[value];

    /// <summary>A load of <paramref name="value"/> by instruction <paramref name="position"/> of <paramref name="block"/> (its terminator for a jump's loads); uses of non-candidates are ignored.</summary>
    public void AddUse(int value, int block, int position)
    {
        useCandidate.Add(value);
        useBlock.Add(block);
        usePosition.Add(position);
    }

    /// <summary>An edge of the method: control goes from <paramref name="from"/>'s end to <paramref name="to"/>'s start.</summary>
    public void AddEdge(int from, int to)
    {
        edgeFrom.Add(from);
        edgeTo.Add(to);
    }

    /// <summary>
    /// Colours the candidates from <paramref name="entry"/>: each candidate's local number within its type, and
    /// <paramref name="localsPerType"/> the locals each type needs; null when the ranges are not those of SSA (see remarks).
    /// </summary>
    public int[]? Colour(int entry, int typeCount, out int[] localsPerType)
    {
        var perType = localsPerType = new int[typeCount];
        int count = defBlock.Count;
        // The method's blocks numbered densely (its entry first, then those its candidates, uses and edges name): the arrays
        // below are sized by the method, not by the unit's graph, whose other methods' blocks this one never sees.
        var dense = tables.DenseBlock;
        int blockCount = 0;
        entry = Dense(entry);
        Renumber(defBlock);
        Renumber(useBlock);
        Renumber(edgeFrom);
        Renumber(edgeTo);
        // Uses of candidates only, grouped by block (a counting sort keeps each block's uses in position order).
        var uses = new List<int>();
        for (int u = 0; u < useCandidate.Count; u++)
            if (candidateOf[useCandidate[u]] >= 0) uses.Add(u);
        var useStart = new int[blockCount + 1];
        foreach (int u in uses) useStart[useBlock[u] + 1]++;
        for (int b = 0; b < blockCount; b++) useStart[b + 1] += useStart[b];
        var byBlock = new int[uses.Count];
        var fill = (int[])useStart.Clone();
        foreach (int u in uses) byBlock[fill[useBlock[u]]++] = u;
        // Uses grouped by candidate, for the liveness walks.
        var candidateUseStart = new int[count + 1];
        foreach (int u in uses) candidateUseStart[candidateOf[useCandidate[u]] + 1]++;
        for (int k = 0; k < count; k++) candidateUseStart[k + 1] += candidateUseStart[k];
        var byCandidate = new int[uses.Count];
        var cursor = (int[])candidateUseStart.Clone();
        foreach (int u in uses) byCandidate[cursor[candidateOf[useCandidate[u]]]++] = u;
        // Predecessors and successors, flat.
        var predecessorStart = new int[blockCount + 1];
        var successorStart = new int[blockCount + 1];
        for (int e = 0; e < edgeFrom.Count; e++)
        {
            predecessorStart[edgeTo[e] + 1]++;
            successorStart[edgeFrom[e] + 1]++;
        }
        for (int b = 0; b < blockCount; b++)
        {
            predecessorStart[b + 1] += predecessorStart[b];
            successorStart[b + 1] += successorStart[b];
        }
        var predecessors = new int[edgeFrom.Count];
        var successors = new int[edgeFrom.Count];
        var predecessorFill = (int[])predecessorStart.Clone();
        var successorFill = (int[])successorStart.Clone();
        for (int e = 0; e < edgeFrom.Count; e++)
        {
            predecessors[predecessorFill[edgeTo[e]]++] = edgeFrom[e];
            successors[successorFill[edgeFrom[e]]++] = edgeTo[e];
        }

        // Liveness by paths: per block, the candidates live at its start and at its end.
        var liveIn = new List<int>?[blockCount];
        var liveOut = new List<int>?[blockCount];
        var inStamp = new int[blockCount];
        var outStamp = new int[blockCount];
        var work = new List<int>();
        for (int k = 0; k < count; k++)
        {
            int stamp = k + 1, home = defBlock[k], at = defPosition[k];
            for (int i = candidateUseStart[k]; i < candidateUseStart[k + 1]; i++)
            {
                int u = byCandidate[i], b = useBlock[u];
                if (b == home)
                {
                    if (usePosition[u] > at) continue; // after its definition, in its block
                    return null; // used before its definition in its own block: not SSA as assumed
                }
                if (inStamp[b] == stamp) continue;
                inStamp[b] = stamp;
                (liveIn[b] ??= []).Add(k);
                work.Add(b);
            }
            while (work.Count > 0)
            {
                int b = work[^1];
                work.RemoveAt(work.Count - 1);
                if (b == entry) return null; // live at the method's entry: used where its definition does not dominate
                for (int p = predecessorStart[b]; p < predecessorStart[b + 1]; p++)
                {
                    int predecessor = predecessors[p];
                    if (outStamp[predecessor] != stamp)
                    {
                        outStamp[predecessor] = stamp;
                        (liveOut[predecessor] ??= []).Add(k);
                    }
                    if (predecessor == home || inStamp[predecessor] == stamp) continue;
                    inStamp[predecessor] = stamp;
                    (liveIn[predecessor] ??= []).Add(k);
                    work.Add(predecessor);
                }
            }
        }

        // Values defined or live in a loop keep a local of their own: RyuJIT allocates registers per local, and a loop's
        // value sharing its local with another (an exit's, or another of the loop's) went through the stack frame on every
        // turn (Lua numeric's float sum, 2.5x slower either way). The loops: for each retreating edge of a depth-first
        // order (a back edge in a reducible graph), the blocks that reach its source without passing its target and come
        // after it in that order: in a reducible graph every such block does (the target dominates them); a loop entered in
        // several places (CallFreeLoops' copy, which turns enter at each call) would otherwise take in every block before
        // it, back to the method's entry.
        var rpo = ReversePostOrder(entry, successorStart, successors);
        var orderOf = Filled(blockCount);
        for (int i = 0; i < rpo.Count; i++) orderOf[rpo[i]] = i;
        var inLoop = new bool[blockCount];
        var loopWork = new List<int>();
        var seenBy = new int[blockCount]; // the back edge whose walk saw the block: one array for all of them
        int backEdge = 0;
        foreach (int b in rpo)
            for (int e = successorStart[b]; e < successorStart[b + 1]; e++)
            {
                int header = successors[e];
                if (orderOf[header] < 0 || orderOf[header] > orderOf[b]) continue;
                backEdge++;
                seenBy[header] = backEdge;
                inLoop[header] = true;
                if (seenBy[b] != backEdge) { seenBy[b] = backEdge; loopWork.Add(b); }
                while (loopWork.Count > 0)
                {
                    int x = loopWork[^1];
                    loopWork.RemoveAt(loopWork.Count - 1);
                    inLoop[x] = true;
                    for (int p = predecessorStart[x]; p < predecessorStart[x + 1]; p++)
                        if (seenBy[predecessors[p]] != backEdge && orderOf[predecessors[p]] >= orderOf[header])
                        {
                            seenBy[predecessors[p]] = backEdge;
                            loopWork.Add(predecessors[p]);
                        }
                }
            }
        var own = new bool[count];
        for (int k = 0; k < count; k++) own[k] = inLoop[defBlock[k]];
        for (int b = 0; b < blockCount; b++)
            if (inLoop[b] && liveIn[b] is { } loopLive)
                foreach (int k in loopLive) own[k] = true;
        var reserved = new List<bool>[typeCount]; // per type, per local: a loop value's own
        for (int t = 0; t < typeCount; t++) reserved[t] = [];

        // Each block's candidates, in definition order.
        var definedStart = new int[blockCount + 1];
        for (int k = 0; k < count; k++) definedStart[defBlock[k] + 1]++;
        for (int b = 0; b < blockCount; b++) definedStart[b + 1] += definedStart[b];
        var defined = new int[count];
        var definedFill = (int[])definedStart.Clone();
        for (int k = 0; k < count; k++) defined[definedFill[defBlock[k]]++] = k;

        var colour = Filled(count);
        var live = new List<int>();
        var livePosition = Filled(count);
        var lastUse = new int[count];
        var lastUseStamp = new int[count];
        var liveOutStamp = new int[count];
        var taken = new List<int>(); // per colour, the stamp of the definition that last saw it taken
        int definition = 0;
        foreach (int b in rpo)
        {
            int stamp = b + 1;
            if (liveOut[b] is { } outs) foreach (int k in outs) liveOutStamp[k] = stamp;
            for (int i = useStart[b]; i < useStart[b + 1]; i++)
            {
                int k = candidateOf[useCandidate[byBlock[i]]];
                lastUse[k] = usePosition[byBlock[i]];
                lastUseStamp[k] = stamp;
            }
            if (liveIn[b] is { } ins)
                foreach (int k in ins)
                {
                    if (colour[k] < 0) return null; // live before it has a local: its definition does not dominate here
                    Enter(k);
                }
            int next = definedStart[b];
            // The block's parameters, all defined at its start (the jumps store each, dead or not).
            for (; next < definedStart[b + 1] && defPosition[defined[next]] < 0; next++)
            {
                Give(defined[next]);
                Enter(defined[next]);
            }
            for (int i = definedStart[b]; i < next; i++)
                if (lastUseStamp[defined[i]] != stamp && liveOutStamp[defined[i]] != stamp) Leave(defined[i]);
            int use = useStart[b];
            while (use < useStart[b + 1] || next < definedStart[b + 1])
            {
                int position = Math.Min(use < useStart[b + 1] ? usePosition[byBlock[use]] : int.MaxValue,
                    next < definedStart[b + 1] ? defPosition[defined[next]] : int.MaxValue);
                // The uses at this position first (the instruction loads its operands, then stores its result).
                for (; use < useStart[b + 1] && usePosition[byBlock[use]] == position; use++)
                {
                    int k = candidateOf[useCandidate[byBlock[use]]];
                    if (lastUse[k] == position && liveOutStamp[k] != stamp) Leave(k);
                }
                for (; next < definedStart[b + 1] && defPosition[defined[next]] == position; next++)
                {
                    int k = defined[next];
                    Give(k);
                    if (lastUseStamp[k] == stamp && lastUse[k] > position || liveOutStamp[k] == stamp) Enter(k);
                }
            }
            for (int i = live.Count - 1; i >= 0; i--) livePosition[live[i]] = -1;
            live.Clear();
        }
        // Definitions the entry does not reach: never run, each its own local.
        for (int k = 0; k < count; k++)
            if (colour[k] < 0) colour[k] = localsPerType[typeOf[k]]++;
        return colour;

        int Dense(int block)
        {
            int number = dense[block];
            if (number < 0) dense[block] = number = blockCount++;
            return number;
        }

        void Renumber(List<int> blocks)
        {
            for (int i = 0; i < blocks.Count; i++) blocks[i] = Dense(blocks[i]);
        }

        void Enter(int k)
        {
            if (livePosition[k] >= 0) return;
            livePosition[k] = live.Count;
            live.Add(k);
        }

        void Leave(int k)
        {
            int at = livePosition[k];
            if (at < 0) return;
            int last = live[^1];
            live[at] = last;
            livePosition[last] = at;
            live.RemoveAt(live.Count - 1);
            livePosition[k] = -1;
        }

        // The lowest local of k's type that no live value holds.
        void Give(int k)
        {
            definition++;
            int type = typeOf[k];
            foreach (int other in live)
                if (typeOf[other] == type && colour[other] >= 0)
                {
                    while (taken.Count <= colour[other]) taken.Add(0);
                    taken[colour[other]] = definition;
                }
            int c = 0;
            if (!own[k])
                while (c < perType[type] && (c < taken.Count && taken[c] == definition || reserved[type][c])) c++;
            else c = perType[type];
            colour[k] = c;
            if (c == perType[type])
            {
                perType[type]++;
                reserved[type].Add(own[k]);
            }
        }
    }

    /// <summary>The blocks <paramref name="entry"/> reaches, in reverse post-order (an iterative depth-first walk).</summary>
    private static List<int> ReversePostOrder(int entry, int[] successorStart, int[] successors)
    {
        int blockCount = successorStart.Length - 1;
        var visited = new bool[blockCount];
        var postOrder = new List<int>();
        var stack = new List<int> { entry };
        var nextEdge = new int[blockCount];
        visited[entry] = true;
        for (int b = 0; b < blockCount; b++) nextEdge[b] = successorStart[b];
        while (stack.Count > 0)
        {
            int b = stack[^1];
            if (nextEdge[b] < successorStart[b + 1])
            {
                int s = successors[nextEdge[b]++];
                if (!visited[s])
                {
                    visited[s] = true;
                    stack.Add(s);
                }
                continue;
            }
            stack.RemoveAt(stack.Count - 1);
            postOrder.Add(b);
        }
        postOrder.Reverse();
        return postOrder;
    }
}

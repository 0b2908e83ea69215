using PeJit.IR.Graphs;
using PeJit.IR;
using PeJit.IR.Verification;

namespace PeJit.Optimizer;

/// <summary>
/// Memory promotion in loops: what an interpreted loop keeps in the interpreter's memory (the frame's arrays,
/// read from mutable fields on every iteration; the operand stack's slots and the locals, loaded and stored
/// by every instruction) is kept in SSA values while the residual loop runs, and written back when it leaves.
/// </summary>
/// <remarks>
/// <para>Rules, per natural loop:</para>
/// <list type="number">
/// <item>Nothing moves in a loop with a call not known to be pure (<c>MethodRef.IsPure</c>: known-pure or <c>[Elidable]</c>),
/// a constructor, or a load or store through an address: any of them may read or write any field or element; except the
/// elements of a virtualizable frame's named arrays (rules 8 to 10).</item>
/// <item>A field load of a loop-invariant object is hoisted to the preheader when no store in the loop writes a field
/// of that name (fields of other names never alias). Repeated loads of the same field of the same object become one.</item>
/// <item>An array element of a number type at a loop-invariant array and index (the index an invariant root plus
/// a constant, or a constant) is promoted when the loop accesses it on every iteration (from a block that
/// dominates every latch; an element accessed only conditionally may be out of bounds on purpose), or, for a reference,
/// only loads it (a green constant; the preheader's bounds test sends an out-of-bounds index to the unoptimized copy), or is an
/// element of a virtualizable frame's named array at a constant index in a loop with no barrier (rule 8: an interpreted
/// program's register, which a cycle of the loop that shares its header may not touch), in one type
/// (stored values are converted to it, as the element stores and loads them back), and every other access
/// in the loop to an array of a compatible element type (<see cref="ElementClass"/>) is provably elsewhere (the
/// same root with another constant, two other constants) or kept elsewhere by a guard: two invariant arrays are
/// different objects, or two invariant indices different numbers.</item>
/// <item>A field that the loop stores, and loads or stores only on one loop-invariant object (an interpreter's stack
/// pointer, <c>state.Sp</c>), lives in an SSA value the same way: the preheader loads it, a load is the current
/// value, a store a new one, and it is written back where the elements are (rule 7), before an instruction that may throw
/// only where the loop may have stored it since the last write-back (a table's count an append stores, not a store into its array). Only types a store and a load
/// back leave unchanged. A load of such a field that reads, on every iteration, the value it had when the loop was
/// entered (a stack pointer back where it was at the end of each turn) is the preheader's load, so the elements it
/// indexes (<c>Stack[sp + 1]</c>) are at an invariant index and promoted as rule 3 says.</item>
/// <item>Elements of references are promoted too: no conversion, and where the loop stores one the preheader tests
/// that the array is exactly of its static type (<c>GetType() == typeof(T[])</c>), so that no store can throw for a
/// covariant array. A cast in the loop of an object the same on every iteration (a green constant) is tested in the
/// preheader (null or of the type), and a null test's non-null side (a class guard) makes <c>GetType()</c> and field
/// accesses there unable to throw, so none of them needs a write-back before it (rule 7); nor does a store-only
/// constructor, which can only run out of memory.</item>
/// <item>Guards run in the preheader, in this order: each hoisted load's object is not null; each promoted field's
/// object is not null (its first value is loaded right after); each promoted
/// element's array is not null and its index within its length; the arrays and indices that must differ do; each
/// loop-invariant divisor of an integer division or remainder (a value from before the loop, or a promoted element
/// the loop never stores, such as an interpreted program's register) is not 0 and, for a signed one, not -1, where
/// the loop writes anything back (rule 7), so that no division throws in the loop.
/// Any failing guard jumps to an unoptimized copy of the loop (loop versioning), so correctness never rests on
/// a guess, and nothing hoisted can throw where the loop would not have.</item>
/// <item>In the loop, a load of a promoted element is the value it holds at that point (SSA construction on the
/// finished graph), and a store gives it a new value, converted as the element would store and load it back.</item>
/// <item>Elements the loop stores, and promoted fields, are written back on every edge that leaves the loop, and before any
/// instruction left in the loop that may throw (an exception leaves the loop too, and whoever catches it may
/// read the memory); a division whose divisor rule 5 tested cannot throw and needs none, nor does one whose divisor the
/// branches into it inside the loop show to be not 0 and not -1 (an interpreter's own tests before it divides). A cast
/// rule 5 tested is the preheader's passed <c>isinst</c>: the loop casts nothing. The design does not promote across calls and address accesses (rule 1): that keeps it
/// simple, and such loops gain little, since the call costs more than the loads.</item>
/// <item>Virtualizable frames (<see cref="FlowGraph.Virtualizables"/>, the interpreter's <c>[Virtualizable]</c> classes): in a
/// loop with calls, the calls and address accesses that may reach a frame (<see cref="FrameReach"/>: given a frame, a named
/// array, an object the graph made holding one, an address that may point into one, a value typed as something a frame or
/// named array could be; every call once the graph stored one elsewhere than in a frame or the runtime's state arrays) are
/// barriers, the others leave the frames' named arrays alone. Such a loop promotes only the elements of frames' named
/// arrays (rule 3 otherwise), hoists only loads of named array fields (readonly), and promotes no field.</item>
/// <item>An element of a named array is written back before a barrier (and before a call that only reads the frames, the
/// source of <c>System.Array::Copy</c>) and at the exits, where the loop may have stored it since the last write-back or
/// barrier (<see cref="FrameWriteBacks"/>: two calls in a row write back once), and loaded again after a barrier where
/// something reads it (a load again nothing reads is dropped); and, by the interpreter's promise, not before an
/// instruction that may throw (the frame of a portal an exception leaves is not read again; a portal that catches keeps its
/// units unpromoted, rule 1 of the graph's regions). A named array field of a frame the graph made (an inlined
/// constructor's, a callee's frame) that only gets arrays the graph made holds none of the loop's arrays: copying arguments
/// into it only reads the frame. Loads of a named array field are hoisted although the loop stores that field: the field
/// is readonly, so such a store is into a frame made in the loop. An array not read from a named field (a portal's red <c>regs</c> beside
/// its red <c>frame</c>) is a frame's when the preheader finds it in the named field of the frame value nearest up the
/// dominator tree; with no such frame it is not. An array that cannot be a named array (one the graph made, or read from
/// another class's field, an element or a static) is kept apart from a frame's without a test.</item>
/// <item>A loop whose barriers on every turn would write back and load again as many values as promotion removes is left
/// in memory; loops with calls copy from a budget of their own that stops at <see cref="FrameCopyCeiling"/> instructions. The
/// pass checks that no load of a promoted element is left in the rewritten loop but the loads again after barriers.</item>
/// </list>
/// <para>
/// As in any compiler, memory another thread reads or writes while the loop runs is not kept current: the
/// interpreter's frame belongs to the thread running it.
/// </para>
/// <para>
/// Outer loops are tried before the loops inside them, so a nest of loops is versioned once; a loop's
/// unoptimized copy is never promoted again. Back edges to one header are one loop; when that loop promotes
/// nothing, its smallest cycle gets a header of its own and is tried alone. Copies are bounded by a budget: as
/// many instructions as the graph had to begin with.
/// </para>
/// <para>
/// Cost: about linear in the graph's size. Dominators and loops are found once (again only after a cycle is
/// separated); each loop's promotion looks at its own blocks, the blocks it makes, and the blocks that use
/// what it changes or jump to what it changes, found through a <see cref="PromotionIndex"/> built once, not
/// by scanning the graph. Choosing the next loop compares the loops not tried: quadratic in the number of loops,
/// with a constant of a few operations. The whole graph is cleaned of trivial parameters once.
/// </para>
/// </remarks>
internal static class PromoteMemory
{
    /// <summary>Copied instructions allowed for a small graph, whatever its size.</summary>
    private const int MinimumBudget = 200;

    /// <summary>
    /// The size, in instructions, past which loops with calls are not copied to keep a frame's elements across the calls
    /// (rule 8): the copies they need may grow the graph up to it, no further. About what the CIL backend turns into the
    /// 60,000 IL bytes past which .NET compiles a method unoptimized (some 12 bytes an instruction): a unit of many keys
    /// (Lua's nbody) has many such loops, and a copy of each would push it past that size (LuaUnitSizeTests).
    /// </summary>
    private const int FrameCopyCeiling = 4000;

    public static void Run(FlowGraph graph) => Run(graph, null);

    /// <summary>Promotes in the loops headed by <paramref name="headers"/> only, or in every loop when null (<see cref="BarrierPaths"/>' loops, whose graph promotion has seen before).</summary>
    internal static void Run(FlowGraph graph, BlockSet? headers)
    {
        // Strategy: find the loops, take the largest one not tried yet (an outer loop before the loops inside
        // it), promote in it, and go on to the next. Dominators and loops are found once: a promotion adds a
        // preheader and guards before the loop, a versioned copy and write-back blocks after it, and none of
        // them changes the blocks of a loop still to try (one that holds the promoted loop is larger, so it was
        // tried first; one inside it or apart from it keeps its blocks and dominators; the copy's loops are
        // never tried). Only separating a cycle changes the loops' shape: they are found again then.
        if (graph.RegionCount > 0) return; // the residual code has none; the backends would reject them anyway
        GraphEdits.RemoveUnreachable(graph);
        // Loops, not LINQ, over blocks and loops here: LINQ over a struct of PeJit's is compiled by .NET on the first
        // unit's path (Docs/PERFORMANCE.md, warm-up).
        int instructions = graph.InstructionCount();
        int budget = Math.Max(MinimumBudget, instructions);
        int frameBudget = Math.Max(0, FrameCopyCeiling - instructions);
        // Virtualizable frames: what calls may reach (rules 8 to 10), found once; the promotions do not change it.
        var reach = FrameReach.For(graph);
        var tried = new HashSet<string>();
        var copies = new BlockSet();
        // The loops that have a versioned copy now: their blocks dominate nothing after them any more (LoopPromotion).
        var versioned = new BlockSet();
        Dominators? dominators = null;
        List<NaturalLoop>? loops = null;
        // Per loop of the list: whether it is out (tried, or holding blocks of a versioned copy). Decided once per
        // list, then kept up to date: a loop's key string and a scan of every copy per loop and per promotion made
        // choosing the next loop quadratic in the number of loops. A copy's blocks are new, so they join no loop
        // of a list found before them: only a new list (after separating a cycle) must be checked against them.
        bool[] done = [];
        PromotionIndex? index = null;
        while (true)
        {
            if (loops is null)
            {
                dominators = Dominators.Compute(graph);
                loops = NaturalLoop.Find(graph, dominators);
                done = new bool[loops.Count];
                for (int i = 0; i < loops.Count; i++)
                    done[i] = tried.Contains(Key(loops[i])) || loops[i].Blocks.Overlaps(copies) || (headers is not null && !headers.Contains(loops[i].Header));
            }
            int next = Largest(loops, done);
            if (next < 0) break;
            var loop = loops[next];
            done[next] = true;
            tried.Add(Key(loop));
            var copy = LoopPromotion.Run(graph, loop, dominators!, reach, versioned, ref index, ref budget, ref frameBudget, out bool changed);
            if (copy.Count > 0) versioned.UnionWith(loop.Blocks);
            copies.UnionWith(copy);
            if (!changed && loop.Latches.Count > 1)
            {
                SeparateSmallestCycle(graph, loop, dominators!);
                loops = null;
                index = null;
            }
        }
        GraphEdits.RemoveUnreachable(graph);
        graph.Compact();
    }

    /// <summary>The largest loop not tried and apart from the copies; of two as large, the one whose header comes first, then the first listed.</summary>
    private static int Largest(List<NaturalLoop> loops, bool[] done)
    {
        int best = -1;
        for (int i = 0; i < loops.Count; i++)
        {
            if (done[i]) continue;
            var loop = loops[i];
            if (best < 0 || loop.Blocks.Count > loops[best].Blocks.Count
                || (loop.Blocks.Count == loops[best].Blocks.Count && loop.Header.Index < loops[best].Header.Index))
                best = i;
        }
        return best;
    }

    /// <summary>The header and the latches' indices in order: what tells a loop from the loops tried before.</summary>
    private static string Key(NaturalLoop loop)
    {
        var latches = new BlockSet();
        foreach (var latch in loop.Latches) latches.Add(latch);
        var key = new System.Text.StringBuilder().Append(loop.Header).Append(' ');
        // The latches are distinct blocks, so the set's index order is what Order() gave.
        bool first = true;
        foreach (var latch in latches)
        {
            if (!first) key.Append(',');
            key.Append(latch.Index);
            first = false;
        }
        return key.ToString();
    }

    /// <summary>
    /// Gives the header to the back edge whose cycle is smallest: every other jump to the header goes to a new
    /// block before it, which heads the rest. Back edges of one header may be one loop (an interpreted loop with
    /// two ways round, promoted together) or a small loop inside a larger one that shares its head (a Brainfuck
    /// loop inside a loop whose pointer moves): when the whole promoted nothing, the small loop is tried alone.
    /// </summary>
    private static void SeparateSmallestCycle(FlowGraph graph, NaturalLoop loop, Dominators dominators)
    {
        var header = loop.Header;
        Block? inner = null;
        int innerSize = 0;
        foreach (var latch in loop.Latches)
        {
            int size = NaturalLoop.Find(graph, dominators, header, new List<Block> { latch }).Blocks.Count;
            if (inner is null || size < innerSize || (size == innerSize && latch.Index < inner.Value.Index))
                (inner, innerSize) = (latch, size);
        }
        var outer = graph.AddBlock();
        var parameters = new List<Value>();
        foreach (var parameter in graph[header].Parameters) parameters.Add(graph.AddParameter(outer, graph.TypeOf(parameter), graph[parameter].Name));
        foreach (var block in graph.Blocks)
            if (block != inner && block != outer && graph[block].Terminator is { } terminator)
                foreach (var target in terminator.Targets)
                    if (target.Target == header) target.Target = outer;
        graph.Append(outer, new Instruction(Opcode.Jump) { Targets = { new BlockCall(header, parameters) } });
    }
}

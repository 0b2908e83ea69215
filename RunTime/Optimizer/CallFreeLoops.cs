using PeJit.IR;
using PeJit.IR.Graphs;
using PeJit.IR.Transforms;

namespace PeJit.Optimizer;

/// <summary>
/// Keeps the calls a loop makes only on some turns out of the loop the other turns run: the loop is copied whole, and a
/// branch of the loop to a block that makes a call (a table lookup's slow path, a delegate compared by its method when the
/// reference test failed) goes to that block's copy instead, so that the turn goes on in the copy and every turn after it
/// runs there. The loop itself, the turns that make no call, is then call-free.
/// </summary>
/// <remarks>
/// <para>Why: the backend's JIT compiler (RyuJIT) allocates a register to a local for the whole of its live range, and a
/// value live across a call in a loop (x64 Linux has 5 callee-saved integer registers and no callee-saved float register)
/// goes through the stack frame on every turn, the call or not (Docs/PERFORMANCE.md, "Shared locals in the CIL backend"
/// and this pass's section). In the copy the loop's values are other values, so other locals; the loop's own are live
/// across no call. What the copy pays is the loop's size once, and its turns cost what every turn cost before.</para>
/// <para>Sound by construction, as <see cref="BarrierPaths"/>: every path of the new graph is a path of the old one with
/// some blocks renamed to their copies (a turn that enters the copy never comes back to the original), and the values
/// the original and the copy both define are one variable defined in two places, read where the two meet through block
/// parameters (<see cref="SsaUpdater"/>), where a definition no longer dominates a use or the copy reaches it. Nothing is moved across a call.</para>
/// <para>Only innermost loops whose header makes no call and with a turn that makes none (a latch the header reaches
/// without passing a call block); all copies together at most an <see cref="CopyShare"/>th of the graph's instructions,
/// smallest loops first. A call is what the machine code calls: a call but for the few methods .NET always expands inline
/// (<see cref="ExpandedInline"/>); not yet a constructor, an allocation or a box (calls of the runtime's helpers too),
/// which allocation removal leaves mostly at exits. The copy is entered wherever a call block was
/// (a loop with several entries when there are several such blocks, which .NET compiles as any other code).</para>
/// <para>Cost: the loops found once, the loops split copied once, and one walk over the graph's instructions to repair
/// the uses of all of them (SSA reads walk back through the blocks between a use and the definitions, and each variable's
/// reads keep maps indexed by block, so only the uses a definition no longer dominates are read through one): linear in
/// the graph for at most <see cref="MaxSplits"/> loops split.</para>
/// </remarks>
internal static class CallFreeLoops
{
    /// <summary>The share of the graph's instructions that all the copies together may add (so a unit grows in proportion).</summary>
    private const int CopyShare = 8;

    /// <summary>
    /// The most loops split in one graph: the repair keeps, per value of a loop copied, maps indexed by block
    /// (<see cref="SsaUpdater"/>), as large as the graph, so the pass is linear in the graph only for a bounded count.
    /// </summary>
    private const int MaxSplits = 4;

    /// <summary>
    /// Whether the pass runs: on unless <c>PEJIT_CALL_FREE_LOOPS=0</c> (to compare). It takes Lua <c>polymorphic</c>'s fast loop
    /// from 1.55x the C#'s CPU time to 0.63x (Docs/PERFORMANCE.md, "Call-free loops"). Its first version wrote a loop's
    /// counter back two turns short (Tests/PeJit.Tests/Fuzzing/regressions/lua/52f4388c8205.lua, fixed in <see cref="Repair"/>).
    /// </summary>
    public static bool Enabled { get; } = Environment.GetEnvironmentVariable("PEJIT_CALL_FREE_LOOPS") != "0";

    /// <summary>
    /// Whether the pass promotes memory again in the loops of quiet turns it made: off unless <c>PEJIT_CALL_FREE_PROMOTION=1</c>.
    /// Promotion ran before, when those loops still had their calls (rule 1 of <see cref="PromoteMemory"/>: nothing but a
    /// virtualizable frame's elements moves in a loop with calls), so a call-free loop still loads the invariant fields of
    /// the objects it works on (a table's element count and array) on every turn. Opt-in because the machine code is no
    /// better for it: on Lua <c>sieve</c>'s marking loop the two field loads go, but RyuJIT keeps the promoted count and the
    /// hoisted array in the stack frame (the loop still holds the checked store's helper call, and the unit's callee-saved
    /// registers are taken), 29 instructions a turn against 26 (Docs/PERFORMANCE.md, "Lua `sieve`: the loops counted").
    /// </summary>
    public static bool PromotesQuietLoops { get; } = Environment.GetEnvironmentVariable("PEJIT_CALL_FREE_PROMOTION") == "1";

    /// <summary>The pass <c>calls</c>: <see cref="RunPass(FlowGraph, bool)"/>, promoting when <see cref="PromotesQuietLoops"/>.</summary>
    public static void RunPass(FlowGraph graph) => RunPass(graph, PromotesQuietLoops);

    /// <summary>
    /// Splits the loops (<see cref="Run"/>), then, when it split one and <paramref name="promote"/>, promotes memory in the
    /// loops of quiet turns: the parameters their headers are passed unchanged by every jump go first (the values the call
    /// blocks loaded again no longer reach the header), then what is invariant in them is hoisted (a cast of a loop-invariant
    /// register's value), so that promotion finds field loads of loop-invariant objects; dead code last, what promotion left
    /// unused. The loops of quiet turns only: every other loop was promoted, or found nothing to promote, before.
    /// </summary>
    /// <remarks>Cost: besides the split, the passes run once each on the graph (linear, as where the pipeline runs them),
    /// and promotion's own cost over the quiet loops.</remarks>
    internal static void RunPass(FlowGraph graph, bool promote)
    {
        var quiet = Run(graph);
        if (quiet.Count == 0 || !promote) return;
        InvariantParameters.Run(graph);
        HoistInvariants.Run(graph);
        GraphEdits.RemoveUnreachable(graph);
        // The headers by their terminators: the passes before renumbered the blocks.
        var headers = new BlockSet();
        foreach (var block in graph.Blocks)
            if (graph[block].Terminator is { } terminator && quiet.Contains(terminator)) headers.Add(block);
        if (headers.Count == 0) return;
        PromoteMemory.Run(graph, headers);
        DeadCode.Run(graph);
    }

    /// <summary>Splits the loops; returns the terminators of the quiet loops' headers (empty when none was split).</summary>
    public static HashSet<Instruction> Run(FlowGraph graph)
    {
        var none = new HashSet<Instruction>(ReferenceEqualityComparer.Instance);
        if (!Enabled || graph.RegionCount > 0) return none; // a copy of a loop in a try would need its regions copied
        int budget = graph.InstructionCount() / CopyShare;
        // Most units have no call in a loop: one look at each block and jump before the dominators and the loops.
        if (!AnyCallOnCycle(graph)) return none;
        var loops = NaturalLoop.Find(graph, Dominators.Compute(graph));
        // All the loops in one sweep: innermost loops are disjoint, so one copy of all their blocks, and one walk over the
        // graph to repair the uses (a copy per loop would allocate maps as large as the graph per loop).
        var split = new List<(NaturalLoop Loop, BlockSet Quiet, BlockSet Calls)>();
        var order = new List<Block>();
        var loopOf = new int[graph.BlockCount]; // 1 + the index of the loop split a block is in, 0 for none
        foreach (var loop in GraphEdits.Ordered(loops, l => l.Blocks.Count))
        {
            if (split.Count == MaxSplits) break;
            if (!BarrierPaths.Innermost(loop, loops) || Qualifies(graph, loop, ref budget) is not var (quiet, calls)) continue;
            foreach (var block in loop.Blocks)
            {
                order.Add(block);
                loopOf[block.Index] = split.Count + 1;
            }
            split.Add((loop, quiet, calls));
        }
        if (split.Count == 0) return none;
        var quietHeaders = new HashSet<Instruction>(ReferenceEqualityComparer.Instance);
        foreach (var (loop, _, _) in split) quietHeaders.Add(graph[loop.Header].Terminator!);
        var (copies, values) = BlockCopy.Copy(graph, order);
        // A copy's exit into another loop split (its header) goes to that loop, not to its copy: the targets of a block and
        // of its copy are in the same order.
        foreach (var block in order)
        {
            var targets = graph[block].Terminator!.Targets;
            for (int k = 0; k < targets.Count; k++)
                if (targets[k].Target.Index < loopOf.Length && loopOf[targets[k].Target.Index] is not 0 and var other && other != loopOf[block.Index])
                    graph[copies[block]].Terminator!.Targets[k].Target = targets[k].Target;
        }
        // The quiet turns' branches to a call block go on in its copy; the copy's own jumps stay in the copy.
        foreach (var (_, quiet, calls) in split)
            foreach (var block in quiet)
                foreach (var target in graph[block].Terminator!.Targets)
                    if (calls.Contains(target.Target)) target.Target = copies[target.Target];
        // Repaired before the blocks no jump reaches now (the original call blocks and what only they reach) go: removing
        // them renumbers the values.
        var kept = new BlockSet();
        foreach (var (_, quiet, _) in split)
            foreach (var block in quiet) kept.Add(block);
        var copied = new BlockSet();
        foreach (var block in order) copied.Add(copies[block]);
        Repair(graph, values, kept, copied);
        GraphEdits.RemoveUnreachable(graph);
        return quietHeaders;
    }

    /// <summary>Whether <paramref name="i"/> is a call in the machine code the backend's JIT compiler makes.</summary>
    public static bool MakesCall(Instruction i) => i.Opcode switch
    {
        Opcode.Call or Opcode.CallVirt or Opcode.ConstrainedCall => !ExpandedInline(i.Method!),
        _ => false,
    };

    /// <summary>
    /// Methods .NET's JIT compiler expands inline whatever the method they are in (intrinsics): a class test
    /// (<c>x.GetType() == typeof(T)</c> is a compare of method tables), a string's length, a square root.
    /// </summary>
    private static bool ExpandedInline(MethodRef method) => method.FullName switch
    {
        "System.Type System.Object::GetType()" => true,
        "System.Type System.Type::GetTypeFromHandle(System.RuntimeTypeHandle)" => true,
        "System.Boolean System.Type::op_Equality(System.Type,System.Type)" => true,
        "System.Boolean System.Type::op_Inequality(System.Type,System.Type)" => true,
        "System.Int32 System.String::get_Length()" => true,
        "System.Double System.Math::Sqrt(System.Double)" => true,
        "System.Double System.Math::Abs(System.Double)" => true,
        _ => false,
    };

    /// <summary>
    /// Whether <paramref name="loop"/> is split (it makes calls on turns that others go around, and its size fits the
    /// budget, which it then takes): its quiet turns' blocks and its call blocks, or null.
    /// </summary>
    private static (BlockSet Quiet, BlockSet Calls)? Qualifies(FlowGraph graph, NaturalLoop loop, ref int budget)
    {
        var header = loop.Header;
        var calls = new BlockSet();
        int size = 0;
        foreach (var block in loop.Blocks)
        {
            size += graph[block].Instructions.Count;
            if (size > budget) return null;
            foreach (var instruction in graph[block].Instructions)
                if (MakesCall(instruction)) { calls.Add(block); break; }
        }
        if (calls.Count == 0 || calls.Contains(header)) return null;
        // The turns that make no call: the blocks the header reaches without passing a call block; one must be a latch.
        if (QuietTurns.Of(graph, loop, calls) is not { } quiet) return null;
        budget -= size;
        return (quiet, calls);
    }

    /// <summary>
    /// Each use of a value the copied blocks define, or of its copy, that its definition no longer dominates (a use in the
    /// copy its entries at the call blocks reach first, a use after the loop that either reaches) reads the one that reaches
    /// it: original and copy are one variable defined in two places. The uses in the loop itself are dominated as before
    /// (no jump of the copy goes back into it), and most of the copy's are by their copied definition.
    /// </summary>
    private static void Repair(FlowGraph graph, ValueToValueMap values, BlockSet kept, BlockSet copied)
    {
        var dominators = Dominators.Compute(graph);
        var predecessors = Predecessors.Compute(graph);
        var original = new ValueToValueMap(graph.ValueCount);
        foreach (var value in values.Keys) original[values[value]] = value;
        var definedIn = new ValueToBlockMap(graph.ValueCount);
        var reachable = dominators.ReversePostOrder;
        foreach (var block in reachable)
        {
            foreach (var parameter in graph[block].Parameters) definedIn[parameter] = block;
            foreach (var instruction in graph[block].Instructions)
                if (instruction.Result is { } result) definedIn[result] = block;
        }
        // The blocks the copies reach (themselves, and what they jump to after the loop).
        var afterCopies = new BlockSet();
        var work = new Stack<Block>();
        foreach (var copy in copied)
            if (dominators.IsReachable(copy) && afterCopies.Add(copy)) work.Push(copy);
        while (work.Count > 0)
            foreach (var successor in graph.Successors(work.Pop()))
                if (afterCopies.Add(successor)) work.Push(successor);
        var updaters = new ValueMap<SsaUpdater>();
        // The jumps into a block from blocks the entry still reaches (the original call blocks still jump into the loop).
        IReadOnlyList<Edge> EdgesInto(Block block)
        {
            var edges = predecessors.EdgesInto(block);
            bool all = true;
            foreach (var edge in edges)
                if (!dominators.IsReachable(edge.Source)) all = false;
            if (all) return edges;
            var kept = new EdgeList();
            foreach (var edge in edges)
                if (dominators.IsReachable(edge.Source)) kept.Add(edge);
            return kept;
        }
        Value Reaching(Value value, Block user)
        {
            var variable = original.TryGetValue(value, out var first) ? first : value;
            if (!values.TryGetValue(variable, out var copy)) return value;
            // A copy's definition dominating the use reaches it: the copy never goes back to the loop. An original's does
            // only where the copy does not reach: after the loop, the copy's definition may come between (the header's
            // parameter dominates every exit, copy or not).
            if (definedIn.TryGetValue(value, out var home) && dominators.Dominates(home, user)
                && (value != variable || !afterCopies.Contains(user))) return value;
            if (!updaters.TryGetValue(variable, out var updater))
            {
                updaters[variable] = updater = new SsaUpdater(graph, graph.TypeOf(variable), graph[variable].Name, EdgesInto);
                if (definedIn.TryGetValue(variable, out var at)) updater.DefineAtEnd(at, variable);
                if (definedIn.TryGetValue(copy, out var copyAt)) updater.DefineAtEnd(copyAt, copy);
            }
            // Not defined in this block (it would dominate the use): the value at its end is the value at its start.
            return updater.ReadAtEnd(user);
        }
        foreach (var block in reachable)
            foreach (var instruction in graph[block].Instructions)
            {
                for (int k = 0; k < instruction.Operands.Count; k++) instruction.Operands[k] = Reaching(instruction.Operands[k], block);
                foreach (var target in instruction.Targets)
                    for (int k = 0; k < target.Arguments.Count; k++) target.Arguments[k] = Reaching(target.Arguments[k], block);
            }
        // The loop's joins after its call blocks have one jump in fewer: a parameter only the quiet path passes a value is
        // that value (TrivialParameters' rule, on these blocks only: the whole graph's cost twice the pass's allocation).
        var replacement = new ValueToValueMap();
        Value Find(Value v)
        {
            while (replacement.TryGetValue(v, out var next)) v = next;
            return v;
        }
        foreach (var block in kept)
        {
            var edges = EdgesInto(block);
            if (block == FlowGraph.Entry || edges.Count == 0) continue;
            var parameters = graph[block].Parameters;
            for (int k = parameters.Count - 1; k >= 0; k--)
            {
                var parameter = parameters[k];
                if (TrivialParameters.OnlyValue(edges, k, parameter, Find) is not { } value) continue;
                replacement[parameter] = value;
                // The jumps from blocks the entry still reaches: the others, which go next, did not get the repair's arguments.
                var jumps = new List<BlockCall>();
                foreach (var edge in edges) jumps.Add(edge.Call);
                graph.RemoveParameter(block, k, jumps);
            }
        }
        if (replacement.Count > 0) graph.ReplaceUses(replacement);
    }

    /// <summary>
    /// Whether some loop may be split: a block the entry reaches makes a call (<see cref="MakesCall"/>) and lies on a
    /// cycle, and the blocks of that cycle's strongly connected component that make no call still hold a cycle (a turn
    /// around the calls). Two runs of Tarjan's algorithm, each block's instructions and jumps looked at a bounded number
    /// of times whether there are calls or not, so that a unit whose loops call on every turn (or not at all) costs no
    /// dominators.
    /// </summary>
    private static bool AnyCallOnCycle(FlowGraph graph)
    {
        int count = graph.BlockCount;
        var calls = new bool[count];
        var cyclic = new List<bool>();
        var number = new int[count];
        var flags = new byte[count];
        var lists = (new List<int>(), new List<int>(), new List<int>()); // Tarjan's stacks, empty after each run
        var component = Components(graph, null, null, FlowGraph.Entry.Index, cyclic, calls, number, flags, lists);
        var withCall = new bool[cyclic.Count + 1];
        for (int b = 0; b < count; b++)
            if (calls[b] && component[b] > 0) withCall[component[b]] = true;
        // The second run covers every cycle's blocks that make no call, calls in their component or not: the same work
        // for a unit whose loops make calls as for one whose loops make none.
        for (int b = 0; b < count; b++)
            // From here on the array says which blocks the second run looks at (one array less to allocate).
            calls[b] = component[b] > 0 && cyclic[component[b] - 1] && !calls[b];
        var quietCycles = new List<bool>();
        Array.Clear(number); // the flags are all clear once every component is found
        var quiet = Components(graph, calls, component, null, quietCycles, null, number, flags, lists);
        for (int b = 0; b < count; b++)
            if (calls[b] && withCall[component[b]] && quietCycles[quiet[b] - 1]) return true;
        return false;
    }

    /// <summary>A block's flags in <see cref="Components"/>: on Tarjan's stack, with a jump to itself.</summary>
    private const byte OnStack = 1, SelfLoop = 2;

    /// <summary>
    /// The strongly connected components of the blocks <paramref name="include"/> admits (all when null), found from
    /// <paramref name="root"/> (from each of them when null) over jumps between such blocks (of the same component of <paramref name="within"/> when
    /// given): per block 1 + its component's number (0 for none); <paramref name="cyclic"/> gets, per component, whether
    /// it is a cycle (more than one block, or a jump to itself). <paramref name="calls"/>, when given, gets the blocks
    /// that make a call. Tarjan's algorithm, iterative; <paramref name="number"/> and <paramref name="flags"/> are
    /// zeroed scratch arrays of a block each, left with the flags zeroed, and <paramref name="lists"/> empty
    /// scratch lists, left empty.
    /// </summary>
    private static int[] Components(FlowGraph graph, bool[]? include, int[]? within, int? root, List<bool> cyclic, bool[]? calls,
        int[] number, byte[] flags, (List<int> Stack, List<int> Path, List<int> NextJump) lists)
    {
        int count = graph.BlockCount, counter = 0;
        // number: 1 + the depth-first number, 0 for not yet seen; flags: OnStack, SelfLoop (both the caller's, all 0).
        var low = new int[count]; // then, once its component is found, minus the component's number
        var (stack, path, nextJump) = lists;
        for (int next = root ?? 0; next < count; next = root is null ? next + 1 : count)
        {
            if (number[next] != 0 || include is not null && !include[next]) continue;
            Visit(next);
            while (path.Count > 0)
            {
                int top = path.Count - 1, b = path[top], e = nextJump[top];
                var successors = graph.Successors(new Block(b));
                if (e < successors.Count)
                {
                    nextJump[top] = e + 1;
                    int s = successors[e].Index;
                    if (include is not null && !include[s] || within is not null && within[s] != within[b]) continue;
                    if (s == b) flags[b] |= SelfLoop;
                    else if (number[s] == 0) Visit(s);
                    else if ((flags[s] & OnStack) != 0) low[b] = Math.Min(low[b], number[s]);
                    continue;
                }
                path.RemoveAt(top);
                nextJump.RemoveAt(top);
                if (path.Count > 0) low[path[^1]] = Math.Min(low[path[^1]], low[b]);
                if (low[b] != number[b]) continue;
                cyclic.Add(false);
                int size = 0, x;
                bool loops = false;
                do
                {
                    x = stack[^1];
                    stack.RemoveAt(stack.Count - 1);
                    loops |= (flags[x] & SelfLoop) != 0;
                    flags[x] = 0;
                    low[x] = -cyclic.Count;
                    size++;
                }
                while (x != b);
                cyclic[^1] = size > 1 || loops;
            }
        }
        for (int b = 0; b < count; b++) low[b] = -low[b]; // every block seen is in a component now
        return low;

        void Visit(int b)
        {
            number[b] = low[b] = ++counter;
            stack.Add(b);
            flags[b] = OnStack;
            path.Add(b);
            nextJump.Add(0);
            if (calls is null) return;
            foreach (var instruction in graph[new Block(b)].Instructions)
                if (MakesCall(instruction)) { calls[b] = true; break; }
        }
    }
}

using PeJit.IR;
using PeJit.IR.Verification;

namespace PeJit.Optimizer;

/// <summary>
/// The residual-graph optimizer: a declared list of passes run in order (Go's <c>ssa/compile.go</c>, PyPy's
/// <c>optimizeopt</c>), selectable by a string such as <c>merge:fold:forward:guards:dce</c>, with ordering
/// constraints that carry their reason and are checked by a test.
/// </summary>
public static class Pipeline
{
    /// <summary>Every pass, in the order they run.</summary>
    public static IReadOnlyList<Pass> Passes { get; } =
    [
        new("merge", "merge a block into its only predecessor when that predecessor jumps to it unconditionally", MergeBlocks.Run),
        new("throws", "turn a throw the unit's own catch handler takes into a jump to a copy of the handler (an error raised and caught in one unit costs no .NET exception)", LocalThrows.Run),
        new("fold", "fold constant operations and reassociate additions of constants (sp + 1 - 1 → sp)", FoldConstants.Run),
        new("cse", "reuse an earlier identical pure operation in the same block", CommonSubexpressions.Run),
        new("addresses", "read and write an array element whose address is only loaded and stored through (stack[sp - 1] += x) with ldelem and stelem", ElementAddresses.Run),
        new("structs", "keep value-type temporaries stored into a slot and read back by field loads through its address (a struct's getters) in SSA values, and read a field of a value a store-only constructor made as the argument stored there", StructSlots.Run),
        new("slots", "keep locals that an inlined helper reads and writes through a ref parameter (Branch(labels, ref lsp, stack, ref sp, depth)) in SSA values, when nothing but loads and stores use their address", ScalarSlots.Run),
        new("forward", "forward stored values to later loads of the same field or element in a block, and reuse repeated loads", ForwardMemory.Run),
        new("copies", "turn an Array.Copy into a new short array (a callee's registers given its arguments) into the element loads and stores it does, which allocation removal can take apart", ExpandArrayCopies.Run),
        new("fold", "fold again what forwarding exposed", FoldConstants.Run),
        new("cse", "reuse again what forwarding exposed", CommonSubexpressions.Run),
        new("nullables", "keep Nullable<T> temporaries stored into a slot and read back by HasValue and GetValueOrDefault() in SSA values, one per field", NullableValues.Run),
        new("guards", "turn a brif or switch that a dominating branch edge already decided into a jump, and remove the blocks left unreachable", EliminateGuards.Run),
        new("merge", "merge again the blocks a removed branch left in a straight line", MergeBlocks.Run),
        new("params", "replace a block parameter every jump passes the same value, or itself, by that value (a loop's unchanged state)", InvariantParameters.Run),
        new("virtualize", "remove allocations that do not escape: fields in SSA values, a loop's object in one parameter per field, the object made only where it escapes", AllocationRemoval.Run),
        new("fold", "fold the fields of the objects virtualizing removed (an inlined callee's frame: how many results its caller wants)", FoldConstants.Run),
        new("guards", "decide the branches on them, so that the paths that never run (a return for a caller wanting several results) no longer make the objects left, such as the callee's registers, escape", EliminateGuards.Run),
        new("split", "copy the code after a join where a new object meets another value, when it tests the value's class or reads its fields, for the paths that bring the object (a function returning its argument or a new box), so that allocation removal takes the object apart there", SplitJoins.Run),
        new("promote", "hoist loop-invariant field loads and keep loop-invariant array elements in SSA values, behind preheader guards that fall back to an unoptimized copy of the loop", PromoteMemory.Run),
        new("peel", "enter a loop that allocates anew on every turn the object it carries through a copy of its first turn, so that every jump to its header passes an object the loop made", LoopPeeling.Run),
        new("params", "make one the parameters of a peeled loop's header that every jump passes the same object for (one box in two registers), which allocation removal would leave allocated", InvariantParameters.Run),
        new("virtualize", "remove the allocations promotion and peeling left local to a loop: the boxes of its promoted elements", AllocationRemoval.Run),
        new("fold", "decide the class tests on the objects virtualizing removed", FoldConstants.Run),
        new("guards", "decide the branches on those tests, and the tests in a peeled loop its first turn already made", EliminateGuards.Run),
        new("merge", "merge the blocks the decided branches left in a straight line", MergeBlocks.Run),
        new("thread", "send a jump that passes a join known values (type() returning \"string\" or \"number\") along the branches they decide after the join, through a copy of the blocks on the way", ThreadJoins.Run),
        new("guards", "decide the class tests after a threaded join that the dispatch before it already made", EliminateGuards.Run),
        new("merge", "merge the threaded copies in a straight line", MergeBlocks.Run),
        new("readonly", "reuse a dominating load of the same readonly field of the same object (a for loop's limit and step boxes, read by its peeled first turn), which no call or store can change, so that what is computed from it is loop-invariant", ReadOnlyLoads.Run),
        new("speculate", "copy a loop that divides by a loop-invariant value into one that divides by the constant the runtime's sample of the entry shows, entered when a test before the loop finds that value", SpeculateDivisors.Run),
        new("divisions", "compute a signed division or remainder by a loop-invariant divisor, tested before the loop to be neither 0 nor -1, with a multiply-high, shifts and adds from constants made once before the loop", ReduceDivisions.Run),
        new("branches", "branch on the inner test of a brif on cne x, 0, ceq x, 0 (targets swapped) or a conv of a compare, and pass the value the test is known to have on each edge instead of the test", SimplifyBranches.Run),
        new("dce", "remove the tests the branches no longer look at, so the loops stop using them", DeadCode.Run),
        new("barriers", "opt-in (PEJIT_BARRIER_PATHS=1): take the turns of a loop that make an opaque call (a table lookup's slow path) out of it into a copy of their rest, and promote again, so that the loop of the other turns reads its invariant fields once per entry", BarrierPaths.RunPass),
        new("sink", "compute a pure value a loop defines but only code after it uses (a promoted element's final value) where it is used", SinkFromLoops.Run),
        new("hoist", "compute once before a loop what cannot throw and is the same on every turn: pure operations of values from before the loop, loads of the unit's constants and casts they pass (an interpreter's constants table read by every instruction of a loop with calls, which promotion leaves)", HoistInvariants.Run),
        new("fold", "fold what promotion exposed (constants stored and loaded back)", FoldConstants.Run),
        new("cse", "reuse again what promotion exposed", CommonSubexpressions.Run),
        new("dce", "remove pure instructions whose results nobody uses", DeadCode.Run),
        new("unswitch", "copy a loop that branches on a condition defined before it (an interpreted for loop's step > 0) and test the condition once before the loop: the loop for one side, the copy for the other, each without the branch", UnswitchLoops.Run),
        new("calls", "copy a loop whose calls only some turns make, and send those turns on into the copy, so that the loop of the other turns makes no call (.NET's JIT keeps values live across a call in the stack frame on every turn); PEJIT_CALL_FREE_LOOPS=0 turns it off; PEJIT_CALL_FREE_PROMOTION=1 (opt-in) then promotes memory in the call-free loop", CallFreeLoops.RunPass),
        new("jumps", "send edges into a block that only jumps on straight to its target (fewer basic blocks: RyuJIT compiles a method past 2,000 of them without optimizations)", JumpThreading.Run),
        new("stores", "store into an array of a class type without .NET's covariance check when the array is exactly of its static type (a call of ArrayStores.Store)", UncheckedStores.Run),
    ];

    /// <summary>
    /// The passes that run on a graph with exception regions (a helper's try/finally inlined into a unit), and
    /// why only they: each works within a block (every block is in one region, so nothing moves into or out of a
    /// try) or keeps what a handler reaches (dead code is found from the entry and every handler entry). 'throws' is about regions: it copies a handler into its own try (LocalThrows' remarks). The
    /// others move code between blocks, copy loops or remove block parameters, and a handler entry's exception
    /// parameter, which no jump passes, is not theirs to reason about.
    /// </summary>
    public static IReadOnlySet<string> RegionSafePasses { get; } = new HashSet<string> { "merge", "throws", "fold", "cse", "forward", "dce" };

    /// <summary>Ordering constraints: (earlier, later, why).</summary>
    public static IReadOnlyList<(string Before, string After, string Reason)> Constraints { get; } =
    [
        ("addresses", "forward", "forwarding and promotion match ldelem and stelem; a load or store through an element's address is neither, and promotion leaves a loop with one alone"),
        ("merge", "forward", "forwarding works within a block; merging first makes the blocks a whole interpreted loop body"),
        ("fold", "cse", "folding first turns equal index computations into the same constant or the same operation"),
        ("cse", "forward", "forwarding matches fields and elements by the identity of the object and index values, which CSE unifies"),
        ("forward", "dce", "forwarding leaves loads whose results nobody uses any more"),
        ("forward", "copies", "a copy's destination is a new array once forwarding made the load of the new frame's register field the array stored there"),
        ("copies", "virtualize", "a new array a copy from a real array fills escapes into the call; as element stores it does not"),
        ("fold", "guards", "folding turns sp + 1 - 1 into sp, so tests of the same value have the same operands"),
        ("forward", "guards", "a test of a reloaded field or element is the same test only once forwarding made the load the earlier value"),
        ("slots", "forward", "a slot store forgets everything forwarding knows, and a load through a slot's address hides the value stored there"),
        ("slots", "promote", "a loop with a load or store through an address promotes nothing"),
        ("structs", "forward", "a slot store forgets everything forwarding knows, and a field load through a slot's address hides the value stored there"),
        ("structs", "promote", "a loop with a field load through an address promotes nothing"),
        ("structs", "fold", "a type test of a value just made (IsNumber on a pushed number) is a comparison of constants once its field load reads the constructor's argument"),
        ("structs", "dce", "the constructions and slot values whose fields are read as SSA values are left unused"),
        ("nullables", "guards", "a hasValue the paths into a join all set to true is a constant there, and the branch on it is decided"),
        ("nullables", "promote", "a loop that calls HasValue on a slot's address has a call and an access through an address, and promotes nothing"),
        ("nullables", "dce", "the constructions of the values whose fields are in SSA values are left unused"),
        ("thread", "guards", "a threaded path's class tests are dominated by the dispatch's own test only once the path no longer meets the other paths"),
        ("guards", "merge", "a removed branch leaves a jump to a block that may now have no other predecessor"),
        ("guards", "dce", "a removed branch leaves its compare unused"),
        ("forward", "promote", "forwarding within a block first leaves promotion fewer accesses to rewrite and write back"),
        ("merge", "promote", "an element is promoted only when a block that runs on every iteration accesses it; merged, a loop body is one such block"),
        ("params", "promote", "the interpreter's frame and stack pointer are loop-invariant only once the header parameters every back edge passes unchanged are the values the loop is entered with"),
        ("merge", "virtualize", "an object made and read in one interpreted step is one block's business once the step's blocks are merged, and fewer blocks mean fewer merges of its fields"),
        ("params", "virtualize", "a loop header's parameter every back edge passes unchanged is the object the loop is entered with, which then needs no parameter per field"),
        ("guards", "virtualize", "a branch already decided may hold the only escape of an object (a type test's failing path to an exit)"),
        ("virtualize", "split", "the joins of a new object with another value that matter are made by allocation removal: the fields of a removed callee frame's registers merged where its returns meet"),
        ("split", "virtualize", "the copy's parameter is given only new objects, which allocation removal then takes apart"),
        ("guards", "split", "a decided branch removes jumps into a join, and with them joins that need no copy"),
        ("virtualize", "promote", "a loop that allocates only what virtualizing removes, or objects whose constructor only stores its arguments, keeps its promoted memory"),
        ("virtualize", "fold", "the loads virtualizing forwards are often constants stored into a box"),
        ("virtualize", "dce", "virtualizing leaves the defaults of fields nobody reads and the loads it forwarded"),
        ("promote", "peel", "a loop carries the object it allocates in a header parameter only once its element is promoted"),
        ("peel", "virtualize", "the loop's object is removable once every jump to the header passes one the loop made"),
        ("peel", "params", "a peeled loop's header is entered only by jumps that pass the objects the loop made, so two parameters given the same one on every jump show only then"),
        ("virtualize", "guards", "a class test on a removed object is a comparison of two typeofs, decided once folded"),
        ("readonly", "speculate", "a divisor read from a readonly field on every turn is loop-invariant once the load is the peeled first turn's"),
        ("promote", "speculate", "a divisor the loop reads from memory (an interpreted program's register) is a value defined outside the loop only once promotion keeps it in an SSA value"),
        ("speculate", "divisions", "the copy divides by a constant, which the backend reduces best, and the loop it was copied from still gets the run-time sequence"),
        ("promote", "divisions", "the preheader tests that a loop-invariant divisor is neither 0 nor -1, which is what lets a division by it be replaced, are promotion's"),
        ("divisions", "cse", "a quotient and a remainder of the same numbers compute the same multiply-high and shifts, which CSE shares"),
        ("divisions", "dce", "the sign or the magnitude of a divisor is computed for both kinds of division, and one kind uses only one of them"),
        ("promote", "dce", "promotion leaves conversions and copies of constants nobody uses"),
        ("promote", "sink", "the values only code after a loop uses are, mostly, promoted elements written back at its exits"),
        ("sink", "dce", "sinking leaves the loop's copies of the values it moved unused"),
        ("branches", "sink", "a value only code after the loop uses is one the loop's branch no longer tests"),
        ("branches", "dce", "a simplified branch leaves the tests it looked through unused"),
        ("hoist", "calls", "a call on loop-invariant operands hoisting moves out of the loop is no call the loop must be split for"),
        ("dce", "calls", "a call whose result nobody uses is gone, and with it a reason to copy the loop"),
        ("hoist", "unswitch", "a test of values from before the loop (step > 0) is a condition the loop does not define only once hoisting computed it before the loop"),
        ("unswitch", "calls", "each version of an unswitched loop is then split for its calls; the copy calls makes of a loop is entered in its middle, no natural loop, which unswitching would not find"),
        ("promote", "unswitch", "promotion versions a loop behind its own preheader tests; unswitched first, it would promote both copies and test twice"),
        ("calls", "jumps", "the copy's blocks that only jump on are threaded like the others'"),
        ("calls", "stores", "a store the stores pass makes a call is expanded inline by .NET, no call to split a loop for"),
        ("dce", "jumps", "a block whose unused tests dead code removal took out is left holding only its jump on"),
        ("promote", "hoist", "promotion hoists loads behind guards and makes the preheader; what it leaves in a loop with calls, the constants, is hoisting's"),
        ("hoist", "dce", "a hoisted cast of a constant may leave its copies in the loop unused after CSE"),
        ("promote", "stores", "promotion and forwarding know what a stelem does; the call a store becomes is opaque to them"),
        ("forward", "stores", "promotion and forwarding know what a stelem does; the call a store becomes is opaque to them"),
    ];

    /// <summary>
    /// Runs the passes named in <paramref name="selection"/> (colon-separated; null for all) on
    /// <paramref name="graph"/>, then <paramref name="additional"/> ones; <paramref name="afterEach"/> sees the
    /// graph after each pass (dumps). With <paramref name="verify"/> the verifier checks the graph before the
    /// first pass and after each one, and the first pass that leaves it malformed is named in the exception
    /// (strict mode and the tests turn it on; it is the one place the verifier runs between passes).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="selection"/> names a pass that does not exist.</exception>
    /// <exception cref="InvalidOperationException">A pass threw.</exception>
    /// <exception cref="MalformedGraphException">With <paramref name="verify"/>, the graph came malformed, or a pass left it so.</exception>
    public static void Run(FlowGraph graph, string? selection = null, Action<Pass, FlowGraph>? afterEach = null,
        bool verify = false, IReadOnlyList<Pass>? additional = null)
    {
        var selected = selection?.Split(':', StringSplitOptions.RemoveEmptyEntries).ToHashSet();
        if (selected is not null && selected.FirstOrDefault(name => Passes.All(p => p.Name != name)) is { } unknown)
            throw new ArgumentException($"no optimization pass named '{unknown}'; the passes are: {string.Join(", ", Passes.Select(p => p.Name).Distinct())}");
        RunPasses(graph, [.. Passes.Where(p => selected is null || selected.Contains(p.Name)), .. additional ?? []], afterEach, verify);
    }

    /// <summary>
    /// Runs <paramref name="passes"/> in order on <paramref name="graph"/> (the selection overload's work; tests
    /// inject passes through it). A pass that throws is reported as an <see cref="InvalidOperationException"/>
    /// naming the pass and the graph, whatever it threw; with <paramref name="verify"/>, a graph malformed before
    /// the first pass or after any is a <see cref="MalformedGraphException"/> naming the stage.
    /// </summary>
    public static void RunPasses(FlowGraph graph, IReadOnlyList<Pass> passes, Action<Pass, FlowGraph>? afterEach = null, bool verify = false)
    {
        if (verify) Verify(graph, "before the first optimization pass (the engine made it so)");
        bool regions = graph.RegionCount > 0;
        foreach (var pass in passes)
        {
            if (regions && !RegionSafePasses.Contains(pass.Name)) continue;
            try
            {
                pass.Run(graph);
            }
            catch (Exception e)
            {
                // An ArgumentException (an index out of range) is a defect of the pass like any other: only the
                // selection error of the other overload reaches the caller unnamed, being the caller's.
                throw new InvalidOperationException($"the optimization pass '{pass.Name}' failed on {graph.Name}: {e.Message}", e);
            }
            // The dump first: a graph the verifier rejects is the one a person wants to read.
            afterEach?.Invoke(pass, graph);
            if (verify) Verify(graph, $"after the optimization pass '{pass.Name}'");
        }
    }

    private static void Verify(FlowGraph graph, string when)
    {
        var errors = Verifier.Verify(graph);
        if (errors.Count > 0)
            throw new MalformedGraphException($"{graph.Name} is malformed {when}; the verifier reports:\n{string.Join("\n", errors)}\nThis is a defect of PeJit: please report it with the interpreter; PEJIT_DUMP=all shows the graph at each stage, and PEJIT_OPT can leave the pass out meanwhile.");
    }
}

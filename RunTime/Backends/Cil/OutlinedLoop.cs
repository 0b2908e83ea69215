using PeJit.IR;
using PeJit.IR.Graphs;
using Opcode = PeJit.IR.Opcode;

namespace PeJit.Backends.Cil;

/// <summary>
/// A loop of a unit compiled as a method of its own (<see cref="LoopOutlining"/>, <c>PEJIT_OUTLINE_LOOPS</c>), so that
/// RyuJIT allocates registers for the loop alone. In one large method every value live around a loop goes through the
/// stack frame (Lua <c>sieve</c>'s 17 KB unit: 7, 9 and 14 stack accesses per turn in its three loops, Docs/PERFORMANCE.md);
/// the hand-written floor's small method keeps them in registers.
/// </summary>
/// <remarks>
/// <para>The method takes the header's parameters (the entering jump's arguments), then every other value defined
/// before the loop that the loop uses (its live-ins; constants are emitted again), then one <c>ref</c> per live-out: a
/// value the loop defines that is used after it (by a block outside the loop, or as an argument of an exit edge). It
/// returns the number of the exit edge taken. At an exit edge it stores the live-outs that edge's source is dominated
/// by into their <c>ref</c>s and returns the edge's number; the unit's method, at the header's place, calls it with the
/// addresses of temporaries (so that its own locals stay unexposed), copies them into the live-outs' locals and jumps
/// along that exit edge with its arguments, as the loop would have.</para>
/// <para>Which loops: natural loops without a nested loop (<em>innermost</em>), and, unless
/// <see cref="LoopOutlining.InnermostOfSeveral"/>, loops whose nested loops are all innermost and all outlined (one level
/// of <em>nesting</em>: Lua <c>sieve</c>'s outer <c>for</c>, which holds the marking loop). An outer loop's method holds
/// its own blocks only; at each inner loop's header it calls that loop's method as the unit's method would, and follows
/// the exit it returns: to a block of the outer loop, to another inner loop's header (a call again), or out of the outer
/// loop too, which is an exit of the outer loop's method (it stores its own live-outs and returns that edge's number). A
/// value of an inner loop used after the outer loop is a live-out of both: the inner method gives it to the outer one,
/// which gives it to its caller. In a unit with another loop (a unit whose only loop this is gains nothing: its cold code
/// is outlined already) unless <see cref="LoopOutlining.Every"/>; outside every exception region (a try cannot span two
/// methods; an exception thrown in the loop leaves the unit either way, through the call), not entered at the graph's
/// entry block, using no stack slot (a local of the unit's method), each method at most <see cref="MaximumInstructions"/>
/// instructions of its own, <see cref="MaximumLiveIns"/> live-ins and <see cref="MaximumLiveOuts"/> live-outs, none of
/// them a managed pointer or a ref struct (no <c>ref</c> to one). Every loop that qualifies is outlined, however many: the
/// emitters of a unit's methods share its graph-sized tables (<see cref="EmitTables"/>), so that N methods cost O(unit) in
/// all (a cap of 16, when each took its own, left Lua <c>sieve</c>'s hot outer loop in the unit's method behind the copies
/// unswitching and <c>calls</c> make of its loops; no profile says which copy is hot, and a method RyuJIT compiles only when
/// first called costs a loop that never runs nothing but its IL). Every
/// exit of the unit inside the loop is an edge to a block outside it (the exit's block writes the exit buffer), so it is
/// an exit edge like any other.</para>
/// <para>Cost: dominators and natural loops, O(blocks + edges + loop bodies); then two passes over the instructions (where
/// each value is defined; what each candidate uses, defines for later and exits by: a block lies in at most two
/// candidates, its innermost loop and that loop's parent), O(instructions + arguments) for all candidates together; per
/// candidate O(exits · live-outs) dominance tests, and its live-ins made unique with a stamp per value, O(live-ins).</para>
/// </remarks>
internal sealed class OutlinedLoop
{
    /// <summary>Loops past this many instructions stay in the unit's method (a method of their own is as hard on RyuJIT).</summary>
    public const int MaximumInstructions = 2000;

    /// <summary>Values passed into the loop's method at most (arguments past a few go on the stack anyway).</summary>
    public const int MaximumLiveIns = 48;

    /// <summary>Values passed back at most.</summary>
    public const int MaximumLiveOuts = 24;

    private OutlinedLoop(NaturalLoop loop, bool outer)
    {
        Loop = loop;
        IsOuter = outer;
    }

    /// <summary>The loop.</summary>
    public NaturalLoop Loop { get; }

    /// <summary>True for a loop that holds other loops (whose methods its own calls); false for an innermost loop.</summary>
    public bool IsOuter { get; }

    /// <summary>For an outer loop, the inner loops its method calls (each outlined); empty for an innermost loop.</summary>
    public List<OutlinedLoop> Inner { get; } = [];

    /// <summary>True when <paramref name="block"/> is one of the loop's blocks, those of its inner loops included.</summary>
    public bool Contains(Block block) => Loop.Blocks.Contains(block);

    /// <summary>The edges that leave the loop, numbered as the method returns them.</summary>
    public List<Exit> Exits { get; } = [];

    /// <summary>The method's value parameters: the header's parameters, then the values defined before the loop that it uses.</summary>
    public Value[] LiveIns { get; private set; } = [];

    /// <summary>The values the loop defines and its exits or later blocks use: one <c>ref</c> parameter each, in this order.</summary>
    public Value[] LiveOuts { get; private set; } = [];

    /// <summary>An edge from a block of the loop to one outside it, and the live-outs it stores (by index into <see cref="LiveOuts"/>).</summary>
    public sealed class Exit(Block source, BlockCall call)
    {
        public Block Source { get; } = source;

        public BlockCall Call { get; } = call;

        public List<int> Stores { get; } = [];
    }

    /// <summary>
    /// The number of <paramref name="call"/> among <see cref="Exits"/>, or -1 when it stays in the loop. A search by
    /// reference: a loop has few exits.
    /// </summary>
    public int ExitOf(BlockCall call)
    {
        for (int i = 0; i < Exits.Count; i++)
            if (ReferenceEquals(Exits[i].Call, call)) return i;
        return -1;
    }

    /// <summary><c>PEJIT_OUTLINE_TRACE=1</c>: each candidate loop's outcome on standard error (outlined, or why it stays), to measure with.</summary>
    private static readonly bool Trace = Environment.GetEnvironmentVariable("PEJIT_OUTLINE_TRACE") == "1";

    /// <summary>
    /// The loops of <paramref name="graph"/> to outline, each with its <see cref="LiveIns"/>: the innermost ones first,
    /// then the outer ones (each after the loops it holds).
    /// </summary>
    /// <param name="graph">The unit's graph.</param>
    /// <param name="which">Which loops.</param>
    /// <param name="layout">Its exception regions' layout: loops must lie in the method body.</param>
    /// <param name="resolve">The CLR type of an IR type (live-outs of a byref or ref-struct type are refused).</param>
    public static List<OutlinedLoop> Find(FlowGraph graph, LoopOutlining which, RegionLayout layout, Func<IrType, Type> resolve)
    {
        var found = new List<OutlinedLoop>();
        if (which == LoopOutlining.None || graph.BlockCount < 3) return found;
        var dominators = Dominators.Compute(graph);
        var loops = NaturalLoop.Find(graph, dominators);
        bool several = which is LoopOutlining.InnermostOfSeveral or LoopOutlining.NestsOfSeveral;
        if (loops.Count == 0 || loops.Count < 2 && several) return found;
        bool nests = which is LoopOutlining.NestsOfSeveral or LoopOutlining.Every;
        // By header: 0 no nested loop, 1 only innermost ones nested, 2 deeper (never a candidate).
        var height = new int[graph.BlockCount];
        // Lists by index throughout: a list's enumerator is a type .NET loads on the first unit's path (LuaColdPathFirstTimesTests).
        for (int i = 0; i < loops.Count; i++) // each walk goes up while it raises a height: O(loops · depth)
            for (var inner = loops[i]; inner.Parent is { } parent; inner = parent)
            {
                int h = Math.Min(2, height[inner.Header.Index] + 1);
                if (height[parent.Header.Index] >= h) break;
                height[parent.Header.Index] = h;
            }

        // The candidates: innermost loops (disjoint), then, with nests, the loops holding only innermost ones (disjoint
        // too). Each block's innermost candidate and outer candidate by index (-1: none).
        var candidates = new List<OutlinedLoop>();
        var candidateAt = new int[graph.BlockCount]; // by header
        var innerOf = new int[graph.BlockCount];
        var outerOf = new int[graph.BlockCount];
        for (int b = 0; b < innerOf.Length; b++) innerOf[b] = outerOf[b] = candidateAt[b] = -1;
        for (int level = 0; level <= (nests ? 1 : 0); level++)
            for (int i = 0; i < loops.Count; i++)
            {
                if (height[loops[i].Header.Index] != level || loops[i].Header == FlowGraph.Entry) continue;
                candidateAt[loops[i].Header.Index] = candidates.Count;
                var of = level == 0 ? innerOf : outerOf;
                foreach (var block in loops[i].Blocks) of[block.Index] = candidates.Count;
                candidates.Add(new OutlinedLoop(loops[i], outer: level == 1));
            }
        if (candidates.Count == 0) return found;

        // Where each value is defined (block index; -1 for none).
        var definedIn = new int[graph.ValueCount];
        for (int v = 0; v < definedIn.Length; v++) definedIn[v] = -1;
        foreach (var block in graph.Blocks)
        {
            foreach (var parameter in graph[block].Parameters) definedIn[parameter.Index] = block.Index;
            foreach (var instruction in graph[block].Instructions)
                if (instruction.Result is { } result) definedIn[result.Index] = block.Index;
        }

        // One pass over every block: what each candidate's method needs. A value is defined in one block, so in at most one
        // innermost and one outer candidate: a flag per value and level says it is a live-out already. Live-ins are gathered
        // with repeats and made unique per candidate afterwards. Cost: O(instructions + arguments) for all the candidates.
        var size = new int[candidates.Count];
        var refusals = new string?[candidates.Count];
        var outs = new List<Value>?[candidates.Count];
        var ins = new List<Value>?[candidates.Count];
        var isInnerOut = new bool[graph.ValueCount];
        var isOuterOut = new bool[graph.ValueCount];
        foreach (var block in graph.Blocks)
        {
            int inner = innerOf[block.Index], outer = outerOf[block.Index];
            var instructions = graph[block].Instructions;
            if (layout.ContainerOf(block) != layout.Root)
            {
                Refuse(inner, "in an exception region");
                Refuse(outer, "in an exception region");
            }
            // A method's own instructions: an outer loop's method does not hold its inner loops' blocks.
            if (inner >= 0) size[inner] += instructions.Count;
            else if (outer >= 0) size[outer] += instructions.Count;
            foreach (var instruction in instructions)
            {
                if (instruction.Opcode is Opcode.LoadSlot or Opcode.StoreSlot or Opcode.SlotAddr)
                {
                    Refuse(inner, "a stack slot");
                    Refuse(outer, "a stack slot");
                }
                foreach (var operand in instruction.Operands) Used(operand, block.Index, -1);
                foreach (var target in instruction.Targets)
                {
                    int to = target.Target.Index;
                    if (inner >= 0 && innerOf[to] != inner) candidates[inner].Exits.Add(new Exit(block, target));
                    if (outer >= 0 && outerOf[to] != outer) candidates[outer].Exits.Add(new Exit(block, target));
                    foreach (var argument in target.Arguments) Used(argument, block.Index, to);
                    Entered(innerOf[to], inner);
                    Entered(outerOf[to], outer);

                    // An edge into candidate c from a block outside it: the header is entered from outside by jumps of the
                    // method body only; a block the entry does not reach may jump into the body past the header: such a
                    // loop stays.
                    void Entered(int c, int own)
                    {
                        if (c < 0 || c == own) return;
                        if (target.Target != candidates[c].Loop.Header) Refuse(c, "entered past its header");
                        else if (layout.ContainerOf(block) != layout.Root) Refuse(c, "entered from a region");
                    }
                }
            }
        }

        // Each outer candidate's inner loops (each an innermost candidate unless its header is the entry's).
        for (int i = 0; i < loops.Count; i++)
            if (loops[i].Parent is { } parent && candidateAt[parent.Header.Index] is var p and >= 0 && candidates[p].IsOuter)
            {
                if (candidateAt[loops[i].Header.Index] is var c and >= 0) candidates[p].Inner.Add(candidates[c]);
                else Refuse(p, "an inner loop stays");
            }

        // Which candidates qualify, the innermost loops first: an outer loop only when every loop it holds does.
        var inStamp = new int[graph.ValueCount];
        var fit = new bool[candidates.Count];
        for (int i = 0; i < candidates.Count; i++)
        {
            var candidate = candidates[i];
            var refusal = refusals[i] ?? (size[i] > MaximumInstructions ? "too large" : candidate.Exits.Count == 0 ? "no exit" : null);
            if (refusal is null)
                for (int k = 0; k < candidate.Inner.Count; k++) // innermost candidates come first: decided already
                    if (!fit[candidateAt[candidate.Inner[k].Loop.Header.Index]]) refusal = "an inner loop stays";
            if (refusal is null) refusal = Finish(candidate, i, outs[i], ins[i]);
            refusals[i] = refusal;
            fit[i] = refusal is null;
        }

        // Every candidate that fits, listed innermost first (ColdCode makes an inner loop's entry before its outer loop's; an
        // outer loop fits only when all its inner loops do).
        for (int i = 0; i < candidates.Count; i++)
        {
            var candidate = candidates[i];
            if (Trace) Console.Error.WriteLine($"pejit: {graph.Name}: {(candidate.IsOuter ? "outer" : "innermost")} loop at {candidate.Loop.Header}, {candidate.Loop.Blocks.Count} blocks: "
                + (refusals[i] is { } refusal ? "stays, " + refusal
                : $"outlined, {candidate.LiveIns.Length} live-ins, {candidate.LiveOuts.Length} live-outs, {candidate.Exits.Count} exits"));
            if (fit[i]) found.Add(candidate);
        }
        return found;

        void Refuse(int candidate, string why)
        {
            if (candidate >= 0) refusals[candidate] ??= why;
        }

        bool Holds(int candidate, int block) => candidate >= 0 && (innerOf[block] == candidate || outerOf[block] == candidate);

        // A use of value in block at (as an operand: to -1; as an argument of an edge to block to). The candidates holding
        // the use are those holding its block and, for an argument, the edge's target too (an exit's argument is the
        // caller's to pass): the value is a live-in of such a candidate that does not define it, and a live-out of a
        // candidate that defines it and does not hold the use.
        void Used(Value value, int at, int to)
        {
            int definer = definedIn[value.Index];
            if (definer < 0 || ColdCode.IsConstant(graph[value].DefiningInstruction)) return;
            In(innerOf[at]);
            In(outerOf[at]);
            int inner = innerOf[definer], outer = outerOf[definer];
            if (inner >= 0 && !Using(inner) && !isInnerOut[value.Index])
            {
                isInnerOut[value.Index] = true;
                (outs[inner] ??= []).Add(value);
            }
            if (outer >= 0 && !Using(outer) && !isOuterOut[value.Index])
            {
                isOuterOut[value.Index] = true;
                (outs[outer] ??= []).Add(value);
            }

            bool Using(int candidate) => Holds(candidate, at) && (to < 0 || Holds(candidate, to));

            void In(int candidate)
            {
                if (candidate >= 0 && Using(candidate) && !Holds(candidate, definer)) (ins[candidate] ??= []).Add(value);
            }
        }

        // The candidate's live-outs, its method's value parameters and what each exit stores; the reason it stays, or null.
        string? Finish(OutlinedLoop candidate, int number, List<Value>? loopOuts, List<Value>? loopIns)
        {
            int outCount = loopOuts?.Count ?? 0;
            if (outCount > MaximumLiveOuts) return $"{outCount} live-outs";
            // The live-ins, once each (gathered with repeats, a use at a time).
            var headerParameters = graph[candidate.Loop.Header].Parameters;
            int unique = 0;
            for (int k = 0; k < (loopIns?.Count ?? 0); k++)
                if (inStamp[loopIns![k].Index] != number + 1)
                {
                    inStamp[loopIns[k].Index] = number + 1;
                    loopIns[unique++] = loopIns[k];
                }
            int inCount = headerParameters.Count + unique;
            if (inCount > MaximumLiveIns) return $"{inCount} live-ins";
            // Arrays filled by index: a list copied or spread into an array takes framework generics over Value that .NET
            // compiles on the first unit's path (LuaColdPathFirstTimesTests).
            candidate.LiveOuts = new Value[outCount];
            for (int k = 0; k < outCount; k++)
            {
                var type = resolve(graph.TypeOf(loopOuts![k]));
                if (type.IsByRef || type.IsByRefLike) return "a live-out of type " + type;
                candidate.LiveOuts[k] = loopOuts[k];
            }
            var parameters = new Value[inCount];
            for (int k = 0; k < headerParameters.Count; k++) parameters[k] = headerParameters[k];
            for (int k = headerParameters.Count; k < inCount; k++) parameters[k] = loopIns![k - headerParameters.Count];
            // Each exit stores the live-outs defined where its source is dominated (the others hold nothing there).
            for (int e = 0; e < candidate.Exits.Count; e++)
                for (int k = 0; k < outCount; k++)
                    if (dominators.Dominates(new Block(definedIn[candidate.LiveOuts[k].Index]), candidate.Exits[e].Source)) candidate.Exits[e].Stores.Add(k);
            candidate.LiveIns = parameters;
            return null;
        }
    }
}

using PeJit.IR;
using PeJit.IR.Graphs;
using Opcode = PeJit.IR.Opcode;

namespace PeJit.Backends.Cil;

/// <summary>
/// An innermost loop of a unit compiled as a method of its own (<c>PEJIT_OUTLINE_LOOPS=1</c>, <see cref="LoopOutlining"/>), so that RyuJIT allocates
/// registers for the loop alone. In one large method every value live around a loop goes through the stack frame (Lua
/// <c>sieve</c>'s 17 KB unit: 7, 9 and 14 stack accesses per turn in its three loops, Docs/PERFORMANCE.md); the hand-written
/// floor's small method keeps them in registers.
/// </summary>
/// <remarks>
/// <para>The method takes the header's parameters (the entering jump's arguments), then every other value defined
/// before the loop that the loop uses (its live-ins; constants are emitted again), then one <c>ref</c> per live-out: a
/// value the loop defines that is used after it (by a block outside the loop, or as an argument of an exit edge). It
/// returns the number of the exit edge taken. At an exit edge it stores the live-outs that edge's source is dominated
/// by into their <c>ref</c>s and returns the edge's number; the unit's method, at the header's place, calls it with the
/// addresses of temporaries (so that its own locals stay unexposed), copies them into the live-outs' locals and jumps
/// along that exit edge with its arguments, as the loop would have.</para>
/// <para>Which loops: natural loops without a nested loop, in a unit with another loop (a unit whose only loop this is
/// gains nothing: its cold code is outlined already), outside every exception region (a try cannot span two methods;
/// an exception thrown in the loop leaves the unit either way, through the call), not entered at the graph's entry
/// block, using no stack slot (a local of the unit's method), of at most <see cref="MaximumInstructions"/>
/// instructions, <see cref="MaximumLiveIns"/> live-ins and <see cref="MaximumLiveOuts"/> live-outs, none of them a
/// managed pointer or a ref struct (no <c>ref</c> to one). Every exit of the unit inside the loop is an edge to a block
/// outside it (the exit's block writes the exit buffer), so it is an exit edge like any other.</para>
/// <para>Cost: dominators and natural loops, O(blocks + edges + loop bodies); then two passes over the instructions (where
/// each value is defined; what each candidate uses, defines for later and exits by), O(instructions + arguments) for all
/// candidates together, and per candidate O(exits · live-outs) dominance tests.</para>
/// </remarks>
internal sealed class OutlinedLoop
{
    /// <summary>Loops past this many instructions stay in the unit's method (a method of their own is as hard on RyuJIT).</summary>
    public const int MaximumInstructions = 2000;

    /// <summary>Values passed into the loop's method at most (arguments past a few go on the stack anyway).</summary>
    public const int MaximumLiveIns = 48;

    /// <summary>Values passed back at most.</summary>
    public const int MaximumLiveOuts = 24;

    /// <summary>
    /// Loops outlined per unit at most: each method's emitter takes arrays the size of the graph, so that more would make a
    /// unit of many loops cost its loop count times its size (CilBackendCostTests); the first in reverse post-order.
    /// </summary>
    public const int MaximumLoops = 16;

    private OutlinedLoop(NaturalLoop loop) => Loop = loop;

    /// <summary>The loop.</summary>
    public NaturalLoop Loop { get; }

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

    /// <summary><c>PEJIT_OUTLINE_TRACE=1</c>: each innermost loop's outcome on standard error (outlined, or why it stays), to measure with.</summary>
    private static readonly bool Trace = Environment.GetEnvironmentVariable("PEJIT_OUTLINE_TRACE") == "1";

    /// <summary>
    /// The loops of <paramref name="graph"/> to outline, each with its <see cref="LiveIns"/>.
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
        if (loops.Count == 0 || loops.Count < 2 && which == LoopOutlining.InnermostOfSeveral) return found;
        var hasChild = new bool[graph.BlockCount]; // by header
        foreach (var loop in loops)
            if (loop.Parent is { } parent) hasChild[parent.Header.Index] = true;

        // The candidates: innermost loops (disjoint), each block's candidate by index (-1: none).
        var candidates = new List<OutlinedLoop>();
        var loopOf = new int[graph.BlockCount];
        for (int b = 0; b < loopOf.Length; b++) loopOf[b] = -1;
        for (int i = 0; i < loops.Count; i++)
        {
            if (hasChild[loops[i].Header.Index] || loops[i].Header == FlowGraph.Entry) continue;
            foreach (var block in loops[i].Blocks) loopOf[block.Index] = candidates.Count;
            candidates.Add(new OutlinedLoop(loops[i]));
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
        // candidate: one flag per value says it is a live-out already; live-ins are gathered a loop at a time (a stamp per
        // value). Cost: O(instructions + arguments) for all the candidates together.
        var size = new int[candidates.Count];
        var refusals = new string?[candidates.Count];
        var outs = new List<Value>?[candidates.Count];
        var ins = new List<Value>?[candidates.Count];
        var isOut = new bool[graph.ValueCount];
        var inStamp = new int[graph.ValueCount];
        foreach (var block in graph.Blocks)
        {
            int own = loopOf[block.Index];
            if (own >= 0 && refusals[own] is null && layout.ContainerOf(block) != layout.Root) refusals[own] = "in an exception region";
            var instructions = graph[block].Instructions;
            if (own >= 0) size[own] += instructions.Count;
            foreach (var instruction in instructions)
            {
                if (own >= 0 && instruction.Opcode is Opcode.LoadSlot or Opcode.StoreSlot or Opcode.SlotAddr) refusals[own] ??= "a stack slot";
                foreach (var operand in instruction.Operands) Used(operand, own, exitArgument: false);
                foreach (var target in instruction.Targets)
                {
                    int into = loopOf[target.Target.Index];
                    bool exits = own >= 0 && into != own;
                    if (exits) candidates[own].Exits.Add(new Exit(block, target));
                    foreach (var argument in target.Arguments) Used(argument, own, exits);
                    if (into < 0 || into == own) continue;
                    // The header is entered from outside by jumps of the method body only; a block the entry does not reach
                    // may jump into the body past the header: such a loop stays.
                    if (target.Target != candidates[into].Loop.Header) refusals[into] ??= "entered past its header";
                    else if (layout.ContainerOf(block) != layout.Root) refusals[into] ??= "entered from a region";
                }
            }
        }

        for (int i = 0; i < candidates.Count; i++)
        {
            var candidate = candidates[i];
            var refusal = refusals[i] ?? (size[i] > MaximumInstructions ? "too large" : candidate.Exits.Count == 0 ? "no exit" : null);
            Value[]? loopIns = null;
            if (refusal is null) refusal = Finish(candidate, outs[i], ins[i], out loopIns);
            if (Trace) Console.Error.WriteLine($"pejit: {graph.Name}: loop at {candidate.Loop.Header}, {candidate.Loop.Blocks.Count} blocks: "
                + (refusal is not null ? "stays, " + refusal : $"outlined, {loopIns!.Length} live-ins, {candidate.LiveOuts.Length} live-outs, {candidate.Exits.Count} exits"));
            if (refusal is not null) continue;
            if (found.Count == MaximumLoops) break;
            found.Add(candidate);
            candidate.LiveIns = loopIns!;
        }
        return found;

        // A use of value in a block of candidate own (-1: of no candidate); exitArgument: passed along an edge out of it.
        void Used(Value value, int own, bool exitArgument)
        {
            int at = definedIn[value.Index];
            if (at < 0 || ColdCode.IsConstant(graph[value].DefiningInstruction)) return;
            int definer = loopOf[at];
            // Defined in a candidate and used after it: a live-out of that candidate.
            if (definer >= 0 && (definer != own || exitArgument))
            {
                if (!isOut[value.Index])
                {
                    isOut[value.Index] = true;
                    (outs[definer] ??= []).Add(value);
                }
            }
            // Used in a candidate and defined before it: a live-in (an exit's argument is the caller's to pass).
            if (own >= 0 && definer != own && !exitArgument && inStamp[value.Index] != own + 1)
            {
                inStamp[value.Index] = own + 1;
                (ins[own] ??= []).Add(value);
            }
        }

        // The candidate's live-outs, its method's value parameters and what each exit stores; the reason it stays, or null.
        string? Finish(OutlinedLoop candidate, List<Value>? loopOuts, List<Value>? loopIns, out Value[] parameters)
        {
            parameters = [];
            int outCount = loopOuts?.Count ?? 0;
            if (outCount > MaximumLiveOuts) return $"{outCount} live-outs";
            var headerParameters = graph[candidate.Loop.Header].Parameters;
            int inCount = headerParameters.Count + (loopIns?.Count ?? 0);
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
            parameters = new Value[inCount];
            for (int k = 0; k < headerParameters.Count; k++) parameters[k] = headerParameters[k];
            for (int k = headerParameters.Count; k < inCount; k++) parameters[k] = loopIns![k - headerParameters.Count];
            // Each exit stores the live-outs defined where its source is dominated (the others hold nothing there).
            foreach (var exit in candidate.Exits) // not on the first unit's path: only a unit with loops to outline gets here
                for (int k = 0; k < outCount; k++)
                    if (dominators.Dominates(new Block(definedIn[candidate.LiveOuts[k].Index]), exit.Source)) exit.Stores.Add(k);
            return null;
        }
    }
}

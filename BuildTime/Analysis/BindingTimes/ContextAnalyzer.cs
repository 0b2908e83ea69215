using PeJit.Frontend.Construction;
using Mono.Cecil;
using PeJit.Analysis.Diagnostics;
using PeJit.Analysis.Hints;
using PeJit.IR;

namespace PeJit.Analysis.BindingTimes;

/// <summary>
/// Binding times within one annotated graph: everything starts green and red spreads forward along data
/// flow to a fixpoint; loops whose exit is red get their carried values made red, and the fixpoint runs again.
/// </summary>
/// <remarks>
/// The rules, one per kind of operation (Docs/bta.md has them with examples):
/// 1. constants are green; entry parameters are as the signature says (the portal: as declared); the exception
///    a handler or filter starts with is red;
/// 2. a pure operation (arithmetic, comparison, conversion, type test) is green when its operands are;
/// 3. a load from a green object is green when the field is readonly or [JitImmutable], and an element or
///    the length of a green array is green (green references are promised immutable); other loads, stores,
///    allocations and addresses are red, except a read-only address of a slot (rule 7);
/// 4. calls: [Elidable] or known-pure with green arguments are green; Jit.Promote is green; residual calls
///    ([DontLookInside], opaque, recursive with no green argument, through the portal, outside the analyzed
///    assemblies, virtual on a red receiver) are red; calls of recursive helpers with a green argument are
///    unfolded while specializing and their result is red (<see cref="RecursionUnfolding"/>); other calls are
///    inlined and get the callee's return binding time for this call's signature; a call through a green
///    delegate is inlined for each member of its family, and a captured field a closure never sees change is
///    immutable (ContextAnalyzer.Delegates.cs, Docs/bta.md rule 9);
/// 5. a block parameter is red when some jump passes it a red value, except the merge point's declared
///    greens, which the green key fixes (a red value reaching one is an error, checked at the end);
/// 6. a loop, other than the dispatch loop, that can exit on a red condition has its header parameters
///    made red (generalized), unless a green exit on a carried value bounds it (<see cref="GreenLoopBound"/>);
///    a loop whose exits are all green is unrolled;
/// 7. the address of a slot (<c>slotaddr</c>) that is only read through, or read through and passed as
///    <c>this</c> to field writers (<see cref="ReadOnlyAddresses"/>, <see cref="FieldWriters"/>), is green while
///    the slot is, and does not make the slot red; a read through a green address (a load, a field, a readonly
///    member called on it) is green. A field writer called on it (a setter, the init setters of a
///    <c>with</c> expression, a small mutating method) keeps the slot green when it is inlined and its other
///    arguments are green: the specializer performs the write on its copy. Fields have binding times of their
///    own: a red value written (a red argument, a red value the writer computes, a write through an address that
///    turned red) makes the fields written red (<see cref="AnnotatedGraph.RedFieldsOf"/>), not the slot; a read
///    of the slot as a whole is red then, and so is an address through which a red field is read
///    (<see cref="FieldAccess"/>). A writer left a residual call makes the slot red as a whole, with the writer as
///    the reason; any other address written through makes the slot red, as before.
/// 8. class-green (Jit.PromoteClass, Docs/bta.md rule 10): the result of PromoteClass of a red value is red with its exact class
///    (or null) green; isinst and castclass of such a value, a block parameter every jump passes such values
///    (or greens), and a callee parameter the call passes one (signature letter C) are class-green too. On a
///    class-green value a null test (brif) is green, GetType() is green (ClassOf), and a virtual or interface
///    call is resolved while specializing like one on a green receiver (InlineVirtual, UnfoldVirtual). Anything
///    else makes the class unknown: the value is plain red.
/// 9. the address of a local that is not a struct, passed by reference (<c>ReadU(code, ref pc)</c>) and otherwise only
///    loaded and stored through (<see cref="ReferenceAddresses"/>), is green while the local is, and a by-reference
///    parameter passed green is green in the callee: loads through it are green. The local turns red when a red value
///    is stored through the address, when a call it is passed to stays residual, or when a callee stores a red value
///    through it or lets it escape (<see cref="AnnotatedGraph.ReferenceWrites"/>, which its callers read like its
///    return); the reads' reason names the address (method, IL offset, line) and the use, so a declared green made
///    red this way is PJ0007 with the place to change.
/// 10. spans of arrays (Docs/bta.md rule 12): a span method PeJit knows (<see cref="IR.Semantics.SpanMethods"/>: a span made
///    of an array, Length, IsEmpty, the indexer, Slice, BinaryPrimitives' reads, MemoryMarshal.Read) called with green
///    arguments is a green call: a span of a green array at green bounds is green, and so is what is read through it. The
///    indexer's result, an element's address, is green only when it is only read through (a load or a field load); else
///    the call is residual. With a red argument the call is residual and its reason names that argument (the span's array,
///    its start, the index), so the chain goes on to where the span went red.
///
/// Strategy: the fixpoint is a sweep over the instructions in layout order, repeated until a pass changes
/// nothing, but a pass visits only the instructions that read something that turned red since their last
/// visit (<see cref="SweepSchedule"/>): the users of a value, the loads of a slot, the calls of a callee
/// whose return turned red. A run after a callee changed therefore costs the calls of that callee and what
/// follows from them, not the whole graph: a portal with one switch case per opcode is run again for many
/// callees. The order of discovery is the full sweep's, so the reason recorded for each red value is too.
/// </remarks>
internal sealed partial class ContextAnalyzer
{
    private readonly BindingTimeAnalysis analysis;
    private readonly AnnotatedGraph graph;
    private readonly FlowGraph flow;
    private readonly PortalShape? portal;
    // Asked once, when the graph is first run; then let go (it holds the first caller's instruction).
    private Func<int, (AnnotatedGraph, Value)?>? argumentCause;
    // The merge point's declared greens (a portal's only).
    private HashSet<Value>? declaredGreen;
    private readonly bool[] redSlots;
    private readonly List<LoopFinder.Loop> loops;
    private bool initialized;

    // The instructions in sweep order; a position is an index into these, and block b holds the positions
    // from blockStart[b] up to blockStart[b + 1].
    // Every analyzer lives until the analysis ends, so its state is a few arrays, not objects per instruction.
    private readonly Instruction[] instructions;
    private readonly int[] blockStart;
    // What each position reads that can turn red: per value, the positions using it as an operand or a
    // jump argument; per slot, the positions loading it. The calls of each callee are kept by the
    // analysis (BindingTimeAnalysis.AddCall), which tells the callers when its return turns red.
    private readonly IndexLists usersOf;
    private readonly IndexLists loadsOf;
    private readonly SweepSchedule sweep;
    // Per position: a slotaddr whose address is only read through, or written through by field writers, or an
    // ldflda through such an address (rule 7).
    private bool[] readOnlyAddress;
    // The written-through addresses (rule 7): the slot each stands for; null when there are none.
    private readonly Dictionary<Value, Slot>? writtenSlotOf;
    // Per slot: why a field writer made it red (rule 7), for the reads of it; null where another rule did.
    private readonly RedReason?[] slotReasons;
    // Per slot: the address taken (where and how it is used) or the red store that made it red, named in the reads' reasons; null where another rule did.
    private readonly RedReason?[] addressReasons;
    // The merge point's declared greens that a rule makes red (a read of a red slot, say): they stay green for the
    // rest of the analysis (the green key fixes them) and Check reports each as PJ0007.
    private HashSet<Value>? declaredGreensMadeRed;
    // The addresses passed by reference that the analysis follows (rule 9, ReferenceAddresses): a slotaddr, with its
    // slot, or a by-reference parameter, with its index (slot null); null when there are none.
    private readonly Dictionary<Value, (Slot? Slot, int Parameter)>? referenceAddresses;
    // Per slot: its red fields while it is not red as a whole (rule 7), each with its reason.
    private readonly Dictionary<string, RedReason>?[] redFields;
    // Per read-only or written-through slotaddr position: the fields read through the address (rule 7), null for every field.
    private readonly Dictionary<int, IReadOnlySet<string>?>? readsThrough;
    // A struct method's stores into fields of this (rule 7), positions; null when there are none.
    private readonly List<int>? thisStores;

    // Loops: which is the dispatch loop, which loops exit on a value, which are generalized already.
    private readonly bool[] isDispatchLoop;
    private readonly HashSet<Block>? dispatchBlocks;
    private readonly IndexLists loopsExitingOn;
    private readonly bool[] generalized;
    private readonly SweepSchedule? loopSweep;

    // The values returned, in layout order, and the first of them that is red: the return binding time
    // without a scan of the graph per run.
    private readonly Value[] returned;
    private int firstRedReturn = int.MaxValue;
    // Where each returned value is first returned, for graphs with so many returns that a scan would cost.
    private readonly Dictionary<Value, int>? firstReturnOf;
    private const int ReturnsScanned = 8;

    public ContextAnalyzer(BindingTimeAnalysis analysis, AnnotatedGraph graph, PortalShape? portal,
        Func<int, (AnnotatedGraph, Value)?>? argumentCause = null)
    {
        this.analysis = analysis;
        this.graph = graph;
        flow = graph.Graph;
        this.portal = portal;
        this.argumentCause = argumentCause;
        redSlots = graph.RedSlots;
        loops = LoopFinder.Find(flow);

        int count = 0;
        for (int b = 0; b < flow.BlockCount; b++) count += flow[new Block(b)].Instructions.Count;
        instructions = new Instruction[count];
        blockStart = new int[flow.BlockCount + 1];
        for (int b = 0, next = 0; b < flow.BlockCount; b++)
        {
            blockStart[b] = next;
            foreach (var instruction in flow[new Block(b)].Instructions) instructions[next++] = instruction;
            blockStart[b + 1] = next;
        }
        var uses = new List<(int, int)>();
        var loads = new List<(int, int)>();
        var returns = new List<Value>();
        var fieldAddresses = new List<int>();
        for (int position = 0; position < instructions.Length; position++)
        {
            var instruction = instructions[position];
            foreach (var operand in instruction.Operands) uses.Add((operand.Index, position));
            foreach (var target in instruction.Targets)
                foreach (var argument in target.Arguments) uses.Add((argument.Index, position));
            if (instruction.Opcode == Opcode.LoadSlot) loads.Add((instruction.Slot.Index, position));
            if (instruction.Opcode == Opcode.SlotAddr
                && ReadOnlyAddresses.Classify(instructions, position, blockStart, analysis.IsFieldWriter, fieldAddresses) is var use and not AddressUse.Ordinary)
            {
                (readOnlyAddress ??= new bool[instructions.Length])[position] = true;
                if (use == AddressUse.WrittenThrough) (writtenSlotOf ??= graph.WrittenAddresses)[instruction.Result!.Value] = instruction.Slot;
                foreach (int field in fieldAddresses)
                {
                    readOnlyAddress[field] = true;
                    if (use == AddressUse.WrittenThrough) writtenSlotOf![instructions[field].Result!.Value] = instruction.Slot;
                }
                // Read again when the slot turns red, like a load of it.
                loads.Add((instruction.Slot.Index, position));
            }
            if (instruction is { Opcode: Opcode.Return, Operands.Count: 1 }) returns.Add(instruction.Operands[0]);
            if (instruction.Opcode == Opcode.StoreField && graph.Method.HasThis && graph.Method.DeclaringType.IsValueType && !graph.IsPortal
                && flow.Parameters.Count > 0 && instruction.Operands[0] == flow.Parameters[0])
                (thisStores ??= []).Add(position);
        }
        readOnlyAddress ??= [];
        slotReasons = graph.SlotReasons;
        addressReasons = new RedReason?[redSlots.Length];
        redFields = graph.RedFields;
        usersOf = IndexLists.Build(flow.ValueCount, uses);
        for (int position = 0; position < readOnlyAddress.Length; position++)
            if (readOnlyAddress[position] && instructions[position].Opcode == Opcode.SlotAddr
                && flow[instructions[position].Slot].Type.StackKind == StackKind.ValueType)
                (readsThrough ??= [])[position] = FieldsReadThrough(instructions[position].Result!.Value);
        // Rule 9 (Docs/bta.md rule 11): addresses of locals passed by reference, and by-reference parameters, followed by the fixpoint.
        for (int position = 0; position < instructions.Length; position++)
        {
            var instruction = instructions[position];
            if (instruction.Opcode != Opcode.SlotAddr || IsReadOnlyAddress(position) || flow[instruction.Slot].Type.StackKind == StackKind.ValueType
                || !ReferenceAddresses.IsFollowed(instructions, usersOf, instruction.Result!.Value))
                continue;
            if (readOnlyAddress.Length == 0) readOnlyAddress = new bool[instructions.Length];
            readOnlyAddress[position] = true;
            (referenceAddresses ??= [])[instruction.Result!.Value] = (instruction.Slot, -1);
            loads.Add((instruction.Slot.Index, position));
        }
        if (!graph.IsPortal)
            for (int i = graph.Method.HasThis ? 1 : 0; i < flow.Parameters.Count; i++)
                if (flow.TypeOf(flow.Parameters[i]).StackKind == StackKind.ByRef)
                    (referenceAddresses ??= [])[flow.Parameters[i]] = (null, i);
        loadsOf = IndexLists.Build(redSlots.Length, loads);
        returned = [.. returns];
        if (returned.Length > ReturnsScanned)
        {
            firstReturnOf = [];
            for (int i = 0; i < returned.Length; i++) firstReturnOf.TryAdd(returned[i], i);
        }
        sweep = new SweepSchedule(instructions.Length, analysis.PassQueue);
        sweep.ScheduleAll();

        isDispatchLoop = loops.Select(l => portal is not null && l.Blocks.Contains(portal.MergeBlock)).ToArray();
        for (int l = 0; l < loops.Count; l++)
            if (isDispatchLoop[l]) (dispatchBlocks ??= []).UnionWith(loops[l].Blocks);
        var exits = new List<(int, int)>();
        for (int l = 0; l < loops.Count; l++)
            foreach (var exit in loops[l].Exits)
                if (exit.Opcode is Opcode.BrIf or Opcode.Switch) exits.Add((exit.Operands[0].Index, l));
        loopsExitingOn = IndexLists.Build(flow.ValueCount, exits);
        generalized = new bool[loops.Count];
        loopSweep = loops.Count == 0 ? null : new SweepSchedule(loops.Count, analysis.PassQueue);
    }

    /// <summary>Runs the fixpoint from the current state (binding times only go from green to red).</summary>
    public void Run()
    {
        analysis.Statistics.GraphRuns++;
        if (!initialized) Initialize();
        do Propagate();
        while (Generalize());
        var red = firstRedReturn < returned.Length ? returned[firstRedReturn] : (Value?)null;
        graph.ReturnTime = red is null ? BindingTime.Green : BindingTime.Red;
        graph.RedReturnValue = red;
        if (graph.RedStoreThroughThis is null && thisStores is not null)
            foreach (int position in thisStores)
                if (IsRed(instructions[position].Operands[1]))
                {
                    graph.RedStoreThroughThis = instructions[position].Operands[1];
                    break;
                }
    }

    /// <summary>The annotated graph this analyzes.</summary>
    public AnnotatedGraph Graph => graph;

    /// <summary>
    /// The return binding time of the callee at <paramref name="position"/> changed: the call is visited in the
    /// next run (nothing else here reads it).
    /// </summary>
    public void CalleeReturnChanged(int position) => sweep.Schedule(position);

    private void Initialize()
    {
        initialized = true;
        var parameters = flow.Parameters;
        int offset = graph.Method.HasThis ? 1 : 0;
        for (int i = 0; i < parameters.Count; i++)
        {
            bool red = graph.IsPortal
                ? i < offset || graph.Signature[i - offset] == BindingTime.Red
                : graph.Signature[i] == BindingTime.Red;
            if (!red) continue;
            var parameter = parameters[i];
            string name = flow[parameter].Name ?? $"argument {i}";
            if (graph.IsPortal && i < offset && graph.Method.DeclaringType is { IsSealed: true, IsValueType: false })
                // `this` of an instance portal on a sealed class: never null, and of that very class, so calls on it
                // (an interpreter passing itself as a visitor) are resolved while specializing (rule 8).
                MarkClassGreen(parameter, new RedReason(RedReasonKind.DeclaredRed, $"the portal's 'this' is red, a run-time object (only its class is known: {graph.Method.DeclaringType.Name}, sealed)", null, SourceLocation.None));
            else if (graph.IsPortal)
                MarkRed(parameter, new RedReason(RedReasonKind.DeclaredRed, $"the portal parameter '{name}' is not declared green", null, SourceLocation.None));
            else
            {
                var cause = argumentCause?.Invoke(i);
                var reason = new RedReason(RedReasonKind.RedArgument, $"a caller passes '{name}' red", cause?.Item2, SourceLocation.None, cause?.Item1);
                if (graph.Signature.IsClassGreen(i)) MarkClassGreen(parameter, reason);
                else MarkRed(parameter, reason);
            }
        }
        argumentCause = null;
        // The exception a handler or filter starts with (its entry's parameter) is a run-time value: no jump passes
        // it, so rule 5 would leave it green.
        foreach (var region in flow.Regions)
            foreach (var entry in new[] { flow[region].Handler, flow[region].Filter })
                if (entry is { } block && flow.IsValid(block))
                    foreach (var parameter in flow[block].Parameters)
                        MarkRed(parameter, new RedReason(RedReasonKind.CaughtException, $"the exception {block} catches", null, SourceLocation.None));
        if (portal is null) return;
        for (int i = 0; i < portal.Variables.Count; i++)
        {
            var value = portal.Variables[i];
            if (i < portal.GreenCount) (declaredGreen ??= []).Add(value);
            else
            {
                var declaredRed = new RedReason(RedReasonKind.DeclaredRed, $"'{flow[value].Name ?? MergeSlotName(value)}' is declared red at the merge point", null, portal.MergePoint.Location);
                if (graph.Times[value.Index] == BindingTime.Green) MarkRed(value, declaredRed);
                // A red kept in a slot (its address goes to a helper: `Branch(ref sp)`) is red in the slot itself, not only
                // in the merge point's read of it: every other read of the slot in the loop must be red too. Left green,
                // the specializer read the slot's green contents, which a key never sets (the local's value before the loop).
                if (flow[value].DefiningInstruction is { Opcode: Opcode.LoadSlot } load && !redSlots[load.Slot.Index])
                    MarkSlotRed(load.Slot, declaredRed);
            }
        }
    }

    /// <summary>The local a merge-point argument read from a slot is (the PDB's name), for a reason's message.</summary>
    private string MergeSlotName(Value value) =>
        flow[value].DefiningInstruction is { Opcode: Opcode.LoadSlot } load ? flow[load.Slot].Name ?? load.Slot.ToString() : value.ToString();

    /// <summary>Makes a value red and schedules what reads it: its users, and the loops that exit on it.</summary>
    private void MarkRed(Value value, RedReason reason) => MarkRed(value, reason, classGreen: false);

    /// <summary>Makes a value red with its class green (rule 8), or, when it was, plain red: its users are visited again either way.</summary>
    private void MarkClassGreen(Value value, RedReason reason) => MarkRed(value, reason, classGreen: true);

    private void MarkRed(Value value, RedReason reason, bool classGreen)
    {
        graph.Times[value.Index] = BindingTime.Red;
        graph.Reasons[value.Index] = reason;
        graph.ClassGreen[value.Index] = classGreen;
        foreach (int position in usersOf[value.Index]) sweep.Schedule(position);
        foreach (int loop in loopsExitingOn[value.Index]) loopSweep!.Schedule(loop);
        if (firstReturnOf is not null)
        {
            if (firstReturnOf.TryGetValue(value, out int index)) firstRedReturn = Math.Min(firstRedReturn, index);
        }
        else
        {
            for (int i = 0; i < returned.Length && i < firstRedReturn; i++)
                if (returned[i] == value) firstRedReturn = i;
        }
    }

    private bool IsReadOnlyAddress(int position) => position < readOnlyAddress.Length && readOnlyAddress[position];

    private bool IsRed(Value value) => graph.Times[value.Index] == BindingTime.Red;

    private bool IsClassGreen(Value value) => graph.ClassGreen[value.Index];

    private bool IsDeclaredGreen(Value value) => declaredGreen?.Contains(value) == true;

    /// <summary>The block holding <paramref name="position"/>: the last one starting at or before it (empty blocks start where the next does).</summary>
    private Block BlockAt(int position)
    {
        int low = 0, high = blockStart.Length - 2;
        while (low < high)
        {
            int middle = (low + high + 1) / 2;
            if (blockStart[middle] <= position) low = middle;
            else high = middle - 1;
        }
        return new Block(low);
    }

    private void Propagate()
    {
        while (sweep.HasNextPass) sweep.RunPass(Visit);
    }

    private void Visit(int position)
    {
        analysis.Statistics.InstructionVisits++;
        var instruction = instructions[position];
        var reason = Rule(instruction, position);
        if (instruction.Result is { } declared && reason is not null && IsDeclaredGreen(declared))
        {
            // The green key fixes it, but the rule says the value is red where the merge point reads it: an error (Check).
            if ((declaredGreensMadeRed ??= []).Add(declared)) graph.Reasons[declared.Index] = reason;
        }
        else if (instruction.Result is { } result && reason is not null)
        {
            // Green → class-green → red (rule 8): a class-green result loses its class when the rule no longer keeps it.
            if (!IsRed(result))
            {
                if (KeepsClass(instruction)) MarkClassGreen(result, reason);
                else MarkRed(result, reason);
            }
            else if (IsClassGreen(result) && !KeepsClass(instruction))
                MarkRed(result, reason);
        }
        if (instruction.Opcode == Opcode.SlotAddr && !IsReadOnlyAddress(position) && !redSlots[instruction.Slot.Index])
        {
            addressReasons[instruction.Slot.Index] = AddressTaken(instruction);
            MarkSlotRed(instruction.Slot, null);
        }
        if (instruction.Opcode == Opcode.StoreSlot && IsRed(instruction.Operands[0]) && !redSlots[instruction.Slot.Index])
        {
            // Named in the reads' reasons, with the value stored, so the chain goes on to the red root.
            addressReasons[instruction.Slot.Index] = new RedReason(RedReasonKind.MutableMemory,
                $"a read of {SlotAndName(instruction.Slot)}, which is stored the red {Describe(instruction.Operands[0])} at line {instruction.Location.Line}", instruction.Operands[0], instruction.Location);
            MarkSlotRed(instruction.Slot, null);
        }
        if (writtenSlotOf is not null && instruction.Operands.Count > 0 && writtenSlotOf.TryGetValue(instruction.Operands[0], out var written)
            && !redSlots[written.Index])
        {
            if (NullableWriteReason(instruction, written) is { } nullable) MarkSlotRed(written, nullable);
            else if (WriterReason(instruction, written) is { } writer) MarkSlotRed(written, writer);
            else if (RedWrite(instruction, written) is (var fields, { } why))
            {
                // Every field red: the struct is red as a whole.
                if (fields is null) MarkSlotRed(written, why);
                else MarkFieldsRed(written, fields, why);
            }
        }
        if (referenceAddresses is not null) FollowReferences(instruction);
        foreach (var target in instruction.Targets)
        {
            var parameters = flow[target.Target].Parameters;
            for (int i = 0; i < target.Arguments.Count && i < parameters.Count; i++)
            {
                var argument = target.Arguments[i];
                var parameter = parameters[i];
                if (!IsRed(argument) || IsDeclaredGreen(parameter)) continue;
                // Class-green while every jump passes a green or class-green value (rule 8).
                if (IsRed(parameter) && (!IsClassGreen(parameter) || IsClassGreen(argument))) continue;
                var incoming = new RedReason(RedReasonKind.RedIncoming,
                    $"{BlockAt(position)} passes the red {Describe(argument)} to it", argument, instruction.Location);
                if (!IsRed(parameter) && IsClassGreen(argument)) MarkClassGreen(parameter, incoming);
                else MarkRed(parameter, incoming);
            }
        }
    }

    // How the reasons of RedReasonKind.AddressTaken say it.
    private const string AddressTakenPhrase = "whose address is taken";

    /// <summary>
    /// Why the slot whose address <paramref name="slotAddress"/> takes is red: the address is used where the analysis
    /// does not follow what is written through it. Names the place (method, IL offset, line) and the first such use,
    /// so a declared green made red this way (PJ0007) says what to change.
    /// </summary>
    private RedReason AddressTaken(Instruction slotAddress)
    {
        var address = slotAddress.Result!.Value;
        string use = "used where the analysis does not follow the writes through it";
        foreach (int user in usersOf[address.Index])
        {
            var instruction = instructions[user];
            if (instruction.Opcode is Opcode.Call or Opcode.CallVirt or Opcode.NewObject)
            {
                use = $"passed by reference to {instruction.Method!.DeclaringTypeName}::{instruction.Method.Name} (line {instruction.Location.Line}), which may write a value the analysis does not see through it";
                break;
            }
            if (instruction.Opcode == Opcode.Store && instruction.Operands[0] == address) { use = $"written through (line {instruction.Location.Line})"; break; }
            if (instruction.Targets.Any(t => t.Arguments.Contains(address))) { use = $"passed to {string.Join(", ", instruction.Targets.Select(t => t.Target))}"; break; }
            if (instruction.Opcode != Opcode.Load) { use = $"used by {instruction.Info.Name} (line {instruction.Location.Line})"; break; }
        }
        return Root(RedReasonKind.AddressTaken,
            $"a read of {SlotAndName(slotAddress.Slot)}, {AddressTakenPhrase} at {BindingTimeAnalysis.MethodName(graph.Method)} IL_{slotAddress.Location.ILOffset:x4} (line {slotAddress.Location.Line}) and {use}",
            slotAddress);
    }

    /// <summary>
    /// Rule 9 (Docs/bta.md rule 11): a use of an address passed by reference that may write a red value through it (a red store, a call
    /// left residual, a callee that does either, a use the analysis does not follow) makes its local red, or, for a
    /// by-reference parameter, is recorded for the callers (<see cref="AnnotatedGraph.ReferenceWrites"/>). Visited
    /// again when an operand turns red, and a call when its callee's writes change.
    /// </summary>
    private void FollowReferences(Instruction instruction)
    {
        foreach (var target in instruction.Targets)
            foreach (var argument in target.Arguments)
                if (referenceAddresses!.ContainsKey(argument) && !IsRed(argument))
                    ReferenceWrittenRed(argument, Root(RedReasonKind.MutableMemory, $"passed on to {target.Target}, where the analysis does not follow it", instruction));
        for (int k = 0; k < instruction.Operands.Count; k++)
        {
            var address = instruction.Operands[k];
            if (!referenceAddresses!.ContainsKey(address) || IsRed(address)) continue;
            RedReason? why = null;
            switch (instruction.Opcode)
            {
                case Opcode.Load when k == 0:
                    break;
                case Opcode.Store when k == 0 && instruction.Operands[1] != address:
                    if (IsRed(instruction.Operands[1]))
                        why = new RedReason(RedReasonKind.MutableMemory, $"the red {Describe(instruction.Operands[1])} is stored through it (line {instruction.Location.Line})",
                            instruction.Operands[1], instruction.Location);
                    break;
                case Opcode.Call or Opcode.CallVirt when ReferenceAddresses.IsReferenceArgument(instruction, k) && graph.Calls.TryGetValue(instruction, out var decision):
                {
                    string callee = $"{instruction.Method!.DeclaringTypeName}::{instruction.Method.Name}";
                    if (decision.Treatment is not (CallTreatment.Inline or CallTreatment.InlineVirtual))
                    {
                        why = Root(RedReasonKind.ResidualCall, $"passed by reference to {callee} (line {instruction.Location.Line}), which stays a residual call ({decision.Reason}), so the analysis does not see what it writes", instruction);
                        break;
                    }
                    foreach (var inlined in decision.Targets)
                        if (inlined.ReferenceWrites.TryGetValue(k, out var inside))
                        {
                            why = new RedReason(RedReasonKind.MutableMemory, $"passed by reference to {inlined.Name} (line {instruction.Location.Line}), where it is {inside.Message}",
                                inside.Cause, instruction.Location, inside.Cause is null ? null : inside.CauseGraph ?? inlined);
                            break;
                        }
                    break;
                }
                default:
                    why = Root(RedReasonKind.MutableMemory, $"used by {instruction.Info.Name} (line {instruction.Location.Line}), where the analysis does not follow writes through it", instruction);
                    break;
            }
            if (why is not null) ReferenceWrittenRed(address, why);
        }
    }

    /// <summary>Rule 9 (Docs/bta.md rule 11): something may write a red value through <paramref name="address"/>: its local turns red, or the callers learn it.</summary>
    private void ReferenceWrittenRed(Value address, RedReason why)
    {
        var (slot, parameter) = referenceAddresses![address];
        if (slot is { } local)
        {
            if (redSlots[local.Index]) return;
            var taken = flow[address].DefiningInstruction!;
            addressReasons[local.Index] = why with
            {
                Kind = RedReasonKind.AddressTaken,
                Message = $"a read of {SlotAndName(local)}, {AddressTakenPhrase} at {BindingTimeAnalysis.MethodName(graph.Method)} IL_{taken.Location.ILOffset:x4} (line {taken.Location.Line}) and {why.Message}",
            };
            MarkSlotRed(local, null);
        }
        else graph.ReferenceWrites.TryAdd(parameter, why);
    }

    private void MarkSlotRed(Slot slot, RedReason? reason)
    {
        redSlots[slot.Index] = true;
        slotReasons[slot.Index] = reason;
        foreach (int load in loadsOf[slot.Index]) sweep.Schedule(load);
    }

    /// <summary>
    /// Why a <c>Nullable&lt;T&gt;</c> local written through its address (<c>initobj</c>, its constructor: what C# makes of
    /// <c>cond ? x : null</c>) is red: the specializer performs a green write on its boxed copy of the struct, and a boxed
    /// <c>Nullable&lt;T&gt;</c> is null or a boxed <c>T</c>, never the struct, so there is nothing to write into. Null for
    /// any other write or local.
    /// </summary>
    private RedReason? NullableWriteReason(Instruction write, Slot slot)
    {
        if (!flow[slot].Type.Name.StartsWith("System.Nullable`1", StringComparison.Ordinal)) return null;
        bool writes = write.Opcode == Opcode.InitObj || write.Opcode is Opcode.Call && write.Method is { Name: ".ctor" };
        return writes ? Root(RedReasonKind.MutableMemory,
            $"the Nullable<T> {SlotName(slot)} is written through its address, which the specializer cannot do on its copy (a boxed Nullable<T> is null or its value)", write) : null;
    }

    /// <summary>
    /// Why the write at <paramref name="call"/> (a call on a written-through address of <paramref name="slot"/>, or a
    /// <c>stfld</c>, <c>store</c> or <c>initobj</c> through it) makes the slot red as a whole: a field writer left a
    /// residual call, so the specializer cannot perform the write (rule 7); null otherwise (<see cref="RedWrite"/>
    /// says which fields it makes red).
    /// </summary>
    private RedReason? WriterReason(Instruction call, Slot slot)
    {
        if (call.Opcode is not (Opcode.Call or Opcode.CallVirt) || ReadOnlyAddresses.Callee(call) is not { } callee || !analysis.IsFieldWriter(callee)) return null;
        if (graph.Calls.TryGetValue(call, out var decision) && decision.Treatment != CallTreatment.Inline)
            return Root(RedReasonKind.MutableMemory,
                $"the struct {SlotName(slot)} is written through its address by {call.Method!.Name}, which stays a residual call ({decision.Reason}), so the specializer cannot perform the write", call);
        return null;
    }

    /// <summary>
    /// The fields of <paramref name="slot"/> the write at <paramref name="write"/> makes red, and why (rule 7): those it
    /// writes when it writes a red value, or when the address it writes through is red (residual code writes the
    /// struct then, the specializer does not see it); (null, reason) when that is every field (an <c>initobj</c>, a
    /// writer whose fields are not known); (null, null) while the write keeps the fields green. Visited again when
    /// an operand turns red (it is a use of each).
    /// </summary>
    private (IReadOnlyCollection<string>? Fields, RedReason? Reason) RedWrite(Instruction write, Slot slot)
    {
        string name = SlotName(slot);
        const string Apart = "a struct local's fields have binding times of their own: its other fields stay green, the struct read or passed as a whole is red";
        var address = write.Operands[0];
        IReadOnlyCollection<string>? fields;
        string writer;
        Value? red = IsRed(address) ? address : null;
        switch (write.Opcode)
        {
            case Opcode.InitObj:
                fields = null;
                writer = "initobj";
                break;
            case Opcode.Store when flow[address].DefiningInstruction is { Opcode: Opcode.FieldAddr, Field: { } field }:
                fields = [field.Name];
                writer = "a store";
                red ??= IsRed(write.Operands[1]) ? write.Operands[1] : null;
                break;
            case Opcode.StoreField:
                fields = [write.Field!.Name];
                writer = "a store";
                red ??= IsRed(write.Operands[1]) ? write.Operands[1] : null;
                break;
            case Opcode.Call or Opcode.CallVirt when ReadOnlyAddresses.Callee(write) is { } callee && analysis.IsFieldWriter(callee):
                fields = analysis.FieldAccessOf(callee).Writes;
                writer = write.Method!.Name;
                for (int i = 1; i < write.Operands.Count && red is null; i++)
                    if (IsRed(write.Operands[i])) red = write.Operands[i];
                // Green arguments, but a red value computed inside (a helper it calls reads mutable memory).
                if (red is null && graph.Calls.TryGetValue(write, out var inlined)
                    && inlined.Targets.FirstOrDefault(t => t.RedStoreThroughThis is not null) is { } computing)
                {
                    string inside = $"{(fields is null ? "every field" : $"the field{(fields.Count == 1 ? "" : "s")} {string.Join(", ", fields.Select(FieldAccess.DisplayName))}")} of the struct {name} "
                        + $"{(fields?.Count == 1 ? "is" : "are")} red: {writer} writes a red value it computes into {(fields?.Count == 1 ? "it" : "them")} ({Apart})";
                    return (fields, new RedReason(RedReasonKind.MutableMemory, inside, computing.RedStoreThroughThis, write.Location, computing));
                }
                break;
            default:
                return (null, null);
        }
        if (red is not { } cause) return (null, null);
        string what = fields is null ? "every field" : $"the field{(fields.Count == 1 ? "" : "s")} {string.Join(", ", fields.Select(FieldAccess.DisplayName))}";
        string message = cause == address
            ? $"{what} of the struct {name} {(fields?.Count == 1 ? "is" : "are")} written by {writer} through an address the residual code holds ({Describe(address)} is red), so the specializer does not see the write ({Apart})"
            : $"{what} of the struct {name} {(fields?.Count == 1 ? "is" : "are")} red: {writer} writes the red {Describe(cause)} into {(fields?.Count == 1 ? "it" : "them")} ({Apart})";
        return (fields, new RedReason(RedReasonKind.MutableMemory, message, cause, write.Location));
    }

    /// <summary>Makes fields of a struct local red (rule 7) and visits again what reads the local: its loads and its addresses.</summary>
    private void MarkFieldsRed(Slot slot, IReadOnlyCollection<string> fields, RedReason reason)
    {
        var red = redFields[slot.Index] ??= [];
        bool changed = false;
        foreach (var field in fields) changed |= red.TryAdd(field, reason);
        if (!changed) return;
        foreach (int load in loadsOf[slot.Index]) sweep.Schedule(load);
    }

    /// <summary>Why a read of a struct local with a red field is red: the field's write is the cause.</summary>
    private RedReason RedFieldRead(Instruction read, KeyValuePair<string, RedReason> field, string how) =>
        new(RedReasonKind.MutableMemory, $"the struct {SlotName(read.Slot)} {how} its red field {FieldAccess.DisplayName(field.Key)}", field.Value.Cause, read.Location, field.Value.CauseGraph);

    /// <summary>
    /// The fields read through the slot address <paramref name="address"/> (rule 7): a field load, a load through a
    /// field's address, a struct method called on it (<see cref="BindingTimeAnalysis.FieldAccessOf"/>); null when
    /// the whole struct may be read (a load of it, an <c>in</c> argument, a method that passes <c>this</c> on).
    /// </summary>
    private IReadOnlySet<string>? FieldsReadThrough(Value address)
    {
        var reads = new HashSet<string>();
        foreach (int position in usersOf[address.Index])
        {
            var use = instructions[position];
            switch (use.Opcode)
            {
                case Opcode.LoadField when use.Operands[0] == address:
                    reads.Add(use.Field!.Name);
                    break;
                case Opcode.StoreField or Opcode.InitObj when use.Operands[0] == address && (use.Operands.Count < 2 || use.Operands[1] != address):
                    break;
                case Opcode.FieldAddr when use.Operands[0] == address:
                    foreach (int inner in usersOf[use.Result!.Value.Index])
                        if (instructions[inner].Opcode == Opcode.Load) reads.Add(use.Field!.Name);
                        else if (instructions[inner] is not { Opcode: Opcode.Store } store || store.Operands[1] == use.Result) return null;
                    break;
                case Opcode.Call or Opcode.CallVirt when use.Operands[0] == address && ReadOnlyAddresses.Callee(use) is { HasThis: true } callee && !use.Operands.Skip(1).Contains(address):
                    if (analysis.FieldAccessOf(callee).Reads is not { } read) return null;
                    reads.UnionWith(read);
                    break;
                default:
                    return null;
            }
        }
        return reads;
    }

    private string SlotName(Slot slot) => flow[slot].Name is { } n ? $"'{n}'" : slot.ToString();

    /// <summary>The slot, then its source name when it has one: <c>slot0 ('pc')</c>.</summary>
    private string SlotAndName(Slot slot) => flow[slot].Name is { } n ? $"{slot} ('{n}')" : slot.ToString();

    /// <summary>One pass over the loops whose exit turned red, in order; true when it made something red.</summary>
    private bool Generalize()
    {
        bool changed = false;
        if (loopSweep is { HasNextPass: true }) loopSweep.RunPass(l => changed |= Generalize(l));
        return changed;
    }

    private bool Generalize(int index)
    {
        if (isDispatchLoop[index] || generalized[index]) return false;
        var loop = loops[index];
        var exit = loop.Exits.FirstOrDefault(e => e.Opcode is Opcode.BrIf or Opcode.Switch && IsRed(e.Operands[0]));
        if (exit is null) return false;
        // Still bounded by a green exit: unrolled; looked at again if that exit turns red (it is an exit operand).
        if (GreenLoopBound.HasGreenBound(flow, loop, IsRed)) return false;
        // Every carried value is red (or a declared green) from here on, so nothing about this loop changes again.
        generalized[index] = true;
        bool changed = false;
        foreach (var parameter in flow[loop.Header].Parameters)
        {
            if (IsRed(parameter) || IsDeclaredGreen(parameter)) continue;
            MarkRed(parameter, new RedReason(RedReasonKind.GeneralizedLoop,
                $"carried around a loop that exits on the red {Describe(exit.Operands[0])}, so made red for specialization to terminate",
                exit.Operands[0], exit.Location));
            changed = true;
        }
        return changed;
    }

    private string Describe(Value value) => flow[value].Name is { } name ? $"{value} ('{name}')" : value.ToString();

    private RedReason? FromOperands(Instruction instruction, IEnumerable<Value> operands)
    {
        foreach (var operand in operands)
            if (IsRed(operand))
                return new RedReason(RedReasonKind.RedOperand, $"{instruction.Info.Name} of the red {Describe(operand)}", operand, instruction.Location);
        return null;
    }

    private static RedReason Root(RedReasonKind kind, string message, Instruction instruction) =>
        new(kind, message, null, instruction.Location);

    /// <summary>
    /// For an instruction whose result is red: true when its class stays green (rule 8): Jit.PromoteClass, and
    /// a type test or cast of a class-green value (the same object, or null, decided by the class).
    /// </summary>
    private bool KeepsClass(Instruction instruction) => instruction.Opcode switch
    {
        Opcode.IsInst or Opcode.CastClass => IsClassGreen(instruction.Operands[0]),
        Opcode.Call => graph.Calls.TryGetValue(instruction, out var call) && call.Treatment == CallTreatment.PromoteClass,
        _ => false,
    };

    /// <summary>Null when the instruction's result is green; else why it is red.</summary>
    /// <remarks>
    /// Reads only what the fixpoint tracks (see the strategy above): a rule that read anything else that
    /// changes would not be visited again when it does.
    /// </remarks>
    private RedReason? Rule(Instruction instruction, int position)
    {
        switch (instruction.Opcode)
        {
            case Opcode.Const or Opcode.Null or Opcode.String or Opcode.Token or Opcode.Default or Opcode.SizeOf or Opcode.LoadFunction:
                return null;
            case Opcode.LoadSlot:
                if (redSlots[instruction.Slot.Index] && slotReasons[instruction.Slot.Index] is { } written) return written with { Location = instruction.Location };
                if (redSlots[instruction.Slot.Index] && addressReasons[instruction.Slot.Index] is { } taken) return taken with { Location = instruction.Location };
                if (!redSlots[instruction.Slot.Index] && redFields[instruction.Slot.Index] is { Count: > 0 } red)
                    return RedFieldRead(instruction, red.First(), "is read as a whole, with");
                return redSlots[instruction.Slot.Index]
                    ? Root(RedReasonKind.MutableMemory, $"a read of {instruction.Slot} ('{flow[instruction.Slot].Name}'), which is stored red or has its address taken", instruction)
                    : null;
            case Opcode.LoadField:
            {
                var target = instruction.Operands[0];
                if (IsRed(target)) return FromOperands(instruction, [target]);
                var type = flow.TypeOf(target);
                bool valueRead = type.StackKind == StackKind.ValueType;
                var field = instruction.Field!.Cecil is { } reference ? MemberFacts.TryResolve(reference) : null;
                // Read on a closure object (not through the address of a struct closure, which rule 7 covers).
                bool captured = field is { IsStatic: false } && !valueRead && type.StackKind != StackKind.ByRef
                    && DelegateFamilies.IsCompilerGenerated(field.DeclaringType);
                if (captured) analysis.NoteCapturedRead(field!);
                // A green address is a read-only address of a green slot (rule 7): what it points at is green.
                if (valueRead || type.StackKind == StackKind.ByRef || (field is not null && (MemberFacts.IsImmutable(field) || IsFixedCapture(field)))) return null;
                if (captured) return Root(RedReasonKind.MutableMemory, CapturedReadReason(field!), instruction);
                return Root(RedReasonKind.MutableMemory,
                    $"a read of the mutable field {instruction.Field!.Name} (not readonly or [JitImmutable])", instruction);
            }
            case Opcode.LoadStatic:
            {
                var field = instruction.Field!.Cecil is { } reference ? MemberFacts.TryResolve(reference) : null;
                return field is not null && (MemberFacts.IsImmutable(field) || IsFixedCapture(field))
                    ? null
                    : Root(RedReasonKind.MutableMemory, $"a read of the mutable static field {instruction.Field!.Name}", instruction);
            }
            case Opcode.LoadElement or Opcode.ArrayLength:
                return FromOperands(instruction, instruction.Operands);
            case Opcode.NewArray or Opcode.Box:
                return Root(RedReasonKind.Allocation, $"a new object ({instruction.Info.Name}), made when the residual code runs", instruction);
            case Opcode.SlotAddr when IsReadOnlyAddress(position):
                if (redSlots[instruction.Slot.Index] && slotReasons[instruction.Slot.Index] is { } writtenRed) return writtenRed with { Location = instruction.Location };
                // A local stored a red value (a span of a red array): the chain goes on to that value, as a read of the local's does.
                if (redSlots[instruction.Slot.Index] && addressReasons[instruction.Slot.Index] is { Cause: not null } storedRed) return storedRed with { Location = instruction.Location };
                if (!redSlots[instruction.Slot.Index] && redFields[instruction.Slot.Index] is { Count: > 0 } fieldsRed && readsThrough is not null
                    && readsThrough.TryGetValue(position, out var reads) && fieldsRed.FirstOrDefault(f => reads is null || reads.Contains(f.Key)) is { Value: not null } readRed)
                    return RedFieldRead(instruction, readRed, "has its address used to read");
                return redSlots[instruction.Slot.Index]
                    ? Root(RedReasonKind.MutableMemory, $"the address of {instruction.Slot} ('{flow[instruction.Slot].Name}'), which is stored red or written through", instruction)
                    : null;
            case Opcode.FieldAddr when IsReadOnlyAddress(position):
                // The address of a field of a green struct local (rule 7): green while the local's address is.
                return FromOperands(instruction, instruction.Operands);
            case Opcode.ElementAddr when instruction.Operands.Any(IsRed):
            {
                // An element of a red array (a control stack, a frame stack) or at a red index: the chain goes on to that
                // operand's root, so the advice can name the array the user wrote (`ref Label label = ref labels[...]`).
                var redOperand = instruction.Operands.First(IsRed);
                return new RedReason(RedReasonKind.RedOperand,
                    $"the address of an element ({instruction.Info.Name}) of {(redOperand == instruction.Operands[0] ? "the red array " : "an array at the red index ")}{Describe(redOperand)}",
                    redOperand, instruction.Location);
            }
            case Opcode.SlotAddr or Opcode.FieldAddr or Opcode.StaticAddr or Opcode.ElementAddr or Opcode.Unbox:
                return Root(RedReasonKind.Allocation, $"an address ({instruction.Info.Name}) of memory that may change", instruction);
            case Opcode.Load when flow.TypeOf(instruction.Operands[0]).StackKind == StackKind.ByRef && !IsRed(instruction.Operands[0]):
                // Only a read-only address of a green slot is green (rule 7).
                return null;
            case Opcode.Load when flow[instruction.Operands[0]].DefiningInstruction is { Method: { } indexer } && IR.Semantics.SpanMethods.Knows(indexer):
                // An element read through a red span (rule 10): the chain goes on to why the span, or the index, is red.
                return FromOperands(instruction, instruction.Operands);
            case Opcode.Load:
                return Root(RedReasonKind.MutableMemory, "a read through an address", instruction);
            case Opcode.NewObject or Opcode.Call or Opcode.CallVirt or Opcode.ConstrainedCall:
                return CallRule(instruction, position);
            default:
                // Pure operations, conversions, comparisons, type tests, unboxing and loads of immutable data.
                return instruction.Result is null ? null : FromOperands(instruction, instruction.Operands);
        }
    }

    private RedReason? CallRule(Instruction instruction, int position)
    {
        var decision = Decide(instruction);
        // Registered once per set of targets: a visit with the same signature finds the same contexts.
        if (!graph.Calls.TryGetValue(instruction, out var previous) || !previous.Targets.SequenceEqual(decision.Targets))
            foreach (var target in decision.Targets)
                analysis.AddCall(target, this, position);
        graph.Calls[instruction] = decision;
        if (instruction.Result is null) return null;
        switch (decision.Treatment)
        {
            case CallTreatment.GreenCall or CallTreatment.Promote or CallTreatment.ClassOf:
                return null;
            case CallTreatment.PromoteClass:
                return IsRed(instruction.Operands[0])
                    ? new RedReason(RedReasonKind.PromotedClass, $"Jit.PromoteClass of the red {Describe(instruction.Operands[0])}: the reference stays red, its class is green",
                        instruction.Operands[0], instruction.Location)
                    : null;
            case CallTreatment.Unfold or CallTreatment.UnfoldVirtual:
                return Root(RedReasonKind.ResidualCall, RecursionUnfolding.RedResult, instruction);
            case CallTreatment.Inline or CallTreatment.InlineVirtual or CallTreatment.InlineDelegate:
            {
                if (DelegateResultReason(instruction, decision) is { } excluded) return excluded;
                var red = decision.Targets.FirstOrDefault(t => t.ReturnTime == BindingTime.Red);
                return red is null ? null : new RedReason(RedReasonKind.RedReturn,
                    $"returned red by {red.Name}", red.RedReturnValue, instruction.Location, red);
            }
            case CallTreatment.Residual when IR.Semantics.SpanMethods.Classify(instruction.Method!) is not IR.Semantics.SpanOperation.None and var span
                                             && SpanArgumentReason(instruction, span) is { } spanReason:
                return spanReason;
            default:
                return Root(decision.Treatment is CallTreatment.Allocation or CallTreatment.InlineConstructor ? RedReasonKind.Allocation : RedReasonKind.ResidualCall,
                    $"the result of a residual call to {instruction.Method!.Name}: {decision.Reason}", instruction);
        }
    }

    /// <summary>Whether every use of the address <paramref name="address"/> only reads through it (a load or a field load).</summary>
    private bool OnlyReadThrough(Value address)
    {
        foreach (int position in usersOf[address.Index])
            if (instructions[position] is not { Opcode: Opcode.Load or Opcode.LoadField } read || read.Operands[0] != address || read.Operands.Count != 1)
                return false;
        return true;
    }

    /// <summary>
    /// Why a span method's result is red when one of its arguments is (rule 10): that argument, named by its role (the array a
    /// span is made of, its start or length, the span itself, an index), so the chain goes on to where it went red.
    /// </summary>
    private RedReason? SpanArgumentReason(Instruction instruction, IR.Semantics.SpanOperation span)
    {
        for (int i = 0; i < instruction.Operands.Count; i++)
        {
            var operand = instruction.Operands[i];
            if (!IsRed(operand)) continue;
            bool made = span is IR.Semantics.SpanOperation.FromArray or IR.Semantics.SpanOperation.FromArrayStart or IR.Semantics.SpanOperation.FromArrayRange;
            int first = made && instruction.Opcode != Opcode.NewObject && instruction.Method!.HasThis ? 1 : 0;
            string role = made
                ? (i - first) switch { 0 => "the array of the span", 1 => "the span's start", _ => "the span's length" }
                : i == 0 ? (instruction.Method!.HasThis ? "the span (its address)" : "the span") : span == IR.Semantics.SpanOperation.Item ? "the index" : "the slice's bounds";
            return new RedReason(RedReasonKind.RedOperand,
                $"{instruction.Method!.Name} of a span, whose argument {role} is the red {Describe(operand)}: a span is green only over a green array at green bounds",
                operand, instruction.Location);
        }
        return null;
    }

    private CallDecision Decide(Instruction instruction)
    {
        var method = instruction.Method!;
        bool allGreen = instruction.Operands.All(o => !IsRed(o));
        if (method.DeclaringTypeName == HintNames.JitClass)
            switch (method.Name)
            {
                case HintNames.MergePoint: return CallDecision.Of(CallTreatment.MergePoint, "the head of the dispatch loop");
                case HintNames.CanEnterJit: return CallDecision.Of(CallTreatment.CanEnterJit, "a backward jump of the interpreted program");
                case HintNames.Promote: return CallDecision.Of(CallTreatment.Promote, "Jit.Promote: the residual code switches on the value");
                case HintNames.PromoteClass: return CallDecision.Of(CallTreatment.PromoteClass, "Jit.PromoteClass: the residual code guards on the value's class");
                case HintNames.AssertGreen: return CallDecision.Of(CallTreatment.AssertGreen, "checked by the analysis");
            }
        if (IR.Semantics.SpanMethods.Classify(method) is not IR.Semantics.SpanOperation.None and var span)
        {
            if (allGreen && (span != IR.Semantics.SpanOperation.Item || OnlyReadThrough(instruction.Result!.Value)))
                return CallDecision.Of(CallTreatment.GreenCall, "a span of a green array at green bounds: the span method runs while specializing");
            return CallDecision.Of(CallTreatment.Residual, allGreen
                ? "the address of a span's element that is written through or passed on: residual code indexes the span"
                : "a span method with a red argument (PeJit runs it only on a span of a green array at green bounds; the chain of its result names the argument)");
        }
        if (method is { DeclaringTypeName: "System.Object", Name: "GetType", HasThis: true } && IsClassGreen(instruction.Operands[0]))
            return CallDecision.Of(CallTreatment.ClassOf, "GetType() of a value whose class is green (Jit.PromoteClass): known while specializing");
        if (instruction.Opcode == Opcode.Call && method is { DeclaringTypeName: "System.Object", Name: ".ctor", ParameterCount: 0 })
            return CallDecision.Of(CallTreatment.Residual, "System.Object's constructor, which does nothing: the specializer drops the call");
        var callee = method.Cecil is { } reference ? MemberFacts.TryResolve(reference) : null;
        if (callee is null) return CallDecision.Of(CallTreatment.Residual, "the callee cannot be resolved (its assembly was not found)");
        if (instruction.Opcode == Opcode.NewObject)
            return DecideConstructor(instruction, callee);
        if (MemberFacts.Has(callee, HintNames.Elidable) || MemberFacts.IsKnownPure(method.Cecil!))
            return allGreen
                ? CallDecision.Of(CallTreatment.GreenCall, "a pure method called with green arguments runs while specializing")
                : CallDecision.Of(CallTreatment.Residual, "a pure method called with a red argument");
        if (instruction.Opcode == Opcode.ConstrainedCall)
            return CallDecision.Of(CallTreatment.Residual, "a constrained call (on a generic or value-type receiver)");
        if (DelegateFamilies.IsDelegateInvoke(callee)) return DecideDelegateCall(instruction);
        bool dispatches = instruction.Opcode == Opcode.CallVirt && callee.IsVirtual && !callee.IsFinal && !callee.DeclaringType.IsSealed;
        var targets = dispatches ? analysis.PossibleTargets(callee) : [callee];
        bool classGreenReceiver = dispatches && IsClassGreen(instruction.Operands[0]);
        if (dispatches && IsRed(instruction.Operands[0]) && !classGreenReceiver)
            return CallDecision.Of(CallTreatment.Residual, "a virtual call on a red receiver: the target is known only when the residual code runs");
        if (targets.Count == 0)
            return CallDecision.Of(CallTreatment.Residual, "no implementation of the called method is in the analyzed assemblies");
        foreach (var target in targets)
            if (analysis.ResidualReason(target) is { } reason)
                return CallDecision.Of(CallTreatment.Residual, reason);
        var signature = BindingTimeSignature.Of(instruction.Operands.Select(o => (graph.Times[o.Index], IsClassGreen(o))));
        bool recursive = targets.Any(analysis.IsRecursive);
        if (recursive && RecursionUnfolding.ResidualReason(graph, instruction, targets, signature) is { } refused)
            return CallDecision.Of(CallTreatment.Residual, refused);
        var contexts = targets.Select(t => analysis.Context(t, analysis.Convert(t).Graph!, signature,
            i => i < instruction.Operands.Count && IsRed(instruction.Operands[i]) ? (graph, instruction.Operands[i]) : null)).ToList();
        if (recursive) return new CallDecision(RecursionUnfolding.Treatment(dispatches), RecursionUnfolding.Reason(dispatches), contexts);
        return new CallDecision(dispatches ? CallTreatment.InlineVirtual : CallTreatment.Inline,
            classGreenReceiver ? "a virtual call on a receiver whose class is green (Jit.PromoteClass): resolved to the class's override while specializing"
            : dispatches ? "a virtual call on a green receiver: the target is known while specializing" : "inlined and specialized", contexts);
    }

    /// <summary>
    /// A <c>newobj</c>: <see cref="CallTreatment.InlineConstructor"/> when the constructor can be inlined like any
    /// other callee, else <see cref="CallTreatment.Allocation"/> (the residual code calls the constructor). Rules:
    /// 1. a class (a value type's newobj makes a value, not an object), not generic (its constructor's graph is the
    ///    definition's);
    /// 2. not a constructor that only stores its parameters (<c>MethodRef.StoredFields</c>): allocation removal already
    ///    knows what it does, and a residual <c>newobj</c> is cheaper than <c>allocate</c> where the object escapes;
    /// 3. no static constructor in the class or a base class: <c>newobj</c> runs it before the object exists, an
    ///    allocation without a constructor does not, so keeping the call keeps when it runs;
    /// 4. the constructor can be inlined (<see cref="BindingTimeAnalysis.ResidualReason"/>) and is not recursive.
    /// Its context has <c>this</c> red with a green class (the exact class is the constructor's) and the arguments'
    /// binding times.
    /// </summary>
    private CallDecision DecideConstructor(Instruction instruction, MethodDefinition constructor)
    {
        const string made = "a new object, made when the residual code runs";
        var type = constructor.DeclaringType;
        var method = instruction.Method!;
        if (type.IsValueType || type.HasGenericParameters || method.Cecil is GenericInstanceMethod || method.Cecil?.DeclaringType is GenericInstanceType)
            return CallDecision.Of(CallTreatment.Allocation, made);
        if (method.StoredFields is not null)
            return CallDecision.Of(CallTreatment.Allocation, $"{made} (its constructor only stores its arguments)");
        for (TypeDefinition? t = type; t is not null && t.FullName != "System.Object"; t = t.BaseType is { } b ? TypeMapper.TryResolve(b) : null)
        {
            if (t.Methods.Any(m => m.IsConstructor && m.IsStatic))
                return CallDecision.Of(CallTreatment.Allocation, $"{made} (its class {t.FullName} has a static constructor, which newobj runs first)");
            if (t.BaseType is { } unresolved && TypeMapper.TryResolve(unresolved) is null)
                return CallDecision.Of(CallTreatment.Allocation, $"{made} (the base class {unresolved.FullName} cannot be resolved)");
        }
        if (analysis.ResidualReason(constructor) is { } reason)
            return CallDecision.Of(CallTreatment.Allocation, $"{made}: its constructor is not inlined, {reason}");
        if (analysis.IsRecursive(constructor))
            return CallDecision.Of(CallTreatment.Allocation, $"{made}: its constructor is recursive");
        var signature = new BindingTimeSignature("C" + BindingTimeSignature.Of(instruction.Operands.Select(o => (graph.Times[o.Index], IsClassGreen(o)))).Letters);
        var context = analysis.Context(constructor, analysis.Convert(constructor).Graph!, signature,
            i => i == 0 ? (graph, instruction.Result!.Value)
                : i - 1 < instruction.Operands.Count && IsRed(instruction.Operands[i - 1]) ? (graph, instruction.Operands[i - 1]) : null);
        return new CallDecision(CallTreatment.InlineConstructor, "a new object allocated without its constructor, whose body is inlined and specialized", [context]);
    }

    /// <summary>
    /// The read of memory nearest the green in its red chain (a field, a static, an array element), the place where its value
    /// comes in: the chain's later steps say how the memory read became red, not where the green should be promoted.
    /// </summary>
    private static (FlowGraph Graph, Instruction Instruction)? FirstLoad(IReadOnlyList<(AnnotatedGraph Graph, Value Value, RedReason Reason)> steps)
    {
        foreach (var (annotated, value, _) in steps)
            if (annotated.Graph[value].DefiningInstruction is { Opcode: Opcode.LoadField or Opcode.LoadStatic or Opcode.LoadElement } load)
                return (annotated.Graph, load);
        return null;
    }

    /// <summary>A field read as C# (<c>this.ip</c>), for advice.</summary>
    private static string FieldRead(FlowGraph graph, Instruction load) =>
        (load.Opcode == Opcode.LoadStatic ? "" : (graph[load.Operands[0]].Name ?? "this") + ".") + load.Field!.Name;

    /// <summary>
    /// For a field read through the address of an array element (<c>ref Label label = ref labels[i]; label.Target</c>, or
    /// <c>labels[i].Target</c>): the address instruction and the read as C# (<c>label.Target</c>), for advice; else null.
    /// </summary>
    private static (Instruction Address, string Text)? ElementFieldRead(FlowGraph graph, Instruction load) =>
        load.Opcode == Opcode.LoadField && graph[load.Operands[0]].DefiningInstruction is { Opcode: Opcode.ElementAddr } address
            ? (address, (graph[load.Operands[0]].Name ?? (graph[address.Operands[0]].Name is { } array ? array + "[...]" : "element")) + "." + load.Field!.Name)
            : null;

    /// <summary>The array an element read reads, as the user named it (<c>the red array 'rs'</c>), for advice.</summary>
    private static string ArrayRead(FlowGraph graph, Instruction load) =>
        graph[load.Operands[0]] switch
        {
            { Name: { } name } => $"the red array '{name}'",
            { DefiningInstruction: { Opcode: Opcode.LoadField or Opcode.LoadStatic, Field: not null } field } => $"the red array {FieldRead(graph, field)}",
            _ => "a red array",
        };

    /// <summary>Whether a step of <paramref name="red"/>'s chain is a span's read: a call taking one, or a load through the address its indexer returned.</summary>
    private static bool ReadsThroughSpan(AnnotatedGraph graph, Value red) =>
        graph.ReasonChain(red).Any(step => TakesSpan(step.Graph.Graph, step.Value)
            || step.Graph.Graph[step.Value].DefiningInstruction is { Operands.Count: > 0 } read && TakesSpan(step.Graph.Graph, read.Operands[0]));

    /// <summary>Whether <paramref name="red"/>'s chain passes a span method made red by its argument (rule 10: a span of a red array, at a red start).</summary>
    private static bool ThroughRedSpan(AnnotatedGraph graph, Value red) =>
        graph.ReasonChain(red).Any(step => step.Reason.Kind == RedReasonKind.RedOperand
            && step.Graph.Graph[step.Value].DefiningInstruction is { Method: { } method } && IR.Semantics.SpanMethods.Knows(method));

    /// <summary>Whether <paramref name="value"/> is the result of a call with a span among its arguments.</summary>
    private static bool TakesSpan(FlowGraph graph, Value value) =>
        graph[value].DefiningInstruction is { } call && call.Operands.Any(o => graph.TypeOf(o).Name.StartsWith("System.Span`1", StringComparison.Ordinal)
                                                                          || graph.TypeOf(o).Name.StartsWith("System.ReadOnlySpan`1", StringComparison.Ordinal));

    /// <summary>
    /// A loop hint in a helper: the weaver counts and enters compiled code only at the portal's own calls (the entered
    /// unit's result must become the portal's), so one in a helper would do nothing. Once per call site, however many
    /// contexts analyze the helper.
    /// </summary>
    private void ReportLoopHintOutsidePortal(string method, Instruction call, string? document)
    {
        if (analysis.HasReported(DiagnosticCodes.LoopHintOutsidePortal, method, call.Location)) return;
        string hint = call.Method!.Name, helper = graph.Method.Name;
        analysis.Report(Severity.Error, DiagnosticCodes.LoopHintOutsidePortal,
            $"Jit.{hint} is called in {helper}, a method the portal calls, not in the portal itself, where alone it has an effect",
            method, call.Location, document,
            hint == HintNames.CanEnterJit
                ? $"Move the call into the portal's loop: let {helper} tell its caller that the interpreted program jumped backwards (return a bool, or set a field) "
                  + $"and call Jit.CanEnterJit(...) there, after the green variables have their new values: `if ({helper}(...)) Jit.CanEnterJit(...);`."
                : $"Call Jit.MergePoint(...) once, first thing in the body of the portal's dispatch loop, not in {helper}.");
    }

    /// <summary>Checks what the hints promised and warns where the compiled code will be slow; records loops.</summary>
    public void Check()
    {
        string method = BindingTimeAnalysis.MethodName(graph.Method);
        string? document = flow.SourceDocument;
        foreach (var value in declaredGreen ?? [])
        {
            var incoming = flow.Blocks.SelectMany(b => flow[b].Terminator?.Targets ?? [])
                .Where(t => flow[value].ParameterOf is { } block && t.Target == block)
                .Select(t => t.Arguments[flow[flow[value].ParameterOf!.Value].Parameters.IndexOf(value)])
                .FirstOrDefault(IsRed);
            bool madeRed = declaredGreensMadeRed?.Contains(value) == true;
            if (incoming == default && !IsRed(value) && !madeRed) continue;
            var red = incoming != default ? incoming : value;
            string chain = BindingTimeAnalysis.Explain(graph, red);
            // A merge-point argument read from a local has no name of its own: the local's is the one the user wrote.
            string name = flow[value].Name ?? (flow[value].DefiningInstruction is { Opcode: Opcode.LoadSlot } load ? flow[load.Slot].Name : null) ?? value.ToString();
            bool addressTaken = graph.ReasonChain(red).Any(step => step.Reason.Kind == RedReasonKind.AddressTaken);
            analysis.Report(Severity.Error, DiagnosticCodes.GreenDependsOnRed,
                $"'{name}' is declared green but gets a red value; the chain from it back to a red root:",
                method, portal!.MergePoint.Location, document,
                (addressTaken
                    ? $"Its address is passed where the analysis does not see every write through it (the chain names where): pass '{name}' by value and return the new value "
                        + "(pc = Read(code, pc, out operand)) instead of passing it by ref, or write only green values through the address in a helper the analysis inlines; or make it red, or use Jit.Promote on the value."
                    : graph.ReasonChain(red) is { Count: > 0 } steps && steps[^1].Reason.Kind == RedReasonKind.ResidualCall
                    ? "A green must be computable from other greens and constants alone; the chain ends at a call the analysis leaves residual: compute the value with code it can "
                        + "inline (a helper of yours reading the green code array, or one marked [Elidable] when it is pure), or make it red, or use Jit.Promote on the value."
                        + (TakesSpan(steps[^1].Graph.Graph, steps[^1].Value)
                            ? " It takes a span: PeJit runs a span's Length, IsEmpty, indexer and Slice, BinaryPrimitives' integer and float reads and MemoryMarshal.Read "
                                + "of a primitive on a span of a green array at green bounds, and this call is none of those: read the value through one of them "
                                + "(BinaryPrimitives.ReadInt32LittleEndian(bytes.Slice(pc + 1))), or from the green array itself (BitConverter.ToInt32(code, pc + 1))."
                            : "")
                    : graph.ReasonChain(red) is { Count: > 0 } roots && roots[^1].Reason.Kind == RedReasonKind.DeclaredRed && FirstLoad(roots) is { } memoryRead
                    ? memoryRead.Instruction.Opcode == Opcode.LoadElement
                        ? $"A green must be computable from other greens and constants alone; this one is read from an element of {ArrayRead(memoryRead.Graph, memoryRead.Instruction)}, memory "
                            + $"of the interpreted program's run (line {memoryRead.Instruction.Location.Line}), as a return address popped from a return stack or a jump target kept in data is: "
                            + $"promote it where it is read, `{name} = Jit.Promote(...)` around that read (the residual code then switches on the values seen there, each "
                            + "specialized when first met; few for return addresses), or make it red."
                        : ElementFieldRead(memoryRead.Graph, memoryRead.Instruction) is { } elementField
                        ? $"A green must be computable from other greens and constants alone; this one is read from the field {memoryRead.Instruction.Field!.Name} of an element of "
                            + $"{ArrayRead(memoryRead.Graph, elementField.Address)} (line {memoryRead.Instruction.Location.Line}), memory of the interpreted program's run, as a branch "
                            + "target kept on a control stack of labels is: where it depends only on the program, compute it when the program is loaded and keep it in the code "
                            + "object (a field of the instruction), so it is read from green data; or promote it where it is read, "
                            + $"`{name} = Jit.Promote({elementField.Text})` (the residual code then switches on the values seen there, each specialized when first met); or make it red."
                        : memoryRead.Instruction.Opcode == Opcode.LoadField && memoryRead.Graph[memoryRead.Instruction.Operands[0]].DefiningInstruction is { Opcode: Opcode.LoadElement } frameRead
                        ? $"A green must be computable from other greens and constants alone; this one is read from the field {memoryRead.Instruction.Field!.Name} of an object taken "
                            + $"from {ArrayRead(memoryRead.Graph, frameRead)} (line {memoryRead.Instruction.Location.Line}), memory of the interpreted program's run, as a return "
                            + $"address kept in a frame popped from a call stack is: promote it where it is read, `{name} = Jit.Promote({FieldRead(memoryRead.Graph, memoryRead.Instruction)})` "
                            + "(the residual code then switches on the values seen there, each specialized when first met; few for return addresses), or make it red."
                        : $"A green must be computable from other greens and constants alone; this one is read from a field of a red object (the chain's root), as an interpreter "
                            + $"that keeps its program counter in a field does: where it is read before the loop, write `var {name} = Jit.Promote({FieldRead(memoryRead.Graph, memoryRead.Instruction)});` "
                            + "(each compiled unit then has it as a constant), or make it a green parameter of the portal; or make it red."
                    : "A green must be computable from other greens and constants alone; compute it from the code object, or make it red, or use Jit.Promote on the value.")
                    + (!addressTaken && ThroughRedSpan(graph, red)
                        ? " The value is read through a span, which is green only over a green array (the code object's, read from a readonly or [JitImmutable] field) at "
                            + "green bounds; the chain names what is red (the span's array, its start, the index)."
                        : ""),
                chain);
        }
        foreach (var block in flow.Blocks)
            foreach (var instruction in flow[block].Instructions)
            {
                if (graph.Calls.TryGetValue(instruction, out var call) && call.Treatment == CallTreatment.AssertGreen && IsRed(instruction.Operands[0]))
                    analysis.Report(Severity.Error, DiagnosticCodes.AssertGreenFailed,
                        $"Jit.AssertGreen: {Describe(instruction.Operands[0])} is red; the chain from it back to a red root:",
                        method, instruction.Location, document, "Follow the chain to its root and make that value green (a readonly field, [Elidable], Jit.Promote).",
                        BindingTimeAnalysis.Explain(graph, instruction.Operands[0]));
                if (!graph.IsPortal && graph.Calls.TryGetValue(instruction, out var hint) && hint.Treatment is CallTreatment.CanEnterJit or CallTreatment.MergePoint)
                    ReportLoopHintOutsidePortal(method, instruction, document);
                if (graph.IsPortal && instruction.Opcode == Opcode.Switch && IsRed(instruction.Operands[0]) && dispatchBlocks?.Contains(block) == true)
                    analysis.Report(Severity.Warning, DiagnosticCodes.RedDispatch,
                        $"the switch at {block} in the dispatch loop is on a red value: the green key does not determine it, so every case is compiled",
                        method, instruction.Location, document, "Dispatch on a value read from green data (the code array at a green pc), or Jit.Promote the opcode."
                            + (ReadsThroughSpan(graph, instruction.Operands[0])
                                ? " Here it is read through a span, which is green only over a green array (the code object's, read from a readonly or [JitImmutable] "
                                    + "field) at green bounds; the chain below names what is red (the span's array, its start, the index): make that green."
                                : ""),
                        BindingTimeAnalysis.Explain(graph, instruction.Operands[0]));
            }
        for (int l = 0; l < loops.Count; l++)
        {
            var loop = loops[l];
            var treatment = isDispatchLoop[l] ? LoopTreatment.DispatchLoop
                : flow[loop.Header].Parameters.Any(p => graph.Reasons[p.Index]?.Kind == RedReasonKind.GeneralizedLoop) ? LoopTreatment.Generalized
                : loop.Exits.Any(e => e.Opcode is Opcode.BrIf or Opcode.Switch && IsRed(e.Operands[0])) && !GreenLoopBound.HasGreenBound(flow, loop, IsRed) ? LoopTreatment.Generalized
                : LoopTreatment.Unrolled;
            var location = flow[loop.Header].Instructions.FirstOrDefault()?.Location ?? SourceLocation.None;
            graph.Loops.Add(new LoopInfo(loop.Header, loop.Blocks, treatment, location));
            if (treatment == LoopTreatment.Generalized)
                analysis.Report(Severity.Warning, DiagnosticCodes.GeneralizedLoop,
                    $"the loop at {loop.Header} in {graph.Name} exits on a red value, so it stays a loop in the residual code and its carried values are red",
                    method, location, document, "Expected for loops over run-time data; if the loop is over the program (green data), make its bound green.");
        }
    }
}

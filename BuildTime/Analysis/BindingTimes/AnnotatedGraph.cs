using Mono.Cecil;
using PeJit.IR;
using PeJit.IR.Text;

namespace PeJit.Analysis.BindingTimes;

/// <summary>
/// A method's flow graph analyzed for one binding-time signature: the binding time of every value, why each
/// red value is red, what happens to each call, and how each loop is treated.
/// </summary>
public sealed class AnnotatedGraph
{
    internal AnnotatedGraph(FlowGraph graph, MethodDefinition method, BindingTimeSignature signature, bool isPortal)
    {
        Graph = graph;
        Method = method;
        Signature = signature;
        IsPortal = isPortal;
        Times = new BindingTime[graph.ValueCount];
        Reasons = new RedReason?[graph.ValueCount];
        ClassGreen = new bool[graph.ValueCount];
        RedSlots = new bool[graph.Slots.Count()];
        SlotReasons = new RedReason?[RedSlots.Length];
        RedFields = new Dictionary<string, RedReason>?[RedSlots.Length];
    }

    /// <summary>
    /// Per stack slot of a struct type that stays green as a whole: its fields a red value is written into (rule 7),
    /// each with the write's reason; null when none is. Its other fields stay green; the struct read as a whole is red.
    /// </summary>
    internal Dictionary<string, RedReason>?[] RedFields { get; }

    /// <summary>
    /// The red fields of a struct local that is not red as a whole (rule 7: fields have binding times of their own),
    /// with why each is red; empty when every field is green, or when the whole slot is red (<see cref="TimeOf(Slot)"/>).
    /// </summary>
    public IReadOnlyDictionary<string, RedReason> RedFieldsOf(Slot slot) =>
        !RedSlots[slot.Index] && RedFields[slot.Index] is { } fields ? fields : EmptyFields;

    /// <summary>True when some field of the struct local is red while the local is not red as a whole (rule 7).</summary>
    public bool IsPartlyRed(Slot slot) => RedFieldsOf(slot).Count > 0;

    private static readonly Dictionary<string, RedReason> EmptyFields = [];

    /// <summary>
    /// Per stack slot: why a field writer called on its address made it red (rule 7: it wrote a red value, or
    /// stayed a residual call); null for a green slot, or one a store or an ordinary address made red.
    /// </summary>
    internal RedReason?[] SlotReasons { get; }

    /// <summary>The field writers' reason a slot is red (see <see cref="SlotReasons"/>), or null.</summary>
    public RedReason? WriterReasonOf(Slot slot) => SlotReasons[slot.Index];

    /// <summary>The slot addresses passed as <c>this</c> to field writers (rule 7), with their slots.</summary>
    internal Dictionary<Value, Slot> WrittenAddresses { get; } = [];

    /// <summary>True when <paramref name="address"/> (a <c>slotaddr</c>) is written through by field writers (rule 7).</summary>
    public bool IsWrittenAddress(Value address) => WrittenAddresses.ContainsKey(address);

    /// <summary>Per stack slot: red when some store to it is red or its address is taken.</summary>
    internal bool[] RedSlots { get; }

    /// <summary>The binding time of a stack slot's contents.</summary>
    public BindingTime TimeOf(Slot slot) => RedSlots[slot.Index] ? BindingTime.Red : BindingTime.Green;

    /// <summary>The flow graph analyzed.</summary>
    public FlowGraph Graph { get; }

    /// <summary>The method it came from.</summary>
    public MethodDefinition Method { get; }

    /// <summary>The binding times of the arguments this graph was analyzed for.</summary>
    public BindingTimeSignature Signature { get; }

    /// <summary>True for a <c>[JitPortal]</c> method analyzed as a portal.</summary>
    public bool IsPortal { get; }

    /// <summary>Binding time per value index.</summary>
    internal BindingTime[] Times { get; }

    /// <summary>Reason per value index, for red values.</summary>
    internal RedReason?[] Reasons { get; }

    /// <summary>
    /// Per value index: a red reference whose exact class (or null) is green (<c>Jit.PromoteClass</c>, and what
    /// type tests, casts and jumps carry it to). Only ever set on red values; cleared when the value gets a
    /// reference of unknown class.
    /// </summary>
    internal bool[] ClassGreen { get; }

    /// <summary>True for a red reference whose exact class (or null) is known while specializing.</summary>
    public bool IsClassGreen(Value value) => ClassGreen[value.Index];

    /// <summary>The binding time of the value returned, the join over every <c>ret</c>.</summary>
    public BindingTime ReturnTime { get; internal set; }

    /// <summary>The value that made the return red, when it is.</summary>
    public Value? RedReturnValue { get; internal set; }

    /// <summary>
    /// For a struct method: the first red value it stores into a field of <c>this</c> (rule 7: a field writer that calls
    /// a helper may compute a red value from green arguments), or null; its callers mark the fields it writes red.
    /// </summary>
    public Value? RedStoreThroughThis { get; internal set; }

    /// <summary>
    /// Per by-reference parameter (its index) passed green: why the caller's slot whose address it is must be red
    /// (rule 9 of ContextAnalyzer, Docs/bta.md rule 11): this graph, or a callee it passes the address on to, stores a red value through it or lets the
    /// address escape where the analysis does not follow it. Absent while every store through it is green.
    /// </summary>
    public Dictionary<int, RedReason> ReferenceWrites { get; } = [];

    /// <summary>The decision for every call instruction.</summary>
    public Dictionary<Instruction, CallDecision> Calls { get; } = new(ReferenceEqualityComparer.Instance);

    /// <summary>Loops of the interpreter's code in this graph.</summary>
    public List<LoopInfo> Loops { get; } = [];

    /// <summary>
    /// A short name: <c>Type::Method[GR]</c>; for an overloaded method the parameter types too,
    /// <c>Type::Method(Int64,Int64)[RR]</c>, so that the listing names each graph once (ExtensionVerifier's rule 1).
    /// </summary>
    public string Name => name ??= Method.DeclaringType.Methods.Count(m => m.Name == Method.Name) > 1
        ? $"{Method.DeclaringType.Name}::{Method.Name}({string.Join(",", Method.Parameters.Select(p => p.ParameterType.Name))})[{Signature}]"
        : $"{Method.DeclaringType.Name}::{Method.Name}[{Signature}]";

    private string? name;

    /// <summary>The binding time of a value.</summary>
    public BindingTime TimeOf(Value value) => Times[value.Index];

    /// <summary>The reason a red value is red; null for green values.</summary>
    public RedReason? ReasonOf(Value value) => Reasons[value.Index];

    /// <summary>
    /// The binding time of an instruction: green when it runs while specializing (its result is green and it
    /// has no effect on memory), red when it is emitted into the residual code. A branch is green when its
    /// condition is, i.e. decided while specializing.
    /// </summary>
    public BindingTime TimeOf(Instruction instruction)
    {
        if (instruction.Result is { } result) return Times[result.Index];
        if (Calls.TryGetValue(instruction, out var call))
            return call.Treatment is CallTreatment.AssertGreen or CallTreatment.MergePoint or CallTreatment.CanEnterJit or CallTreatment.ClassOf
                ? BindingTime.Green
                : call.Treatment == CallTreatment.Inline ? BindingTime.Green : BindingTime.Red;
        return instruction.Opcode switch
        {
            Opcode.Jump => BindingTime.Green,
            // Returning from an inlined graph is a control transfer while specializing; the portal's return is residual.
            Opcode.Return => IsPortal ? BindingTime.Red : BindingTime.Green,
            // A null test of a value whose class is green is decided while specializing.
            Opcode.BrIf when ClassGreen[instruction.Operands[0].Index] => BindingTime.Green,
            Opcode.BrIf or Opcode.Switch => Times[instruction.Operands[0].Index],
            // A field writer's store through a green address (rule 7) is performed on the specializer's copy.
            Opcode.StoreField or Opcode.InitObj or Opcode.Store when Times[instruction.Operands[0].Index] == BindingTime.Green
                && Graph.TypeOf(instruction.Operands[0]).StackKind == StackKind.ByRef => BindingTime.Green,
            _ => BindingTime.Red,
        };
    }

    /// <summary>
    /// The chain of reasons from <paramref name="value"/> back to a root cause, each step with its graph;
    /// bounded, since a chain through a loop may come back to a value already listed.
    /// </summary>
    public IReadOnlyList<(AnnotatedGraph Graph, Value Value, RedReason Reason)> ReasonChain(Value value)
    {
        var chain = new List<(AnnotatedGraph, Value, RedReason)>();
        var seen = new HashSet<(AnnotatedGraph, Value)>();
        AnnotatedGraph graph = this;
        Value? current = value;
        while (current is { } v && graph.Reasons[v.Index] is { } reason && seen.Add((graph, v)) && chain.Count < 64)
        {
            chain.Add((graph, v, reason));
            graph = reason.CauseGraph ?? graph;
            current = reason.Cause;
        }
        return chain;
    }

    /// <summary>The graph in the IR's text form with binding times inline: <c>v3: i32 green = add v1, v2</c>.</summary>
    public string Print() => IrPrinter.Print(Graph, v => Times[v.Index] == BindingTime.Green ? "green" : "red");
}

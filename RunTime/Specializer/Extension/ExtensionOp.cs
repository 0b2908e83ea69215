using PeJit.IR;

namespace PeJit.Specializer.Extension;

/// <summary>
/// One instruction of an annotated graph, pre-decoded for the engine: what to do with it, its operands and
/// result as value indexes (which are also register numbers: <see cref="ExtensionGraph.Registers"/> maps them
/// to the slot in their class's file), its binding time, and the facts the engine would otherwise look up per
/// step (call treatment, types to lift, the compiled delegate of a green load or call).
/// </summary>
public sealed class ExtensionOp
{
    internal ExtensionOp(Instruction instruction) => Instruction = instruction;

    // What only calls, constants, green accesses, casts and refusals carry, kept apart so that the other ops (most of a
    // loaded graph, alive as long as the portal) are 88 bytes, not 184: made by the first setter given a value other
    // than the default, which is while the graph is read and linked (under its load lock), so no two threads race to make it.
    // The side slot holds what an op carries besides the common fields in the smallest form that holds it: nothing; the
    // callees alone (a call: the array itself); the run-time type alone (a cast, a green slot: the Type itself); the
    // constant's fields alone (40 bytes); or everything (RareFields, 112 bytes). Of the 988 ops of Lua's portal graph, 446
    // had the whole before (195 only callees, 159 only a type): the first setter of a second kind moves what the slot
    // holds into the whole (Upgrade).
    private object? side;
    private ConstantFields Constants => side as ConstantFields ?? (side is null ? (ConstantFields)(side = new ConstantFields()) : Upgrade());
    private RareFields Rare => side as RareFields ?? Upgrade();

    private RareFields Upgrade()
    {
        var rare = new RareFields();
        switch (side)
        {
            case ConstantFields constants:
                rare.ConstantObject = constants.ConstantObject;
                rare.ConstantInteger = constants.ConstantInteger;
                rare.ConstantFloat = constants.ConstantFloat;
                break;
            case ExtensionGraph[] callees: rare.Callees = callees; break;
            case Type type: rare.RuntimeType = type; break;
        }
        side = rare;
        return rare;
    }

    private class ConstantFields
    {
        public object? ConstantObject;
        public long ConstantInteger;
        public double ConstantFloat;
    }

    private sealed class RareFields : ConstantFields
    {
        public ExtensionGraph[] Callees = [];
        public MethodRef[] CalleeMethods = [];
        public Type? RuntimeType;
        public System.Reflection.FieldInfo? RuntimeField;
        public string? Message;
        public string? AccessName;
        public string? AccessMethod;
        public bool AccessCompiled;
        public int AccessRuns;
        public GreenAccess? Access;
    }

    /// <summary>The interpreter instruction (copied into residual code when red; named in messages).</summary>
    public Instruction Instruction { get; }

    /// <summary>What the engine does with it.</summary>
    public ExtensionOpKind Kind { get; internal set; }

    /// <summary>How it runs when green.</summary>
    public GreenOperation Green { get; internal set; }

    /// <summary>The operands' value indexes.</summary>
    public int[] Operands { get; internal set; } = [];

    /// <summary>The operands' register numbers in their classes' files (what <see cref="Access"/> reads).</summary>
    public int[] OperandRegisters { get; internal set; } = [];

    /// <summary>The result's value index, or -1.</summary>
    public int Result { get; internal set; } = -1;

    /// <summary>True when the analysis made the result green (it runs when its operands are green too).</summary>
    public bool ResultIsGreen { get; internal set; }

    /// <summary>The operands' types (to lift green operands into residual code).</summary>
    public IrType[] OperandTypes { get; internal set; } = [];

    /// <summary>The result's type, or void.</summary>
    public IrType ResultType { get; internal set; } = IrType.Void;

    // The treatment plus one, 0 for none: one byte where a CallTreatment? took eight, which made every op 96 bytes instead of 88.
    private byte treatmentPlusOne;

    /// <summary>For calls: what the analysis decided to do with it; null when the analysis did not reach it (<see cref="Message"/> says so).</summary>
    public CallTreatment? Treatment
    {
        get => treatmentPlusOne == 0 ? null : (CallTreatment)(treatmentPlusOne - 1);
        internal set => treatmentPlusOne = value is { } treatment ? checked((byte)((int)treatment + 1)) : (byte)0;
    }

    /// <summary>For inlined calls: the compiled graph of each possible target, in the analysis's order.</summary>
    public ExtensionGraph[] Callees
    {
        get => side as ExtensionGraph[] ?? (side as RareFields)?.Callees ?? [];
        internal set
        {
            if (side is null or ExtensionGraph[]) side = value.Length > 0 ? value : null;
            else if (value.Length > 0 || side is RareFields) Rare.Callees = value;
        }
    }

    /// <summary>
    /// For <see cref="CallTreatment.InlineVirtual"/> and <see cref="CallTreatment.InlineDelegate"/>: the method of each of
    /// <see cref="Callees"/>, to match against a green receiver's override or a green delegate's target method.
    /// </summary>
    public MethodRef[] CalleeMethods
    {
        get => (side as RareFields)?.CalleeMethods ?? [];
        internal set { if (value.Length > 0 || side is RareFields) Rare.CalleeMethods = value; }
    }

    /// <summary>For jumps and branches: the targets.</summary>
    public ExtensionTarget[] Targets { get; internal set; } = [];

    /// <summary>For <see cref="GreenOperation.Constant"/>: the value, in its class's form (see <see cref="ConstantInteger"/>, <see cref="ConstantFloat"/>).</summary>
    public object? ConstantObject
    {
        get => side is ConstantFields constants ? constants.ConstantObject : default;
        internal set { if (side is ConstantFields || value is not null) Constants.ConstantObject = value; }
    }

    /// <summary>For an integer constant: its stack form.</summary>
    public long ConstantInteger
    {
        get => side is ConstantFields constants ? constants.ConstantInteger : default;
        internal set { if (side is ConstantFields || value != 0) Constants.ConstantInteger = value; }
    }

    /// <summary>For a float constant: its value.</summary>
    public double ConstantFloat
    {
        get => side is ConstantFields constants ? constants.ConstantFloat : default;
        internal set { if (side is ConstantFields || BitConverter.DoubleToInt64Bits(value) != 0) Constants.ConstantFloat = value; }
    }

    /// <summary>For <c>isinst</c>, <c>castclass</c>, <c>default</c> of a value type: the run-time type.</summary>
    public Type? RuntimeType
    {
        get => side as Type ?? (side as RareFields)?.RuntimeType;
        internal set
        {
            if (side is null or Type) side = value;
            else if (side is RareFields || value is not null) Rare.RuntimeType = value;
        }
    }

    /// <summary>
    /// For a <c>stfld</c> through an address (a struct method writing a field of <c>this</c>): the run-time field,
    /// which the engine writes on its copy of the struct when the address is green (analysis rule 7); null when
    /// the linker could not resolve it.
    /// </summary>
    public System.Reflection.FieldInfo? RuntimeField
    {
        get => side is RareFields rare ? rare.RuntimeField : default;
        internal set { if (side is RareFields || value is not null) Rare.RuntimeField = value; }
    }

    /// <summary>For typed conversions: the target type kind (an enum's underlying kind).</summary>
    public TypeKind ConversionKind { get; internal set; }

    /// <summary>For integer arithmetic and comparisons: both operands are int32-class (unsigned compares read them as uint32).</summary>
    public bool Int32Operands { get; internal set; }

    /// <summary>For <see cref="ExtensionOpKind.StoreSlot"/>: the slot is red.</summary>
    public bool RedSlot { get; internal set; }

    /// <summary>
    /// For <see cref="ExtensionOpKind.StoreSlot"/> and a green <c>slotaddr</c>: the slot is a struct local with red fields
    /// (analysis rule 7), held twice: its green fields in the engine's copy, the whole struct in a residual slot, which
    /// every write also goes to (a green store is stored there too; a green address is registered with the slot).
    /// </summary>
    public bool PartialSlot { get; internal set; }

    /// <summary>For <see cref="GreenOperation.CannotRun"/> and <see cref="ExtensionOpKind.Unsupported"/>: the message.</summary>
    public string? Message
    {
        get => side is RareFields rare ? rare.Message : default;
        internal set { if (side is RareFields || value is not null) Rare.Message = value; }
    }

    /// <summary>What <see cref="Access"/> does, for dumps: <c>field Code.Ops</c>, <c>call Helpers.Add</c>.</summary>
    public string? AccessName
    {
        get => side is RareFields rare ? rare.AccessName : default;
        internal set { if (side is RareFields || value is not null) Rare.AccessName = value; }
    }

    /// <summary>
    /// The name of the static method <c>pejit build</c> emitted for <see cref="Access"/> into the JIT-enabled assembly's
    /// <see cref="ExtensionLinker.AccessorsType"/> (<c>GreenAccessEmitter</c>); null when it emitted none (the
    /// in-process API, or a member IL cannot reach from there), and the linker compiles a lambda instead.
    /// </summary>
    public string? AccessMethod
    {
        get => side is RareFields rare ? rare.AccessMethod : default;
        internal set { if (side is RareFields || value is not null) Rare.AccessMethod = value; }
    }

    /// <summary>True when <see cref="Access"/> is an emitted method or a compiled lambda (false: the reflection fallback for by-reference parameters, or a member that did not resolve).</summary>
    public bool AccessCompiled
    {
        get => side is RareFields rare ? rare.AccessCompiled : default;
        internal set { if (side is RareFields || value) Rare.AccessCompiled = value; }
    }

    /// <summary>How many times the engine ran <see cref="Access"/> (a statistic for dumps and tests).</summary>
    public int AccessRuns
    {
        get => side is RareFields rare ? rare.AccessRuns : default;
        internal set { if (side is RareFields || value != 0) Rare.AccessRuns = value; }
    }

    /// <summary>For <see cref="GreenOperation.Access"/>: the compiled load or call.</summary>
    internal GreenAccess? Access
    {
        get => side is RareFields rare ? rare.Access : default;
        set { if (side is RareFields || value is not null) Rare.Access = value; }
    }
}

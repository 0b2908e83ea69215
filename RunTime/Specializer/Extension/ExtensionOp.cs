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

    /// <summary>For calls: what the analysis decided to do with it; null when the analysis did not reach it (<see cref="Message"/> says so).</summary>
    public CallTreatment? Treatment { get; internal set; }

    /// <summary>For inlined calls: the compiled graph of each possible target, in the analysis's order.</summary>
    public ExtensionGraph[] Callees { get; internal set; } = [];

    /// <summary>
    /// For <see cref="CallTreatment.InlineVirtual"/> and <see cref="CallTreatment.InlineDelegate"/>: the method of each of
    /// <see cref="Callees"/>, to match against a green receiver's override or a green delegate's target method.
    /// </summary>
    public MethodRef[] CalleeMethods { get; internal set; } = [];

    /// <summary>For jumps and branches: the targets.</summary>
    public ExtensionTarget[] Targets { get; internal set; } = [];

    /// <summary>For <see cref="GreenOperation.Constant"/>: the value, in its class's form (see <see cref="ConstantInteger"/>, <see cref="ConstantFloat"/>).</summary>
    public object? ConstantObject { get; internal set; }

    /// <summary>For an integer constant: its stack form.</summary>
    public long ConstantInteger { get; internal set; }

    /// <summary>For a float constant: its value.</summary>
    public double ConstantFloat { get; internal set; }

    /// <summary>For <c>isinst</c>, <c>castclass</c>, <c>default</c> of a value type: the run-time type.</summary>
    public Type? RuntimeType { get; internal set; }

    /// <summary>
    /// For a <c>stfld</c> through an address (a struct method writing a field of <c>this</c>): the run-time field,
    /// which the engine writes on its copy of the struct when the address is green (analysis rule 7); null when
    /// the linker could not resolve it.
    /// </summary>
    public System.Reflection.FieldInfo? RuntimeField { get; internal set; }

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
    public string? Message { get; internal set; }

    /// <summary>What <see cref="Access"/> does, for dumps: <c>field Code.Ops</c>, <c>call Helpers.Add</c>.</summary>
    public string? AccessName { get; internal set; }

    /// <summary>
    /// The name of the static method <c>pejit build</c> emitted for <see cref="Access"/> into the JIT-enabled assembly's
    /// <see cref="ExtensionLinker.AccessorsType"/> (<c>GreenAccessEmitter</c>); null when it emitted none (the
    /// in-process API, or a member IL cannot reach from there), and the linker compiles a lambda instead.
    /// </summary>
    public string? AccessMethod { get; internal set; }

    /// <summary>True when <see cref="Access"/> is an emitted method or a compiled lambda (false: the reflection fallback for by-reference parameters, or a member that did not resolve).</summary>
    public bool AccessCompiled { get; internal set; }

    /// <summary>How many times the engine ran <see cref="Access"/> (a statistic for dumps and tests).</summary>
    public int AccessRuns { get; internal set; }

    /// <summary>For <see cref="GreenOperation.Access"/>: the compiled load or call.</summary>
    internal GreenAccess? Access { get; set; }
}

namespace PeJit.Specializer.Extension;

/// <summary>
/// How a green <see cref="ExtensionOp"/> runs on typed registers, chosen when the extension is compiled from
/// the opcode and the register classes of its operands and result.
/// </summary>
public enum GreenOperation : byte
{
    /// <summary>Cannot run while specializing (<see cref="ExtensionOp.Message"/> says why).</summary>
    CannotRun,
    /// <summary>A constant computed when the extension was compiled (<c>const</c>, <c>null</c>, <c>string</c>, <c>default</c> of a primitive).</summary>
    Constant,
    /// <summary><c>default</c> of a value type: a fresh boxed zero each time.</summary>
    DefaultValueType,
    /// <summary>Integer arithmetic on int32 operands.</summary>
    Int32Arithmetic,
    /// <summary>Integer arithmetic on int64 or native-int operands.</summary>
    Int64Arithmetic,
    /// <summary>Float arithmetic.</summary>
    FloatArithmetic,
    /// <summary>A shift of an int32.</summary>
    Int32Shift,
    /// <summary>A shift of an int64.</summary>
    Int64Shift,
    /// <summary>A shift of a native int.</summary>
    NativeShift,
    /// <summary>An integer comparison.</summary>
    IntegerCompare,
    /// <summary>A float comparison.</summary>
    FloatCompare,
    /// <summary><c>ceq</c>, <c>cne</c>, <c>cgt.un</c> of references: by identity.</summary>
    ReferenceCompare,
    /// <summary><c>neg</c> or <c>not</c> of an integer.</summary>
    IntegerUnary,
    /// <summary><c>neg</c> of a float.</summary>
    FloatNegate,
    /// <summary><c>ckfinite</c>.</summary>
    CheckFinite,
    /// <summary>A conversion of an integer to an integer type.</summary>
    IntegerToInteger,
    /// <summary>A conversion of an integer to a float type.</summary>
    IntegerToFloat,
    /// <summary>A conversion of a float to an integer type.</summary>
    FloatToInteger,
    /// <summary>A conversion of a float to a float type.</summary>
    FloatToFloat,
    /// <summary>A field, static field or array element load, or a green call: a delegate compiled with the extension (<see cref="ExtensionOp.Access"/>).</summary>
    Access,
    /// <summary><c>ldlen</c>.</summary>
    ArrayLength,
    /// <summary><c>isinst</c>.</summary>
    IsInstance,
    /// <summary><c>castclass</c>.</summary>
    CastClass,
    /// <summary><c>unbox.any</c>: a boxed value into the result's register.</summary>
    UnboxAny,
    /// <summary>
    /// <c>ldslot</c> of a green slot, and <c>slotaddr</c> of one: a green address is only read through while the
    /// slot keeps its value (the analysis checks that), so the engine holds it as the value it points at.
    /// </summary>
    LoadSlot,
    /// <summary><c>ldflda</c> through a green address: a <see cref="GreenFieldAddress"/> (the field's <see cref="ExtensionOp.RuntimeField"/>).</summary>
    FieldAddress,
    /// <summary><c>load</c> through a green address: the value the address stands for (see <see cref="LoadSlot"/>).</summary>
    LoadThroughAddress,
    /// <summary>
    /// Any other pure instruction, or one whose operand classes the typed cases do not cover: the operands are
    /// boxed and <c>ValueSemantics.Pure</c> runs it, exactly as the graph evaluator would.
    /// </summary>
    Boxed,
}

namespace PeJit.IR;

/// <summary>
/// The CIL evaluation-stack class of a type (ECMA-335 §III.1.1): what arithmetic, comparison and branches
/// see. Small integers, <c>bool</c> and <c>char</c> are <see cref="Int32"/>; enums are their underlying type.
/// </summary>
public enum StackKind
{
    /// <summary>No value.</summary>
    Void,
    /// <summary>int32 and everything narrower.</summary>
    Int32,
    /// <summary>int64.</summary>
    Int64,
    /// <summary>native int.</summary>
    NativeInt,
    /// <summary>F: float32 or float64.</summary>
    Float,
    /// <summary>O: an object reference.</summary>
    Reference,
    /// <summary>&amp;: a managed pointer.</summary>
    ByRef,
    /// <summary>An unmanaged pointer (treated as native int by CIL).</summary>
    Pointer,
    /// <summary>A value type other than a primitive.</summary>
    ValueType,
    /// <summary>A generic parameter: any of the above, known only once substituted.</summary>
    Unknown,
}

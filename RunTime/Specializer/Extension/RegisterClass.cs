namespace PeJit.Specializer.Extension;

/// <summary>
/// Where a green value lives in an <see cref="ExtensionFrame"/>: which of the three register files, chosen by
/// the value's type when the extension is compiled.
/// </summary>
public enum RegisterClass : byte
{
    /// <summary>int32-class values (bool, char, small integers, enums over them), int64 and native ints, held as <c>long</c> (int32-class sign-extended from their <c>int</c>).</summary>
    Int,
    /// <summary>float32 and float64, held as <c>double</c>.</summary>
    Float,
    /// <summary>Everything else: references, boxed value types; held as <c>object</c>.</summary>
    Ref,
}

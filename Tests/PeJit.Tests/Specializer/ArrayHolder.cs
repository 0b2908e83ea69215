namespace PeJit.Tests.Specializer;

/// <summary>
/// An object holding arrays in mutable fields, as an interpreter's frame holds its operand stack and locals:
/// the optimizer's file tests load its fields in loops and call <see cref="Touch"/> from them.
/// </summary>
public sealed class ArrayHolder
{
    /// <summary>An array (re-read from the field on every iteration by the tests' loops).</summary>
    public long[]? Values;

    /// <summary>Another array, possibly the same object as <see cref="Values"/>.</summary>
    public long[]? Other;

    /// <summary>A number.</summary>
    public int Count;

    /// <summary>A method that writes array elements, which an optimizer must not assume it leaves alone.</summary>
    public static void Touch(long[] array) => array[0] += 100;

    /// <inheritdoc/>
    public override string ToString() => $"{{Values={FileTestValues.Describe(Values)}, Other={(ReferenceEquals(Other, Values) ? "Values" : FileTestValues.Describe(Other))}, Count={Count}}}";
}

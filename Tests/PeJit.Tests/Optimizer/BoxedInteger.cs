namespace PeJit.Tests.Optimizer;

/// <summary>
/// A boxed integer as a dynamic language's interpreter allocates one per arithmetic result: a class whose
/// constructor only stores its argument (<c>MethodRef.StoredFields</c>), which allocation removal keeps in SSA
/// values. The <c>virtualize</c> file tests allocate it, read it back, carry it around loops and let it escape.
/// </summary>
public sealed class BoxedInteger
{
    /// <summary>The number (mutable, so the tests can store into a virtual object).</summary>
    public long Value;

    /// <summary>Another boxed integer, for stores of one object into another.</summary>
    public BoxedInteger? Next;

    /// <summary>Stores <paramref name="value"/>, nothing else.</summary>
    public BoxedInteger(long value)
    {
        Value = value;
    }

    /// <summary>A residual call the object escapes into: reads the object and changes it.</summary>
    public static long Bump(BoxedInteger boxed) => ++boxed.Value;

    /// <summary>True when both arguments are the same object: an escape that sees identity.</summary>
    public static bool Same(BoxedInteger first, BoxedInteger second) => ReferenceEquals(first, second);

    /// <inheritdoc/>
    public override string ToString() => Next is null ? $"BoxedInteger({Value})" : $"BoxedInteger({Value}, next {(ReferenceEquals(Next, this) ? "itself" : Next.ToString())})";
}

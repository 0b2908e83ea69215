namespace PeJit.IR.Semantics;

/// <summary>
/// A call of a span method PeJit runs (<see cref="SpanMethods"/>), as much as running it needs: what it does, the element type
/// of the span it makes or reads (for <c>MemoryMarshal.Read</c>, the type read), whether a span it makes is a <c>Span</c>
/// (whose constructor checks the array's type), and the method's name (which of <c>BinaryPrimitives</c>' reads).
/// </summary>
public sealed record SpanCall(SpanOperation Operation, Type Element, bool Writable, string Name)
{
    /// <summary>A span made of a string's characters (<c>AsSpan(string)</c>, the conversion from <c>string</c>), not of an array.</summary>
    public bool FromText { get; init; }
}

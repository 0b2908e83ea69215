namespace PeJit.IR.Semantics;

/// <summary>What a span method PeJit runs on a <see cref="SpanValue"/> does (<see cref="SpanMethods.Classify(MethodRef)"/>).</summary>
public enum SpanOperation : byte
{
    /// <summary>Not a span method PeJit knows.</summary>
    None,
    /// <summary>
    /// A span over a whole array or string: <c>op_Implicit(T[])</c>, the constructor <c>(T[])</c>, <c>AsSpan(T[])</c>;
    /// <c>AsSpan(string)</c> and <c>string</c>'s conversion to <c>ReadOnlySpan&lt;char&gt;</c>.
    /// </summary>
    FromArray,
    /// <summary>A span over an array or string from a start: <c>AsSpan(T[], int)</c>, <c>AsSpan(string, int)</c>.</summary>
    FromArrayStart,
    /// <summary>A span over part of an array or string: the constructor <c>(T[], int, int)</c>, <c>AsSpan(T[], int, int)</c>, <c>AsSpan(string, int, int)</c>.</summary>
    FromArrayRange,
    /// <summary><c>Span&lt;T&gt;</c> to <c>ReadOnlySpan&lt;T&gt;</c> (<c>op_Implicit</c>): the same view.</summary>
    AsReadOnly,
    /// <summary><c>Length</c>.</summary>
    Length,
    /// <summary><c>IsEmpty</c>.</summary>
    IsEmpty,
    /// <summary>The indexer (<c>get_Item</c>): the address of an element, which PeJit lets only be read through.</summary>
    Item,
    /// <summary><c>Slice(int)</c> (and a range <c>span[a..]</c>, which C# compiles to <c>Slice(a, Length - a)</c>).</summary>
    SliceStart,
    /// <summary><c>Slice(int, int)</c>.</summary>
    SliceRange,
    /// <summary><c>BinaryPrimitives.Read{Int16..Double}{Little,Big}Endian(ReadOnlySpan&lt;byte&gt;)</c>.</summary>
    ReadBinary,
    /// <summary><c>MemoryMarshal.Read&lt;T&gt;(ReadOnlySpan&lt;byte&gt;)</c> of a primitive <c>T</c>.</summary>
    ReadValue,
    /// <summary>
    /// A <c>MemoryExtensions</c> query of a span of a primitive and another span or an element: <c>SequenceEqual</c>,
    /// <c>StartsWith</c>, <c>EndsWith</c>, <c>IndexOf</c>, <c>LastIndexOf</c>, <c>Contains</c> (<see cref="SpanQueries{T}"/>).
    /// </summary>
    Query,
}

namespace PeJit.IR.Semantics;

/// <summary>
/// A <c>Span&lt;T&gt;</c> or <c>ReadOnlySpan&lt;T&gt;</c> over an array, or a <c>ReadOnlySpan&lt;char&gt;</c> over a string, held
/// as an object: the array or string, where the span starts in it and its length. A span is a ref struct, which neither the
/// specializer's registers nor the graph evaluator's values can hold (it cannot be boxed); this stands for one made from an
/// array or a string (<see cref="SpanMethods"/>), and residual code that needs the span itself rebuilds it (<c>new
/// ReadOnlySpan&lt;T&gt;(array, start, length)</c>, <c>text.AsSpan(start, length)</c>).
/// </summary>
/// <remarks>
/// Immutable: a slice is a new value. Two are equal when they view the same array or string (by reference) from the same start for the
/// same length, which is what the specializer compares when paths join with the same greens. Each operation builds the real
/// span first (<see cref="SpanValue{T}.ReadOnly"/>), so its checks and exceptions are .NET's own.
/// </remarks>
public abstract class SpanValue : IEquatable<SpanValue>
{
    private protected SpanValue(int start, int length)
    {
        Start = start;
        Length = length;
    }

    /// <summary>The array the span views; null for a span of a string, and for an empty span made from a null array (<c>default</c>).</summary>
    public abstract Array? Array { get; }

    /// <summary>The string a <c>ReadOnlySpan&lt;char&gt;</c> views (<c>AsSpan</c>, the conversion from <c>string</c>); null for a span of an array.</summary>
    public abstract string? Text { get; }

    /// <summary>What the span views: <see cref="Array"/> or <see cref="Text"/>.</summary>
    public object? Source => (object?)Array ?? Text;

    /// <summary>The element type <c>T</c>.</summary>
    public abstract Type ElementType { get; }

    /// <summary>Where the span starts in <see cref="Array"/>.</summary>
    public int Start { get; }

    /// <summary>The span's length.</summary>
    public int Length { get; }

    /// <summary>The element at <paramref name="index"/> of the span, boxed (the indexer's bounds check: <see cref="IndexOutOfRangeException"/>).</summary>
    public abstract object? Item(int index);

    /// <summary>
    /// Runs the <c>MemoryExtensions</c> query <paramref name="name"/> (<see cref="SpanOperation.Query"/>: <c>SequenceEqual</c>,
    /// <c>StartsWith</c>, <c>IndexOf</c>...) on this span and <paramref name="other"/>, a span of the same element type or an
    /// element (its CLR form), through the framework's own method: the result is .NET's.
    /// </summary>
    public abstract object Query(string name, object? other);

    /// <summary>The span from <paramref name="start"/> on (<c>Slice(start)</c>, its check: <see cref="ArgumentOutOfRangeException"/>).</summary>
    public abstract SpanValue Slice(int start);

    /// <summary><paramref name="length"/> elements from <paramref name="start"/> (<c>Slice(start, length)</c>, with its check).</summary>
    public abstract SpanValue Slice(int start, int length);

    /// <summary>
    /// A span of <paramref name="elementType"/> over <paramref name="array"/> as the constructor <c>Span(array, start, length)</c>
    /// (or <c>ReadOnlySpan</c>'s, when <paramref name="writable"/> is false) makes it, with its checks; a null array makes the
    /// empty span when start and length are 0. <paramref name="start"/> null is the array's start, <paramref name="length"/> null
    /// the rest of the array.
    /// </summary>
    public static SpanValue Over(Type elementType, object? array, int? start, int? length, bool writable) =>
        Factory(elementType).Make(array, start, length, writable);

    /// <summary>
    /// A <c>ReadOnlySpan&lt;char&gt;</c> over <paramref name="text"/> as <c>AsSpan(text, start, length)</c> makes it, with its checks
    /// (a null string makes the empty span when start and length are 0). <paramref name="start"/> null is the string's start,
    /// <paramref name="length"/> null the rest of it.
    /// </summary>
    public static SpanValue OverText(string? text, int? start, int? length)
    {
        int from = start ?? 0;
        // The real method, for its checks.
        _ = start is null ? text.AsSpan() : length is null ? text.AsSpan(from) : text.AsSpan(from, length.Value);
        return SpanValue<char>.OfText(text, text is null ? 0 : from, text is null ? 0 : length ?? text.Length - from);
    }

    /// <summary>The empty span of <paramref name="elementType"/> (<c>default</c>).</summary>
    public static SpanValue Empty(Type elementType) => Factory(elementType).Make(null, null, null, writable: false);

    /// <summary>True for <c>Span&lt;T&gt;</c> and <c>ReadOnlySpan&lt;T&gt;</c>.</summary>
    public static bool Stands(Type type) =>
        type.IsGenericType && type.GetGenericTypeDefinition() is var definition && (definition == typeof(Span<>) || definition == typeof(ReadOnlySpan<>));

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Type, SpanValue> Factories = new();

    // One empty span per element type, whose Make builds the others (a generic method called without reflection at each make).
    private static SpanValue Factory(Type elementType) =>
        Factories.GetOrAdd(elementType, static t => (SpanValue)Activator.CreateInstance(typeof(SpanValue<>).MakeGenericType(t), nonPublic: true)!);

    private protected abstract SpanValue Make(object? array, int? start, int? length, bool writable);

    /// <inheritdoc/>
    public bool Equals(SpanValue? other) =>
        other is not null && ReferenceEquals(Source, other.Source) && Start == other.Start && Length == other.Length && ElementType == other.ElementType;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is SpanValue other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() =>
        HashCode.Combine(Source is null ? 0 : System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(Source), Start, Length);

    /// <inheritdoc/>
    public override string ToString() => Text is { } text
        ? $"span of a string of {text.Length} characters at {Start}, length {Length}"
        : $"span of {ElementType.Name}[{Array?.Length.ToString() ?? "null"}] at {Start}, length {Length}";
}

/// <summary>A span of <typeparamref name="T"/> over an array, or (<typeparamref name="T"/> <c>char</c>) a string (<see cref="SpanValue"/>).</summary>
public sealed class SpanValue<T> : SpanValue
{
    private readonly T[]? array;
    private readonly string? text;

    private SpanValue() : base(0, 0) { }

    private SpanValue(T[]? array, int start, int length) : base(start, length) => this.array = array;

    private SpanValue(string? text, int start, int length) : base(start, length) => this.text = text;

    /// <summary>A span of a string's characters, its bounds already checked (<see cref="SpanValue.OverText"/>).</summary>
    internal static SpanValue<T> OfText(string? text, int start, int length) => new(text, start, length);

    /// <inheritdoc/>
    public override Array? Array => array;

    /// <inheritdoc/>
    public override string? Text => text;

    /// <inheritdoc/>
    public override Type ElementType => typeof(T);

    /// <summary>The span itself, read-only.</summary>
    public ReadOnlySpan<T> ReadOnly => text is null
        ? new(array, Start, Length)
        // T is char here (OfText is made only for SpanValue<char>): the string's characters as T.
        : System.Runtime.InteropServices.MemoryMarshal.CreateReadOnlySpan(
            ref System.Runtime.CompilerServices.Unsafe.As<char, T>(ref System.Runtime.InteropServices.MemoryMarshal.GetReference(text.AsSpan(Start, Length))), Length);

    /// <summary>The span itself, writable: only a span of an array can be (a string's characters cannot be written).</summary>
    public Span<T> Writable => text is null
        ? new(array, Start, Length)
        : throw new InvalidOperationException("a span of a string's characters is read-only; it cannot be passed as a Span<char>");

    /// <inheritdoc/>
    public override object Query(string name, object? other) => other is SpanValue span
        ? SpanQueries<T>.WithSpan(name)(ReadOnly, ((SpanValue<T>)span).ReadOnly)
        : SpanQueries<T>.WithElement(name)(ReadOnly, (T)other!);

    /// <inheritdoc/>
    public override object? Item(int index) => ReadOnly[index];

    /// <inheritdoc/>
    public override SpanValue Slice(int start)
    {
        _ = ReadOnly.Slice(start);
        return View(Start + start, Length - start);
    }

    /// <inheritdoc/>
    public override SpanValue Slice(int start, int length)
    {
        _ = ReadOnly.Slice(start, length);
        return View(Start + start, length);
    }

    /// <summary>Another view of the same array or string, its bounds already checked.</summary>
    private SpanValue<T> View(int start, int length) => text is null ? new(array, start, length) : new(text, start, length);

    private protected override SpanValue Make(object? array, int? start, int? length, bool writable)
    {
        var typed = (T[]?)array;
        int from = start ?? 0;
        int count = length ?? (typed is null ? 0 : typed.Length - from);
        // The real constructors, for their checks: a covariant array (Span only), bounds outside the array.
        if (writable)
            _ = start is null && length is null ? new Span<T>(typed) : typed is null && from == 0 && length is null ? default : new Span<T>(typed, from, count);
        else
            _ = start is null && length is null ? new ReadOnlySpan<T>(typed) : typed is null && from == 0 && length is null ? default : new ReadOnlySpan<T>(typed, from, count);
        return new SpanValue<T>(typed, typed is null ? 0 : from, typed is null ? 0 : count);
    }
}

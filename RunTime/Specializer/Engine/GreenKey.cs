using System.Runtime.CompilerServices;

namespace PeJit.Specializer.Engine;

/// <summary>
/// The values of a portal's greens at a merge point: the position in the interpreted program. Equal when
/// every value is: references by identity (green objects are promised immutable, so identity is the
/// program), everything else by value.
/// </summary>
public sealed class GreenKey(IReadOnlyList<object?> values) : IEquatable<GreenKey>
{
    /// <summary>
    /// The values as an array: equality and hashing run at every slow-path visit, and through the interface they would
    /// allocate an enumerator and dispatch each element (the runtime passes arrays; anything else is copied once).
    /// </summary>
    private readonly object?[] items = values as object?[] ?? [.. values];

    /// <summary>The green values, in declared order.</summary>
    public IReadOnlyList<object?> Values => items;

    /// <inheritdoc/>
    public bool Equals(GreenKey? other)
    {
        if (other is null) return false;
        var theirs = other.items;
        if (theirs.Length != items.Length) return false;
        for (int i = 0; i < items.Length; i++)
            if (!Same(items[i], theirs[i])) return false;
        return true;
    }

    // An int, the commonest green (a position in the program), is compared and hashed here: through object.Equals,
    // GetType().IsValueType and HashCode, every slow-path visit and every key the first unit's specialization looks up
    // called a dozen framework methods often enough for .NET's tier-1 thread to recompile each twice in a short
    // JIT-enabled process (Docs/PERFORMANCE.md, "What a short JIT-enabled process pays, cut by count").
    private static bool Same(object? a, object? b) =>
        a is int x ? b is int y && x == y
        : a is null || b is null || a.GetType().IsValueType || a is string ? Equals(a, b) : ReferenceEquals(a, b);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is GreenKey other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        // FNV-1a's step over each value's hash: equal keys hash alike, which is all the sets and tables keyed by it ask.
        uint hash = 2166136261;
        foreach (var value in items)
        {
            int one = value is int number ? number
                : value is null ? 0 : value.GetType().IsValueType || value is string ? value.GetHashCode() : RuntimeHelpers.GetHashCode(value);
            hash = (hash ^ (uint)one) * 16777619;
        }
        return (int)hash;
    }

    /// <summary>Primitive values as they are, objects by type name: <c>(12, Code)</c>.</summary>
    /// <remarks>A loop, not LINQ: every unit's residual graph is named with its key, the first time in a process's first unit.</remarks>
    public override string ToString()
    {
        var text = new System.Text.StringBuilder("(");
        for (int i = 0; i < items.Length; i++)
        {
            if (i > 0) text.Append(", ");
            var v = items[i];
            text.Append(v is null ? "null" : v.GetType().IsPrimitive || v is string ? v.ToString() : v.GetType().Name);
        }
        return text.Append(')').ToString();
    }
}

using System.Runtime.CompilerServices;

namespace PeJit.Specializer.Engine;

/// <summary>
/// The values of a portal's greens at a merge point: the position in the interpreted program. Equal when
/// every value is: references by identity (green objects are promised immutable, so identity is the
/// program), everything else by value.
/// </summary>
public sealed class GreenKey(IReadOnlyList<object?> values) : IEquatable<GreenKey>
{
    /// <summary>The green values, in declared order.</summary>
    public IReadOnlyList<object?> Values { get; } = values;

    /// <inheritdoc/>
    public bool Equals(GreenKey? other)
    {
        if (other is null || other.Values.Count != Values.Count) return false;
        for (int i = 0; i < Values.Count; i++)
            if (!Same(Values[i], other.Values[i])) return false;
        return true;
    }

    private static bool Same(object? a, object? b) =>
        a is null || b is null || a.GetType().IsValueType || a is string ? Equals(a, b) : ReferenceEquals(a, b);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is GreenKey other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var value in Values)
            hash.Add(value is null ? 0 : value.GetType().IsValueType || value is string ? value.GetHashCode() : RuntimeHelpers.GetHashCode(value));
        return hash.ToHashCode();
    }

    /// <summary>Primitive values as they are, objects by type name: <c>(12, Code)</c>.</summary>
    public override string ToString() =>
        "(" + string.Join(", ", Values.Select(v => v is null ? "null" : v.GetType().IsPrimitive || v is string ? v.ToString() : v.GetType().Name)) + ")";
}

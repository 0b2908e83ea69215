using PeJit.IR;

namespace PeJit.Optimizer;

/// <summary>
/// Equality of (object, field) keys, a value and a field's name compared ordinally, as <c>ValueTuple</c>'s own equality
/// compares them: what allocation removal keys its variables and split parameters by. Passed to those dictionaries so that
/// they do not make <c>EqualityComparer&lt;(Value, string)&gt;.Default</c>, which .NET creates by reflection and compiles,
/// with the tuple's <c>Equals</c> and <c>GetHashCode</c>, on the first unit's thread in every process (ReadyToRun cannot
/// hold a framework generic over PeJit's struct). The hash differs from the tuple's, which changes no order a pass sees: a
/// dictionary enumerates in insertion order whatever its keys hash to.
/// </summary>
internal sealed class MemberFieldComparer : IEqualityComparer<(Value, string)>
{
    /// <summary>The one instance.</summary>
    public static readonly MemberFieldComparer Instance = new();

    private MemberFieldComparer()
    {
    }

    /// <inheritdoc/>
    public bool Equals((Value, string) x, (Value, string) y) => x.Item1.Index == y.Item1.Index && string.Equals(x.Item2, y.Item2, StringComparison.Ordinal);

    /// <inheritdoc/>
    public int GetHashCode((Value, string) key) => unchecked(key.Item1.Index * 31 + (key.Item2?.GetHashCode() ?? 0));
}

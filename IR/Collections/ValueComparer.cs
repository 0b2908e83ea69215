namespace PeJit.IR;

/// <summary>
/// Equality of values by index, as <see cref="Value"/>'s own: for a <c>Dictionary&lt;Value, _&gt;</c> or
/// <c>HashSet&lt;Value&gt;</c> that cannot be one of the IR's dense maps (<see cref="ValueToValueMap"/>, <see cref="ValueSet"/>),
/// so that it does not make <c>EqualityComparer&lt;Value&gt;.Default</c>, which .NET creates by reflection and compiles on
/// the first unit's thread (see <see cref="SlotComparer"/>). A dictionary enumerates in insertion order whatever its keys
/// hash to, so the comparer changes no order.
/// </summary>
public sealed class ValueComparer : IEqualityComparer<Value>
{
    /// <summary>The one instance.</summary>
    public static readonly ValueComparer Instance = new();

    private ValueComparer()
    {
    }

    /// <inheritdoc/>
    public bool Equals(Value x, Value y) => x.Index == y.Index;

    /// <inheritdoc/>
    public int GetHashCode(Value value) => value.Index;
}

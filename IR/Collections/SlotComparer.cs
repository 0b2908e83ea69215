namespace PeJit.IR;

/// <summary>
/// Equality of slots by index, as <see cref="Slot"/>'s own: given to a <c>Dictionary&lt;Slot, _&gt;</c> so that it does
/// not make <c>EqualityComparer&lt;Slot&gt;.Default</c>, which .NET creates by reflection and compiles (five methods) on
/// the first thread that needs it, the first unit's in every process: ReadyToRun holds the dictionary's code over
/// <see cref="Slot"/> (PeJit's images carry such instantiations) but not the default comparer of a struct of PeJit's.
/// The hash is the index, as the record's is for one int field up to a constant, so no order a dictionary keeps changes.
/// </summary>
public sealed class SlotComparer : IEqualityComparer<Slot>
{
    /// <summary>The one instance.</summary>
    public static readonly SlotComparer Instance = new();

    private SlotComparer()
    {
    }

    /// <inheritdoc/>
    public bool Equals(Slot x, Slot y) => x.Index == y.Index;

    /// <inheritdoc/>
    public int GetHashCode(Slot slot) => slot.Index;
}

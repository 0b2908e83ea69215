namespace PeJit.Analysis.BindingTimes;

/// <summary>How the code uses the address of a slot (<c>slotaddr</c>): see <see cref="ReadOnlyAddresses"/>.</summary>
internal enum AddressUse
{
    /// <summary>Stored, passed on, or written through in a way the analysis cannot follow: the slot is red.</summary>
    Ordinary,
    /// <summary>Only read through: the slot keeps its binding time.</summary>
    ReadOnly,
    /// <summary>Read through and passed as <c>this</c> to field writers (<see cref="FieldWriters"/>): the slot stays green while what they write is.</summary>
    WrittenThrough,
}

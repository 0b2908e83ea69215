using PeJit.IR;

namespace PeJit.Optimizer;

/// <summary>
/// An array element a loop keeps in an SSA value instead of memory: the array and the index, the accesses to
/// it, the type its value is carried in, and (once rewritten) where the value comes from.
/// </summary>
internal sealed class PromotedElement(Value array, ArrayIndex index, IrType indexType, List<ElementAccess> accesses, IrType carried)
{
    /// <summary>The array (loop-invariant).</summary>
    public Value Array { get; } = array;

    /// <summary>The index (loop-invariant).</summary>
    public ArrayIndex Index { get; } = index;

    /// <summary>The type of the index as the first access computed it (the root's type, or the constant's).</summary>
    public IrType IndexType { get; } = indexType;

    /// <summary>Every load and store of the element in the loop.</summary>
    public List<ElementAccess> Accesses { get; } = accesses;

    /// <summary>The type loads of the element produce, which the SSA value has: stores convert to it.</summary>
    public IrType Carried { get; } = carried;

    /// <summary>True when the loop stores to the element, so it must be written back when control leaves.</summary>
    public bool Stored
    {
        get
        {
            // A loop, not LINQ: its delegate and iterator types load on every first unit's path.
            foreach (var access in Accesses)
                if (access.IsStore) return true;
            return false;
        }
    }

    /// <summary>The element type of the loop's loads (or, with none, of its stores): what the preheader loads with.</summary>
    public IrType LoadType => (Accesses.FirstOrDefault(a => !a.IsStore) ?? Accesses[0]).Instruction.TypeOperand!;

    /// <summary>The element type of the loop's stores: what write-backs store with.</summary>
    public IrType StoreType => Accesses.First(a => a.IsStore).Instruction.TypeOperand!;

    /// <summary>The index, computed in the preheader.</summary>
    public Value IndexValue { get; set; }

    /// <summary>The value of the element as the loop changes it.</summary>
    public SsaUpdater? Value { get; set; }
}

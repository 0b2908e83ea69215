using PeJit.IR;

namespace PeJit.Optimizer;

/// <summary>An <c>ldelem</c> or <c>stelem</c> in a loop, as memory promotion sees it.</summary>
/// <param name="Instruction">The load or store.</param>
/// <param name="Block">Its block.</param>
/// <param name="Array">The array value (a repeated load of the same field hoisted from the loop is its first copy).</param>
/// <param name="Index">The index as a root plus a constant.</param>
/// <param name="Element">Which arrays it may touch (<see cref="ElementClass"/>); null when that is unknown.</param>
/// <param name="Invariant">True when the array and the index root do not change in the loop.</param>
internal sealed record ElementAccess(Instruction Instruction, Block Block, Value Array, ArrayIndex Index, ElementClass? Element, bool Invariant)
{
    /// <summary>True for a store.</summary>
    public bool IsStore => Instruction.Opcode == Opcode.StoreElement;

    /// <summary>True when this access and <paramref name="other"/> may touch the same array object.</summary>
    public bool MayShareArrayWith(ElementAccess other) => Element is not { } mine || other.Element is not { } theirs || mine == theirs;
}

using System.Diagnostics.CodeAnalysis;
using PeJit.IR;

namespace PeJit.Backends.Cil;

/// <summary>
/// The outlined entries one method jumps to (<see cref="ColdCode.Scope.Stubs"/>), found by their block: a hash table sized
/// by the entries, not an array the size of the graph per method (a unit of N outlined loops has N + 1 such methods and
/// more for its cold code, which would cost N times the graph). Open addressing on the block's index; every entry is
/// stored at its own block (an outlined entry begins at its block, a loop's at its header).
/// </summary>
/// <remarks>Non-generic over arrays: a framework dictionary keyed by an IR struct would be compiled by .NET on the first unit's path.</remarks>
internal sealed class StubTable
{
    private ColdCode.Entry?[] slots = new ColdCode.Entry?[4];
    private int count;

    /// <summary>The entry at <paramref name="block"/>, if this method jumps to one there.</summary>
    public bool TryGetValue(Block block, [MaybeNullWhen(false)] out ColdCode.Entry entry)
    {
        int mask = slots.Length - 1;
        for (int i = Hash(block.Index) & mask; ; i = (i + 1) & mask)
        {
            var slot = slots[i];
            if (slot is null) break;
            if (slot.Block == block)
            {
                entry = slot;
                return true;
            }
        }
        entry = null;
        return false;
    }

    /// <summary>The entry at <paramref name="block"/>; there must be one.</summary>
    public ColdCode.Entry this[Block block] =>
        TryGetValue(block, out var entry) ? entry : throw new KeyNotFoundException($"{block} is no outlined entry this method jumps to");

    /// <summary>Adds <paramref name="entry"/> at its block; false when one is there already.</summary>
    public bool TryAdd(ColdCode.Entry entry)
    {
        if (TryGetValue(entry.Block, out _)) return false;
        if (2 * (count + 1) > slots.Length) Grow();
        Insert(slots, entry);
        count++;
        return true;
    }

    private void Grow()
    {
        var larger = new ColdCode.Entry?[slots.Length * 2];
        foreach (var entry in slots)
            if (entry is not null) Insert(larger, entry);
        slots = larger;
    }

    private static void Insert(ColdCode.Entry?[] into, ColdCode.Entry entry)
    {
        int mask = into.Length - 1;
        int i = Hash(entry.Block.Index) & mask;
        while (into[i] is not null) i = (i + 1) & mask;
        into[i] = entry;
    }

    /// <summary>Fibonacci hashing: blocks a few apart (a unit's exits) spread over the table.</summary>
    private static int Hash(int index) => (int)((uint)index * 2654435769u >> 7);
}

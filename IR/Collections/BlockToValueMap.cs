namespace PeJit.IR;

/// <summary>
/// A map from the blocks of one graph to values of the same graph (what a variable holds at the start or end of each block), as an array
/// indexed by <see cref="Block.Index"/>: what passes use instead of <c>Dictionary&lt;Block, Value&gt;</c>, which .NET
/// compiles in every process on first use (a framework generic over a struct of PeJit's; <c>Docs/PERFORMANCE.md</c>,
/// warm-up). Not generic, so ReadyToRun precompiles it with PeJit.IR. Look-up, set and remove: O(1) (amortized when
/// the array grows).
/// </summary>
public sealed class BlockToValueMap
{
    private DenseIndexMap map;

    /// <summary>An empty map with room for the blocks of a graph of <paramref name="blockCount"/> blocks.</summary>
    public BlockToValueMap(int blockCount = 0) => map = new DenseIndexMap(blockCount);

    /// <summary>The number of blocks mapped.</summary>
    public int Count => map.Count;

    /// <summary>What <paramref name="key"/> maps to; setting adds or replaces it.</summary>
    /// <exception cref="KeyNotFoundException">Getting a block the map does not hold.</exception>
    public Value this[Block key]
    {
        get => TryGetValue(key, out var mapped) ? mapped : throw new KeyNotFoundException($"{key} is not in the map");
        set => map.Set(key.Index, value.Index);
    }

    /// <summary>Whether <paramref name="key"/> is mapped.</summary>
    public bool ContainsKey(Block key) => map.TryGet(key.Index, out _);

    /// <summary>What <paramref name="key"/> maps to, when it is mapped.</summary>
    public bool TryGetValue(Block key, out Value mapped)
    {
        bool found = map.TryGet(key.Index, out int index);
        mapped = new Value(found ? index : 0);
        return found;
    }

    /// <summary>Removes <paramref name="key"/>; false when it was not mapped.</summary>
    public bool Remove(Block key) => map.Remove(key.Index);

    /// <summary>Empties the map.</summary>
    public void Clear() => map.Clear();
}

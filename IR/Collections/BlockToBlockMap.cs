namespace PeJit.IR;

/// <summary>
/// A map from the blocks of one graph to blocks of the same graph (a block and its copy), as an array
/// indexed by <see cref="Block.Index"/>: what passes use instead of <c>Dictionary&lt;Block, Block&gt;</c>, which .NET
/// compiles in every process on first use (a framework generic over a struct of PeJit's; <c>Docs/PERFORMANCE.md</c>,
/// warm-up). Not generic, so ReadyToRun precompiles it with PeJit.IR. Look-up, set and remove: O(1) (amortized when
/// the array grows).
/// </summary>
public sealed class BlockToBlockMap
{
    private DenseIndexMap map;

    /// <summary>An empty map with room for the blocks of a graph of <paramref name="blockCount"/> blocks.</summary>
    public BlockToBlockMap(int blockCount = 0) => map = new DenseIndexMap(blockCount);

    /// <summary>The number of blocks mapped.</summary>
    public int Count => map.Count;

    /// <summary>What <paramref name="key"/> maps to; setting adds or replaces it.</summary>
    /// <exception cref="KeyNotFoundException">Getting a block the map does not hold.</exception>
    public Block this[Block key]
    {
        get => TryGetValue(key, out var mapped) ? mapped : throw new KeyNotFoundException($"{key} is not in the map");
        set => map.Set(key.Index, value.Index);
    }

    /// <summary>Whether <paramref name="key"/> is mapped.</summary>
    public bool ContainsKey(Block key) => map.TryGet(key.Index, out _);

    /// <summary>What <paramref name="key"/> maps to, when it is mapped.</summary>
    public bool TryGetValue(Block key, out Block mapped)
    {
        bool found = map.TryGet(key.Index, out int index);
        mapped = new Block(found ? index : 0);
        return found;
    }

    /// <summary>Removes <paramref name="key"/>; false when it was not mapped.</summary>
    public bool Remove(Block key) => map.Remove(key.Index);

    /// <summary>Empties the map.</summary>
    public void Clear() => map.Clear();

    /// <summary>The blocks mapped to, as a set (enumerated in index order).</summary>
    public BlockSet Values
    {
        get
        {
            var values = new BlockSet();
            for (int key = map.Next(0); key >= 0; key = map.Next(key + 1))
            {
                map.TryGet(key, out int mapped);
                values.Add(new Block(mapped));
            }
            return values;
        }
    }
}

using System.Diagnostics.CodeAnalysis;

namespace PeJit.IR;

/// <summary>
/// A map from the blocks of one graph to <typeparamref name="T"/>, as an array indexed by <see cref="Block.Index"/>:
/// what passes and backends use instead of <c>Dictionary&lt;Block, T&gt;</c>. Its methods are few and small, and
/// for a reference type <typeparamref name="T"/> one shared copy serves every instantiation, where each
/// <c>Dictionary&lt;Block, T&gt;</c> is a dozen framework methods .NET compiles in every process on first use (a
/// generic over a struct of PeJit's is outside what ReadyToRun can precompile; <c>Docs/PERFORMANCE.md</c>, warm-up).
/// Look-up, add and remove: O(1) (amortized when the array grows). It is not enumerable on purpose: a walk in
/// index order would differ from a dictionary's insertion order, so code that walks a map keeps a dictionary.
/// </summary>
public sealed class BlockMap<T>
{
    private T[] items;
    private DenseBits present;

    /// <summary>An empty map with room for the blocks of a graph of <paramref name="blockCount"/> blocks.</summary>
    public BlockMap(int blockCount = 0)
    {
        items = blockCount <= 0 ? [] : new T[blockCount];
        present = new DenseBits(blockCount);
    }

    /// <summary>The number of blocks mapped.</summary>
    public int Count => present.Count;

    /// <summary>The value of <paramref name="block"/>; setting adds or replaces it.</summary>
    /// <exception cref="KeyNotFoundException">Getting a block the map does not hold.</exception>
    public T this[Block block]
    {
        get => TryGetValue(block, out var item) ? item : throw new KeyNotFoundException($"{block} is not in the map");
        set
        {
            if (block.Index >= items.Length) Array.Resize(ref items, Math.Max(block.Index + 1, items.Length * 2));
            items[block.Index] = value;
            present.Add(block.Index);
        }
    }

    /// <summary>Whether <paramref name="block"/> is mapped.</summary>
    public bool ContainsKey(Block block) => present.Contains(block.Index);

    /// <summary>The value of <paramref name="block"/>, when it is mapped.</summary>
    public bool TryGetValue(Block block, [MaybeNullWhen(false)] out T item)
    {
        if (present.Contains(block.Index))
        {
            item = items[block.Index];
            return true;
        }
        item = default;
        return false;
    }

    /// <summary>The value of <paramref name="block"/>, or <paramref name="fallback"/> when it is not mapped.</summary>
    public T? GetValueOrDefault(Block block, T? fallback = default) => TryGetValue(block, out var item) ? item : fallback;

    /// <summary>Maps <paramref name="block"/> to <paramref name="item"/> unless it is mapped already; false then.</summary>
    public bool TryAdd(Block block, T item)
    {
        if (ContainsKey(block)) return false;
        this[block] = item;
        return true;
    }

    /// <summary>Removes <paramref name="block"/>; false when it was not mapped.</summary>
    public bool Remove(Block block)
    {
        if (!present.Remove(block.Index)) return false;
        items[block.Index] = default!;
        return true;
    }

    /// <summary>Empties the map.</summary>
    public void Clear()
    {
        Array.Clear(items);
        present.Clear();
    }
}

namespace PeJit.IR;

/// <summary>
/// A growable map from dense non-negative indices to non-negative indices, as one int array (the mapped index plus
/// one, 0 for none): the storage of <see cref="ValueToValueMap"/>, <see cref="BlockToValueMap"/> and
/// <see cref="BlockToBlockMap"/>. Not generic on purpose, like <see cref="DenseBits"/>: ReadyToRun precompiles it with
/// PeJit.IR, where a framework <c>Dictionary&lt;Value, Value&gt;</c> is compiled by .NET on first use in every process.
/// Look-up, set and remove are O(1) (amortized when the array grows).
/// </summary>
internal struct DenseIndexMap
{
    private int[] items;

    public DenseIndexMap(int capacity) => items = capacity <= 0 ? [] : new int[capacity];

    public int Count { get; private set; }

    public readonly bool TryGet(int key, out int mapped)
    {
        var array = items;
        if (array is not null && (uint)key < (uint)array.Length && array[key] != 0)
        {
            mapped = array[key] - 1;
            return true;
        }
        mapped = -1;
        return false;
    }

    public void Set(int key, int mapped)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(key);
        ArgumentOutOfRangeException.ThrowIfNegative(mapped);
        if (items is null || key >= items.Length)
        {
            // Not Array.Resize: a generic method .NET would compile.
            var grown = new int[Math.Max(key + 1, (items?.Length ?? 0) * 2)];
            if (items is not null) Array.Copy(items, grown, items.Length);
            items = grown;
        }
        if (items[key] == 0) Count++;
        items[key] = mapped + 1;
    }

    public bool Remove(int key)
    {
        if (items is null || (uint)key >= (uint)items.Length || items[key] == 0) return false;
        items[key] = 0;
        Count--;
        return true;
    }

    public void Clear()
    {
        if (items is not null) Array.Clear(items);
        Count = 0;
    }

    /// <summary>The first key at or after <paramref name="from"/> that is mapped, or -1.</summary>
    public readonly int Next(int from)
    {
        var array = items;
        if (array is null) return -1;
        for (int key = Math.Max(from, 0); key < array.Length; key++)
            if (array[key] != 0) return key;
        return -1;
    }
}

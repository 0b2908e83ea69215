namespace PeJit.IR;

/// <summary>
/// A map from the values of one graph to non-negative numbers (a value number, a position), as an array
/// indexed by <see cref="Value.Index"/>: what passes use instead of <c>Dictionary&lt;Value, int&gt;</c>, which .NET
/// compiles in every process on first use (a framework generic over a struct of PeJit's; <c>Docs/PERFORMANCE.md</c>,
/// warm-up). Not generic, so ReadyToRun precompiles it with PeJit.IR. Look-up, set and remove: O(1) (amortized when
/// the array grows).
/// </summary>
public sealed class ValueToIndexMap
{
    private DenseIndexMap map;

    /// <summary>An empty map with room for the values of a graph of <paramref name="valueCount"/> values.</summary>
    public ValueToIndexMap(int valueCount = 0) => map = new DenseIndexMap(valueCount);

    /// <summary>The number of values mapped.</summary>
    public int Count => map.Count;

    /// <summary>What <paramref name="key"/> maps to; setting adds or replaces it.</summary>
    /// <exception cref="KeyNotFoundException">Getting a value the map does not hold.</exception>
    public int this[Value key]
    {
        get => TryGetValue(key, out var mapped) ? mapped : throw new KeyNotFoundException($"{key} is not in the map");
        set => map.Set(key.Index, value);
    }

    /// <summary>Whether <paramref name="key"/> is mapped.</summary>
    public bool ContainsKey(Value key) => map.TryGet(key.Index, out _);

    /// <summary>What <paramref name="key"/> maps to, when it is mapped.</summary>
    public bool TryGetValue(Value key, out int mapped)
    {
        bool found = map.TryGet(key.Index, out int index);
        mapped = found ? index : 0;
        return found;
    }

    /// <summary>Removes <paramref name="key"/>; false when it was not mapped.</summary>
    public bool Remove(Value key) => map.Remove(key.Index);

    /// <summary>Empties the map.</summary>
    public void Clear() => map.Clear();
}

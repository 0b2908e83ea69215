using System.Diagnostics.CodeAnalysis;

namespace PeJit.IR;

/// <summary>
/// A map from the values of one graph to <typeparamref name="T"/>, as an array indexed by <see cref="Value.Index"/>:
/// what passes and backends use instead of <c>Dictionary&lt;Value, T&gt;</c>. Its methods are few and small, and
/// for a reference type <typeparamref name="T"/> one shared copy serves every instantiation, where each
/// <c>Dictionary&lt;Value, T&gt;</c> is a dozen framework methods .NET compiles in every process on first use (a
/// generic over a struct of PeJit's is outside what ReadyToRun can precompile; <c>Docs/PERFORMANCE.md</c>, warm-up).
/// Look-up, add and remove: O(1) (amortized when the array grows). It is not enumerable on purpose: a walk in
/// index order would differ from a dictionary's insertion order, so code that walks a map keeps a dictionary.
/// </summary>
public sealed class ValueMap<T>
{
    private T[] items;
    private DenseBits present;

    /// <summary>An empty map with room for the values of a graph of <paramref name="valueCount"/> values.</summary>
    public ValueMap(int valueCount = 0)
    {
        items = valueCount <= 0 ? [] : new T[valueCount];
        present = new DenseBits(valueCount);
    }

    /// <summary>The number of values mapped.</summary>
    public int Count => present.Count;

    /// <summary>The value of <paramref name="key"/>; setting adds or replaces it.</summary>
    /// <exception cref="KeyNotFoundException">Getting a value the map does not hold.</exception>
    public T this[Value key]
    {
        get => TryGetValue(key, out var item) ? item : throw new KeyNotFoundException($"{key} is not in the map");
        set
        {
            if (key.Index >= items.Length) Array.Resize(ref items, Math.Max(key.Index + 1, items.Length * 2));
            items[key.Index] = value;
            present.Add(key.Index);
        }
    }

    /// <summary>Whether <paramref name="key"/> is mapped.</summary>
    public bool ContainsKey(Value key) => present.Contains(key.Index);

    /// <summary>The value of <paramref name="key"/>, when it is mapped.</summary>
    public bool TryGetValue(Value key, [MaybeNullWhen(false)] out T item)
    {
        if (present.Contains(key.Index))
        {
            item = items[key.Index];
            return true;
        }
        item = default;
        return false;
    }

    /// <summary>The value of <paramref name="key"/>, or <paramref name="fallback"/> when it is not mapped.</summary>
    public T? GetValueOrDefault(Value key, T? fallback = default) => TryGetValue(key, out var item) ? item : fallback;

    /// <summary>Maps <paramref name="key"/> to <paramref name="item"/> unless it is mapped already; false then.</summary>
    public bool TryAdd(Value key, T item)
    {
        if (ContainsKey(key)) return false;
        this[key] = item;
        return true;
    }

    /// <summary>Removes <paramref name="key"/>; false when it was not mapped.</summary>
    public bool Remove(Value key)
    {
        if (!present.Remove(key.Index)) return false;
        items[key.Index] = default!;
        return true;
    }

    /// <summary>Empties the map.</summary>
    public void Clear()
    {
        Array.Clear(items);
        present.Clear();
    }
}

using System.Diagnostics.CodeAnalysis;

namespace PeJit.IR;

/// <summary>
/// A map from objects (instructions, a pass's own records, names) to values of one graph: what passes use instead of
/// <c>Dictionary&lt;TKey, Value&gt;</c>. The framework's dictionary with a struct of PeJit's as its value is compiled by
/// .NET in every process on first use (<c>Docs/PERFORMANCE.md</c>, warm-up); this one keeps the value's index in a
/// <c>Dictionary&lt;TKey, int&gt;</c>, whose shared code for reference keys the framework's image holds precompiled, and
/// its own shared code is PeJit's. Not enumerable: a pass that walks one keeps its keys in a list.
/// </summary>
/// <typeparam name="TKey">A reference type, so that one shared copy of the code serves every key type.</typeparam>
public sealed class KeyedValues<TKey> where TKey : class
{
    private readonly Dictionary<TKey, int> indices;

    /// <summary>An empty map comparing keys with <paramref name="comparer"/> (their own equality when null).</summary>
    public KeyedValues(IEqualityComparer<TKey>? comparer = null) => indices = new Dictionary<TKey, int>(comparer);

    /// <summary>The number of keys mapped.</summary>
    public int Count => indices.Count;

    /// <summary>The value of <paramref name="key"/>; setting adds or replaces it.</summary>
    /// <exception cref="KeyNotFoundException">Getting a key the map does not hold.</exception>
    public Value this[TKey key]
    {
        get => new(indices[key]);
        set => indices[key] = value.Index;
    }

    /// <summary>Whether <paramref name="key"/> is mapped.</summary>
    public bool ContainsKey(TKey key) => indices.ContainsKey(key);

    /// <summary>The value of <paramref name="key"/>, when it is mapped.</summary>
    public bool TryGetValue(TKey key, [MaybeNullWhen(false)] out Value value)
    {
        bool found = indices.TryGetValue(key, out int index);
        value = new Value(index);
        return found;
    }

    /// <summary>Empties the map.</summary>
    public void Clear() => indices.Clear();
}

namespace PeJit.Analysis.BindingTimes;

/// <summary>
/// A list of indices (instruction positions, loop numbers) for each key index (a value, a slot), fixed
/// once built: who reads what, for the fixpoint's dependencies.
/// </summary>
/// <remarks>
/// Two arrays (each key's items, contiguous, and where they start) rather than a list per key: an
/// analysis keeps one of these per annotated graph alive until it ends, and thousands of small lists
/// would make every garbage collection meanwhile trace and copy them.
/// </remarks>
internal sealed class IndexLists
{
    private readonly int[] start;
    private readonly int[] items;

    private IndexLists(int[] start, int[] items)
    {
        this.start = start;
        this.items = items;
    }

    /// <summary>No key has items.</summary>
    public static IndexLists Empty { get; } = new([0], []);

    /// <summary>The items of <paramref name="key"/>, in the order they were given.</summary>
    public ReadOnlySpan<int> this[int key] =>
        key + 1 < start.Length ? items.AsSpan(start[key], start[key + 1] - start[key]) : [];

    /// <summary>Groups <paramref name="pairs"/> by key, keys 0..<paramref name="keyCount"/>-1.</summary>
    public static IndexLists Build(int keyCount, List<(int Key, int Item)> pairs)
    {
        if (pairs.Count == 0) return Empty;
        var start = new int[keyCount + 1];
        foreach (var (key, _) in pairs) start[key + 1]++;
        for (int key = 0; key < keyCount; key++) start[key + 1] += start[key];
        var items = new int[pairs.Count];
        var next = start[..^1];
        foreach (var (key, item) in pairs) items[next[key]++] = item;
        return new IndexLists(start, items);
    }
}

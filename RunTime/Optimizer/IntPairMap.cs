namespace PeJit.Optimizer;

/// <summary>
/// A map from a pair of ints to an int: the guards pass's orderings per pair of value numbers
/// (<see cref="ComparisonFacts"/>), load/store forwarding's known values per (object, field) and (array, index)
/// (<see cref="ForwardMemory"/>). A hash table over int arrays, with chaining through indexes; the live entries are
/// enumerated by position.
/// </summary>
/// <remarks>
/// Why not <c>Dictionary&lt;(int, int), int&gt;</c> or a dictionary over tuples of values: a framework generic over a
/// tuple or a PeJit struct is compiled by .NET in every process, on the first unit's path (ReadyToRun cannot
/// precompile it; Docs/PERFORMANCE.md, warm-up), 10-20 methods each. This class is PeJit's own and not generic, so it
/// is precompiled. Look-up, set and remove: O(1) expected; enumeration: O(entries ever added).
/// </remarks>
internal sealed class IntPairMap
{
    private int[] buckets = new int[16];   // entry index + 1, 0 for none
    private int[] next = new int[16];      // entry index + 1 of the next entry in the chain
    private int[] lefts = new int[16];
    private int[] rights = new int[16];
    private int[] masks = new int[16];
    private bool[] live = new bool[16];
    private int used;
    private int free;                      // entry index + 1 of the first free entry, chained through next

    /// <summary>The number of pairs mapped.</summary>
    public int Count { get; private set; }

    /// <summary>The mask of (<paramref name="left"/>, <paramref name="right"/>), when it is mapped.</summary>
    public bool TryGetValue(int left, int right, out int mask)
    {
        for (int e = buckets[Bucket(left, right)]; e != 0; e = next[e - 1])
            if (lefts[e - 1] == left && rights[e - 1] == right)
            {
                mask = masks[e - 1];
                return true;
            }
        mask = 0;
        return false;
    }

    /// <summary>Maps (<paramref name="left"/>, <paramref name="right"/>) to <paramref name="mask"/>, replacing what it had.</summary>
    public void Set(int left, int right, int mask)
    {
        int bucket = Bucket(left, right);
        for (int e = buckets[bucket]; e != 0; e = next[e - 1])
            if (lefts[e - 1] == left && rights[e - 1] == right)
            {
                masks[e - 1] = mask;
                return;
            }
        int entry;
        if (free != 0)
        {
            entry = free - 1;
            free = next[entry];
        }
        else
        {
            if (used == lefts.Length)
            {
                Grow();
                bucket = Bucket(left, right);
            }
            entry = used++;
        }
        (lefts[entry], rights[entry], masks[entry], live[entry]) = (left, right, mask, true);
        next[entry] = buckets[bucket];
        buckets[bucket] = entry + 1;
        Count++;
    }

    /// <summary>Removes (<paramref name="left"/>, <paramref name="right"/>); false when it was not mapped.</summary>
    public bool Remove(int left, int right)
    {
        int bucket = Bucket(left, right);
        int previous = 0;
        for (int e = buckets[bucket]; e != 0; previous = e, e = next[e - 1])
        {
            if (lefts[e - 1] != left || rights[e - 1] != right) continue;
            if (previous == 0) buckets[bucket] = next[e - 1];
            else next[previous - 1] = next[e - 1];
            live[e - 1] = false;
            next[e - 1] = free;
            free = e;
            Count--;
            return true;
        }
        return false;
    }

    /// <summary>Empties the map, keeping its room.</summary>
    public void Clear()
    {
        if (Count == 0 && used == 0) return;
        Array.Clear(buckets);
        Array.Clear(live);
        used = 0;
        free = 0;
        Count = 0;
    }

    /// <summary>The number of entry positions <see cref="LeftAt"/>, <see cref="RightAt"/> and <see cref="MaskAt"/> take; some are empty (<see cref="IsLive"/>).</summary>
    public int Positions => used;

    /// <summary>Whether position <paramref name="position"/> holds a pair.</summary>
    public bool IsLive(int position) => live[position];

    /// <summary>The first value number of the pair at <paramref name="position"/>.</summary>
    public int LeftAt(int position) => lefts[position];

    /// <summary>The second value number of the pair at <paramref name="position"/>.</summary>
    public int RightAt(int position) => rights[position];

    /// <summary>The mask of the pair at <paramref name="position"/>.</summary>
    public int MaskAt(int position) => masks[position];

    private int Bucket(int left, int right) =>
        (int)((uint)unchecked((left * -1640531535) ^ (right * 0x5bd1e995)) % (uint)buckets.Length);

    private void Grow()
    {
        int size = lefts.Length * 2;
        lefts = Grown(lefts, size);
        rights = Grown(rights, size);
        masks = Grown(masks, size);
        var wasLive = live;
        live = new bool[size];
        Array.Copy(wasLive, live, wasLive.Length);
        next = new int[size];
        buckets = new int[size];
        for (int entry = 0; entry < used; entry++)
        {
            if (!live[entry]) continue;
            int bucket = Bucket(lefts[entry], rights[entry]);
            next[entry] = buckets[bucket];
            buckets[bucket] = entry + 1;
        }
        // Free entries are all below used and dead; chain them again.
        free = 0;
        for (int entry = used - 1; entry >= 0; entry--)
            if (!live[entry])
            {
                next[entry] = free;
                free = entry + 1;
            }
    }

    /// <summary>A copy of <paramref name="items"/> with room for <paramref name="size"/> (not <c>Array.Resize</c>, a generic method .NET would compile).</summary>
    internal static int[] Grown(int[] items, int size)
    {
        var grown = new int[size];
        Array.Copy(items, grown, items.Length);
        return grown;
    }
}

using System.Numerics;

namespace PeJit.IR;

/// <summary>
/// A growable bit array over dense indices with a count: the storage of <see cref="BlockSet"/> and
/// <see cref="ValueSet"/>. Not generic on purpose: ReadyToRun precompiles it with PeJit.IR, where a framework
/// <c>HashSet&lt;Block&gt;</c> (a generic over a struct of PeJit's, outside the framework's version bubble) is
/// compiled by .NET on first use in every process (<c>Docs/PERFORMANCE.md</c>, warm-up).
/// Add, remove and test are O(1) (amortized when the array grows); enumeration is O(capacity / 64 + count).
/// </summary>
internal struct DenseBits
{
    private ulong[] words;

    public DenseBits(int capacity) => words = capacity <= 0 ? [] : new ulong[(capacity + 63) >> 6];

    public int Count { get; private set; }

    /// <summary>The number of indices the array holds without growing (a multiple of 64).</summary>
    public readonly int Capacity => (words?.Length ?? 0) << 6;

    public readonly bool Contains(int index)
    {
        var bits = words;
        int word = index >> 6;
        return bits is not null && (uint)word < (uint)bits.Length && (bits[word] & (1UL << index)) != 0;
    }

    public bool Add(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        int word = index >> 6;
        if (words is null || word >= words.Length)
        {
            // Not Array.Resize: a generic method .NET would compile (Array.Resize<ulong> is not precompiled).
            var grown = new ulong[Math.Max(word + 1, (words?.Length ?? 0) * 2)];
            if (words is not null) Array.Copy(words, grown, words.Length);
            words = grown;
        }
        ulong mask = 1UL << index;
        if ((words[word] & mask) != 0) return false;
        words[word] |= mask;
        Count++;
        return true;
    }

    public bool Remove(int index)
    {
        int word = index >> 6;
        if (words is null || (uint)word >= (uint)words.Length) return false;
        ulong mask = 1UL << index;
        if ((words[word] & mask) == 0) return false;
        words[word] &= ~mask;
        Count--;
        return true;
    }

    public void Clear()
    {
        if (words is not null) Array.Clear(words);
        Count = 0;
    }

    /// <summary>The first index at or after <paramref name="from"/> in the set, or -1.</summary>
    public readonly int Next(int from)
    {
        var bits = words;
        if (bits is null || from < 0) return -1;
        int word = from >> 6;
        if (word >= bits.Length) return -1;
        ulong rest = bits[word] & (~0UL << from);
        while (true)
        {
            if (rest != 0) return (word << 6) + BitOperations.TrailingZeroCount(rest);
            if (++word >= bits.Length) return -1;
            rest = bits[word];
        }
    }
}

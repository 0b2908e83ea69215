using System.Collections;

namespace PeJit.IR;

/// <summary>
/// A set of blocks of one graph, as a bit array over <see cref="Block.Index"/>: what passes and graph utilities
/// use instead of <c>HashSet&lt;Block&gt;</c>. It enumerates in index order (layout order), whatever the order
/// of the additions, so a pass that walks one does the same thing in every run. Precompiled with PeJit.IR
/// (not generic), so a process's first unit does not wait for .NET to compile it (<see cref="DenseBits"/>).
/// Add, remove, contains: O(1); enumeration: O(highest index / 64 + count).
/// </summary>
public sealed class BlockSet : IReadOnlyCollection<Block>
{
    private DenseBits bits;

    /// <summary>An empty set.</summary>
    public BlockSet() => bits = new DenseBits(0);

    /// <summary>An empty set with room for the blocks of a graph of <paramref name="blockCount"/> blocks.</summary>
    public BlockSet(int blockCount) => bits = new DenseBits(blockCount);

    /// <summary>A set of <paramref name="blocks"/>.</summary>
    public BlockSet(IEnumerable<Block> blocks) : this(0)
    {
        foreach (var block in blocks) Add(block);
    }

    /// <inheritdoc/>
    public int Count => bits.Count;

    /// <summary>Adds <paramref name="block"/>; false when it was there already.</summary>
    public bool Add(Block block) => bits.Add(block.Index);

    /// <summary>Removes <paramref name="block"/>; false when it was not there.</summary>
    public bool Remove(Block block) => bits.Remove(block.Index);

    /// <summary>Whether <paramref name="block"/> is in the set.</summary>
    public bool Contains(Block block) => bits.Contains(block.Index);

    /// <summary>Empties the set.</summary>
    public void Clear() => bits.Clear();

    /// <summary>Adds every block of <paramref name="blocks"/>.</summary>
    public void UnionWith(IEnumerable<Block> blocks)
    {
        foreach (var block in blocks) Add(block);
    }

    /// <summary>Whether some block of <paramref name="blocks"/> is in the set.</summary>
    public bool Overlaps(IEnumerable<Block> blocks)
    {
        foreach (var block in blocks)
            if (Contains(block)) return true;
        return false;
    }

    /// <summary>The blocks in index order.</summary>
    public Enumerator GetEnumerator() => new(this);

    IEnumerator<Block> IEnumerable<Block>.GetEnumerator() => GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Walks a <see cref="BlockSet"/> in index order; the set must not change meanwhile.</summary>
    public struct Enumerator : IEnumerator<Block>
    {
        private readonly BlockSet set;
        private int index;

        internal Enumerator(BlockSet set)
        {
            this.set = set;
            index = -1;
        }

        /// <inheritdoc/>
        public readonly Block Current => new(index);

        readonly object IEnumerator.Current => Current;

        /// <inheritdoc/>
        public bool MoveNext() => (index = set.bits.Next(index + 1)) >= 0;

        /// <inheritdoc/>
        public void Reset() => index = -1;

        /// <inheritdoc/>
        public readonly void Dispose()
        {
        }
    }
}

using System.Collections;

namespace PeJit.IR;

/// <summary>
/// The blocks a terminator jumps to, in the order of its targets (duplicates kept): what
/// <see cref="FlowGraph.Successors"/> returns. A view over the terminator's <see cref="BlockCall"/>s, not a copy;
/// not generic and not LINQ, so ReadyToRun precompiles it with PeJit.IR (<see cref="DenseBits"/>). Indexing and
/// <c>foreach</c> cost nothing beyond reading the list.
/// </summary>
public readonly struct TargetBlocks : IReadOnlyList<Block>
{
    private readonly List<BlockCall>? targets;

    /// <summary>The blocks <paramref name="targets"/> jump to; null for none.</summary>
    public TargetBlocks(List<BlockCall>? targets) => this.targets = targets;

    /// <inheritdoc/>
    public int Count => targets?.Count ?? 0;

    /// <inheritdoc/>
    public Block this[int index] => targets![index].Target;

    /// <summary>Whether some target jumps to <paramref name="block"/>.</summary>
    public bool Contains(Block block)
    {
        for (int i = 0; i < Count; i++)
            if (this[i] == block) return true;
        return false;
    }

    /// <summary>The blocks in target order.</summary>
    public Enumerator GetEnumerator() => new(targets);

    IEnumerator<Block> IEnumerable<Block>.GetEnumerator() => GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Walks the targets in order; the terminator must not change meanwhile.</summary>
    public struct Enumerator : IEnumerator<Block>
    {
        private readonly List<BlockCall>? targets;
        private int index;

        internal Enumerator(List<BlockCall>? targets)
        {
            this.targets = targets;
            index = -1;
        }

        /// <inheritdoc/>
        public readonly Block Current => targets![index].Target;

        readonly object IEnumerator.Current => Current;

        /// <inheritdoc/>
        public bool MoveNext() => ++index < (targets?.Count ?? 0);

        /// <inheritdoc/>
        public void Reset() => index = -1;

        /// <inheritdoc/>
        public readonly void Dispose()
        {
        }
    }
}

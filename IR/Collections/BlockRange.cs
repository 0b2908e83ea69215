using System.Collections;

namespace PeJit.IR;

/// <summary>
/// The blocks <c>block0</c> up to one before a count, in index order: what <see cref="FlowGraph.Blocks"/> returns. The
/// count is taken when the range is made, so blocks added while it is walked are not visited (as with the
/// <c>Enumerable.Range(...).Select(...)</c> it replaces). Not generic and not LINQ, so ReadyToRun precompiles it with
/// PeJit.IR, where LINQ over <see cref="Block"/> is compiled by .NET in every process (<c>Docs/PERFORMANCE.md</c>,
/// warm-up). Indexing and <c>foreach</c> cost nothing beyond the loop.
/// </summary>
public readonly struct BlockRange : IReadOnlyList<Block>
{
    private readonly int count;

    /// <summary>The blocks <c>block0</c> to <c>block(count - 1)</c>.</summary>
    public BlockRange(int count) => this.count = count;

    /// <inheritdoc/>
    public int Count => count;

    /// <inheritdoc/>
    public Block this[int index] => (uint)index < (uint)count ? new Block(index) : throw new ArgumentOutOfRangeException(nameof(index));

    /// <summary>The blocks in index order.</summary>
    public Enumerator GetEnumerator() => new(count);

    IEnumerator<Block> IEnumerable<Block>.GetEnumerator() => GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Walks a <see cref="BlockRange"/> in index order.</summary>
    public struct Enumerator : IEnumerator<Block>
    {
        private readonly int count;
        private int index;

        internal Enumerator(int count)
        {
            this.count = count;
            index = -1;
        }

        /// <inheritdoc/>
        public readonly Block Current => new(index);

        readonly object IEnumerator.Current => Current;

        /// <inheritdoc/>
        public bool MoveNext() => ++index < count;

        /// <inheritdoc/>
        public void Reset() => index = -1;

        /// <inheritdoc/>
        public readonly void Dispose()
        {
        }
    }
}

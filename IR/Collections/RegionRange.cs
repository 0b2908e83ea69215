using System.Collections;

namespace PeJit.IR;

/// <summary>
/// The regions <c>region0</c> up to one before a count, in index order: what <see cref="FlowGraph.Regions"/> returns. The
/// count is taken when the range is made, so regions added while it is walked are not visited (as with the
/// <c>Enumerable.Range(...).Select(...)</c> it replaces). Not generic and not LINQ, so ReadyToRun precompiles it with
/// PeJit.IR, where LINQ over <see cref="Region"/> is compiled by .NET in every process (<c>Docs/PERFORMANCE.md</c>,
/// warm-up). Indexing and <c>foreach</c> cost nothing beyond the loop.
/// </summary>
public readonly struct RegionRange : IReadOnlyList<Region>
{
    private readonly int count;

    /// <summary>The regions <c>region0</c> to <c>region(count - 1)</c>.</summary>
    public RegionRange(int count) => this.count = count;

    /// <inheritdoc/>
    public int Count => count;

    /// <inheritdoc/>
    public Region this[int index] => (uint)index < (uint)count ? new Region(index) : throw new ArgumentOutOfRangeException(nameof(index));

    /// <summary>The regions in index order.</summary>
    public Enumerator GetEnumerator() => new(count);

    IEnumerator<Region> IEnumerable<Region>.GetEnumerator() => GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Walks a <see cref="RegionRange"/> in index order.</summary>
    public struct Enumerator : IEnumerator<Region>
    {
        private readonly int count;
        private int index;

        internal Enumerator(int count)
        {
            this.count = count;
            index = -1;
        }

        /// <inheritdoc/>
        public readonly Region Current => new(index);

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

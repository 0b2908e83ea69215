using System.Collections;
using PeJit.IR.Graphs;

namespace PeJit.IR;

/// <summary>
/// A list of edges (<see cref="Predecessors.EdgesInto"/>, a pass's edges into a block), as an array and a count: what
/// graph utilities use instead of <c>List&lt;Edge&gt;</c>, which .NET compiles in every process on first use (a framework
/// generic over a struct of PeJit's; <c>Docs/PERFORMANCE.md</c>, warm-up). Not generic, so ReadyToRun precompiles it with
/// PeJit.IR; a caller that walks it through <see cref="IReadOnlyList{T}"/> gets this class's own enumerator.
/// Add: O(1) amortized; indexing: O(1); <see cref="RemoveAll"/>: O(count).
/// </summary>
public sealed class EdgeList : IReadOnlyList<Edge>
{
    private static readonly Edge[] None = new Edge[0];
    private Edge[] items = None;

    /// <summary>An empty list.</summary>
    public EdgeList()
    {
    }

    /// <summary>An empty list with room for <paramref name="capacity"/> edges.</summary>
    public EdgeList(int capacity) => items = capacity <= 0 ? None : new Edge[capacity];

    /// <inheritdoc/>
    public int Count { get; private set; }

    /// <inheritdoc/>
    public Edge this[int index] => (uint)index < (uint)Count ? items[index] : throw new ArgumentOutOfRangeException(nameof(index));

    /// <summary>Adds <paramref name="edge"/> at the end.</summary>
    public void Add(Edge edge)
    {
        if (Count == items.Length)
        {
            // Not Array.Resize: a generic method .NET would compile.
            var grown = new Edge[Math.Max(4, Count * 2)];
            Array.Copy(items, grown, Count);
            items = grown;
        }
        items[Count++] = edge;
    }

    /// <summary>Removes every edge <paramref name="match"/> accepts, keeping the others in order; returns how many went.</summary>
    public int RemoveAll(Predicate<Edge> match)
    {
        int kept = 0;
        for (int i = 0; i < Count; i++)
            if (!match(items[i])) items[kept++] = items[i];
        int removed = Count - kept;
        for (int i = kept; i < Count; i++) items[i] = default;
        Count = kept;
        return removed;
    }

    /// <summary>The edges in order.</summary>
    public Enumerator GetEnumerator() => new(this);

    IEnumerator<Edge> IEnumerable<Edge>.GetEnumerator() => GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Walks an <see cref="EdgeList"/> in order; the list must not change meanwhile.</summary>
    public struct Enumerator : IEnumerator<Edge>
    {
        private readonly EdgeList list;
        private int index;

        internal Enumerator(EdgeList list)
        {
            this.list = list;
            index = -1;
        }

        /// <inheritdoc/>
        public readonly Edge Current => list.items[index];

        readonly object IEnumerator.Current => Current;

        /// <inheritdoc/>
        public bool MoveNext() => ++index < list.Count;

        /// <inheritdoc/>
        public void Reset() => index = -1;

        /// <inheritdoc/>
        public readonly void Dispose()
        {
        }
    }
}

using System.Collections;

namespace PeJit.IR;

/// <summary>
/// A set of values of one graph, as a bit array over <see cref="Value.Index"/>: what passes and graph utilities
/// use instead of <c>HashSet&lt;Value&gt;</c>. It enumerates in index order (definition order), whatever the order
/// of the additions, so a pass that walks one does the same thing in every run. Precompiled with PeJit.IR
/// (not generic), so a process's first unit does not wait for .NET to compile it (<see cref="DenseBits"/>).
/// Add, remove, contains: O(1); enumeration: O(highest index / 64 + count).
/// </summary>
public sealed class ValueSet : IReadOnlyCollection<Value>
{
    private DenseBits bits;

    /// <summary>An empty set.</summary>
    public ValueSet() => bits = new DenseBits(0);

    /// <summary>An empty set with room for the values of a graph of <paramref name="valueCount"/> values.</summary>
    public ValueSet(int valueCount) => bits = new DenseBits(valueCount);

    /// <summary>A set of <paramref name="values"/>.</summary>
    public ValueSet(IEnumerable<Value> values) : this(0)
    {
        UnionWith(values);
    }

    /// <inheritdoc/>
    public int Count => bits.Count;

    /// <summary>Adds <paramref name="value"/>; false when it was there already.</summary>
    public bool Add(Value value) => bits.Add(value.Index);

    /// <summary>Removes <paramref name="value"/>; false when it was not there.</summary>
    public bool Remove(Value value) => bits.Remove(value.Index);

    /// <summary>Whether <paramref name="value"/> is in the set.</summary>
    public bool Contains(Value value) => bits.Contains(value.Index);

    /// <summary>Empties the set.</summary>
    public void Clear() => bits.Clear();

    /// <summary>
    /// The values in index order, as a new list: a copy to walk while the set changes. An instance method, so that
    /// <c>set.ToList()</c> does not bind to LINQ's, a framework generic over <see cref="Value"/> that .NET compiles cold.
    /// </summary>
    public List<Value> ToList()
    {
        var values = new List<Value>(Count);
        foreach (var value in this) values.Add(value);
        return values;
    }

    /// <summary>Adds every value of <paramref name="values"/> (operands, arguments, live-in lists).</summary>
    /// <remarks>By index: enumerating a <c>List&lt;Value&gt;</c> as an <c>IEnumerable</c> is code .NET compiles in every process.</remarks>
    public void UnionWith(List<Value> values)
    {
        for (int i = 0; i < values.Count; i++) Add(values[i]);
    }

    /// <summary>Adds every value of <paramref name="values"/>.</summary>
    /// <remarks>
    /// A list or an array passed as an interface (a live-in list, a frame's reds, a collection expression) is walked by
    /// index: enumerated through <c>IEnumerable&lt;Value&gt;</c>, it is code .NET compiles cold (the list's interface
    /// enumerator, the array's <c>SZGenericArrayEnumerator</c>, which an empty list's enumerator is too).
    /// </remarks>
    public void UnionWith(IEnumerable<Value> values)
    {
        switch (values)
        {
            case List<Value> list:
                UnionWith(list);
                return;
            case Value[] array:
                for (int i = 0; i < array.Length; i++) Add(array[i]);
                return;
            case ValueSet set:
                foreach (var value in set) Add(value);
                return;
            default:
                foreach (var value in values) Add(value);
                return;
        }
    }

    /// <summary>Whether some value of <paramref name="values"/> is in the set (a list or an array by index, as <see cref="UnionWith(IEnumerable{Value})"/>).</summary>
    public bool Overlaps(IEnumerable<Value> values)
    {
        switch (values)
        {
            case List<Value> list:
                for (int i = 0; i < list.Count; i++)
                    if (Contains(list[i])) return true;
                return false;
            case Value[] array:
                for (int i = 0; i < array.Length; i++)
                    if (Contains(array[i])) return true;
                return false;
            default:
                foreach (var value in values)
                    if (Contains(value)) return true;
                return false;
        }
    }

    /// <summary>The values in index order.</summary>
    public Enumerator GetEnumerator() => new(this);

    IEnumerator<Value> IEnumerable<Value>.GetEnumerator() => GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Walks a <see cref="ValueSet"/> in index order; the set must not change meanwhile.</summary>
    public struct Enumerator : IEnumerator<Value>
    {
        private readonly ValueSet set;
        private int index;

        internal Enumerator(ValueSet set)
        {
            this.set = set;
            index = -1;
        }

        /// <inheritdoc/>
        public readonly Value Current => new(index);

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

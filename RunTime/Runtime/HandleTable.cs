namespace PeJit.Runtime;

/// <summary>
/// A map from a method handle's value to one object per portal, for the few portals a process has: read without
/// a lock (an immutable snapshot), added to under a lock (copy and publish).
/// </summary>
/// <remarks>
/// Why not <c>ConcurrentDictionary&lt;IntPtr, T&gt;</c>: ReadyToRun cannot precompile a framework generic over a value
/// type key, so .NET compiled about fifteen of its methods in every JIT-enabled process, on the path of the first
/// <c>Jit.CanEnterJit</c> (the woven class initializer asks for the portal's counters), hot or not. This class is
/// PeJit's own and generic over a reference type only, so its shared code is in PeJit.Runtime's precompiled image.
/// Lookups scan the handles linearly: a process has a handful of portals.
/// </remarks>
internal sealed class HandleTable<T> where T : class
{
    private sealed class Snapshot(nint[] handles, T[] values)
    {
        public readonly nint[] Handles = handles;
        public readonly T[] Values = values;
    }

    private Snapshot current = new([], []);
    private readonly object gate = new();

    /// <summary>The value of <paramref name="handle"/>, or null.</summary>
    public T? Find(nint handle)
    {
        var snapshot = Volatile.Read(ref current);
        var handles = snapshot.Handles;
        for (int i = 0; i < handles.Length; i++)
            if (handles[i] == handle) return snapshot.Values[i];
        return null;
    }

    /// <summary>
    /// The value of <paramref name="handle"/>, made by <paramref name="create"/> (under the table's lock) if there is
    /// none. Callers try <see cref="Find"/> first, so that the common case makes no delegate.
    /// </summary>
    public T GetOrAdd(nint handle, Func<T> create)
    {
        if (Find(handle) is { } found) return found;
        lock (gate)
        {
            if (Find(handle) is { } raced) return raced;
            var value = create();
            Add(handle, value);
            return value;
        }
    }

    /// <summary>Adds <paramref name="value"/> for <paramref name="handle"/>; false, and nothing changed, when it has one.</summary>
    public bool TryAdd(nint handle, T value)
    {
        lock (gate)
        {
            if (Find(handle) is not null) return false;
            Add(handle, value);
            return true;
        }
    }

    private void Add(nint handle, T value)
    {
        var snapshot = current;
        var handles = new nint[snapshot.Handles.Length + 1];
        var values = new T[handles.Length];
        snapshot.Handles.CopyTo(handles, 0);
        snapshot.Values.CopyTo(values, 0);
        handles[^1] = handle;
        values[^1] = value;
        Volatile.Write(ref current, new Snapshot(handles, values));
    }
}

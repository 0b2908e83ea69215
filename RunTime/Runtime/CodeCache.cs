using System.Collections.Concurrent;
using PeJit.Specializer.Engine;

namespace PeJit.Runtime;

/// <summary>
/// The compiled units of one portal, by entry green key: thread-safe and bounded. A key that could not be
/// compiled is remembered too (as null), so that it is not specialized again at every entry.
/// </summary>
/// <remarks>
/// The bound counts residual instructions, which is what code and constants cost. When an addition passes
/// it, the least recently entered units are dropped until the cache is back under three quarters of it:
/// nothing else references a dropped unit's <c>DynamicMethod</c> or its constants (and through its green key
/// the interpreted program), so the GC collects them, and the key is compiled again if it gets hot again. A
/// dropped or replaced unit's code is told so (<c>ICompiledCode.Drop</c>): native code gives its memory back to
/// its pool as soon as no thread is inside, without waiting for the GC.
/// Entering a unit costs one volatile write (its last-use stamp), never a lock. How often each dropped key
/// was specialized is remembered (<see cref="SpecializationsOf"/>), so that the runtime can stop compiling a
/// key that a cache too small for the program's hot code would otherwise drop and compile without end.
/// </remarks>
public sealed class CodeCache(long limit)
{
    private sealed class Entry(CompiledUnit? unit)
    {
        public CompiledUnit? Unit { get; } = unit;
        public long LastUse;
        public long EntryCellEntriesSeen;
        public long Size => Unit?.Size ?? 1;
    }

    /// <summary>Dropped keys remembered past this many are forgotten, so that the record cannot grow without end.</summary>
    private const int MaxDroppedKeys = 100_000;

    private readonly ConcurrentDictionary<GreenKey, Entry> entries = new();
    /// <summary>How often each dropped key was specialized; made at the first drop (written under <see cref="evictionGate"/>), so that a cache that never drops loads no second dictionary type.</summary>
    private ConcurrentDictionary<GreenKey, int>? dropped;
    private readonly object evictionGate = new();
    private long clock;
    private long size;
    private long evicted;

    /// <summary>
    /// Called with a key and its new unit whenever that changes: added (null when it cannot be compiled),
    /// replaced, or dropped (null). The runtime keeps its call cells up to date with it.
    /// </summary>
    public Action<GreenKey, CompiledUnit?>? Changed { get; set; }

    /// <summary>The bound, in residual instructions.</summary>
    public long Limit { get; } = limit;

    /// <summary>Residual instructions held now.</summary>
    public long Size => Interlocked.Read(ref size);

    /// <summary>Units dropped so far to stay under the bound.</summary>
    public long Evicted => Interlocked.Read(ref evicted);

    /// <summary>The units held now.</summary>
    public IReadOnlyList<CompiledUnit> Units => entries.Values.Select(e => e.Unit).OfType<CompiledUnit>().ToList();

    /// <summary>
    /// Times <paramref name="key"/> was specialized (first compiled, then recompiled) before its last unit was
    /// dropped to stay under the bound; 0 for a key never dropped.
    /// </summary>
    public int SpecializationsOf(GreenKey key) => Volatile.Read(ref dropped) is { } known && known.TryGetValue(key, out int times) ? times : 0;  // not GetValueOrDefault: through IReadOnlyDictionary, .NET compiles it at the first unit

    /// <summary>
    /// Whether <paramref name="key"/> was compiled (or found impossible to compile: then <paramref name="unit"/> is null).
    /// </summary>
    public bool TryGet(GreenKey key, out CompiledUnit? unit)
    {
        if (entries.TryGetValue(key, out var entry))
        {
            Volatile.Write(ref entry.LastUse, Interlocked.Increment(ref clock));
            unit = entry.Unit;
            return true;
        }
        unit = null;
        return false;
    }

    /// <summary>Adds what compiling <paramref name="key"/> gave (null: it cannot be compiled), dropping old units past the bound.</summary>
    public void Add(GreenKey key, CompiledUnit? unit)
    {
        var entry = new Entry(unit) { LastUse = Interlocked.Increment(ref clock) };
        if (!entries.TryAdd(key, entry)) return;
        Changed?.Invoke(key, unit);
        if (Interlocked.Add(ref size, entry.Size) > Limit) Evict(keep: key);
    }

    /// <summary>Replaces the unit at <paramref name="key"/> (recompiled with more cases); the old one is collected once no thread runs it.</summary>
    public void Replace(GreenKey key, CompiledUnit unit)
    {
        var entry = new Entry(unit) { LastUse = Interlocked.Increment(ref clock) };
        long before = entries.TryGetValue(key, out var old) ? old.Size : 0;
        entries[key] = entry;
        Changed?.Invoke(key, unit);
        if (old?.Unit is { } replaced && replaced.Code != unit.Code) replaced.Drop();
        if (Interlocked.Add(ref size, entry.Size - before) > Limit) Evict(keep: key);
    }

    /// <summary>
    /// Drops the unit at <paramref name="key"/> as the bound does (told to <see cref="Changed"/>, its code dropped, the
    /// key compiled again if it gets hot again): for embedders that bound memory their own way, and tests. False when
    /// the key has no unit.
    /// </summary>
    public bool Drop(GreenKey key)
    {
        lock (evictionGate)
        {
            if (!entries.TryRemove(key, out var entry)) return false;
            Interlocked.Add(ref size, -entry.Size);
            Changed?.Invoke(key, null);
            if (entry.Unit is null) return true;
            entry.Unit.Drop();
            NoteDropped(key, entry.Unit);
            return true;
        }
    }

    private void Evict(GreenKey keep)
    {
        lock (evictionGate)
        {
            if (Size <= Limit) return;
            // A unit entered through an entry cell (EntryCell) bypasses TryGet: entries since the last eviction count as a use now.
            foreach (var entry in entries.Values)
                if (entry.Unit is { } unit && unit.EntryCellEntries is var cellEntries && cellEntries != entry.EntryCellEntriesSeen)
                {
                    entry.EntryCellEntriesSeen = cellEntries;
                    Volatile.Write(ref entry.LastUse, Interlocked.Increment(ref clock));
                }
            foreach (var (key, entry) in entries.Where(p => !p.Key.Equals(keep)).OrderBy(p => Volatile.Read(ref p.Value.LastUse)).ToList())
            {
                if (Size <= Limit * 3 / 4) break;
                if (!entries.TryRemove(key, out _)) continue;
                Interlocked.Add(ref size, -entry.Size);
                Changed?.Invoke(key, null);
                if (entry.Unit is null) continue;
                entry.Unit.Drop();
                Interlocked.Increment(ref evicted);
                NoteDropped(key, entry.Unit);
            }
        }
    }

    /// <summary>Remembers how often <paramref name="key"/> was specialized before <paramref name="unit"/> was dropped; under <see cref="evictionGate"/>.</summary>
    private void NoteDropped(GreenKey key, CompiledUnit unit)
    {
        var known = dropped ??= new ConcurrentDictionary<GreenKey, int>();
        if (known.Count >= MaxDroppedKeys) known.Clear();
        known[key] = unit.Recompilations + 1;
    }
}

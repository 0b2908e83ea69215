using PeJit.Specializer.Engine;

namespace PeJit.Runtime;

/// <summary>
/// The counters one portal decrements at each <c>Jit.CanEnterJit</c> (<see cref="PortalProtocol"/>): a table of
/// <see cref="PortalProtocol.CounterTableSize"/> counters indexed by a hash of the integer greens, so that
/// interpreting costs a decrement and nothing is boxed, allocated or looked up until a counter reaches zero.
/// </summary>
/// <remarks>
/// Rules, kept by <see cref="PortalRuntime"/> on the slow path:
/// <list type="number">
/// <item>Every counter starts at the threshold, and the table remembers the budget it last gave each slot, so
/// that the slow path can credit the key it sees with the visits the slot absorbed: a key that shares its slot
/// with no other is compiled at exactly its threshold-th visit, as with a counter per key.</item>
/// <item>A slot whose key has compiled code is held at zero: each visit takes the slow path and enters the code.
/// Another key visiting a held slot is credited one visit and the slot stays held, as long as the holder's code
/// is in the cache.</item>
/// <item>Otherwise a slot that reached zero gets a fresh budget: what the key seen still needs to get hot (at
/// least 1). Keys that share a slot (a hash collision, or greens that differ only in what is not hashed) pool
/// their visits, so one of them may get hot sooner than its own count says; none gets hot later.</item>
/// </list>
/// Threads share the table without locks. The races are benign: a lost decrement delays a slow path by one
/// visit; a decrement that drives a held or fresh counter below zero still takes the slow path, which writes
/// the slot afresh; a budget credited twice makes a key hot a little sooner. Which code runs is decided on the
/// slow path against the full green key, never by the counters, so a race changes when code is compiled or
/// entered, not what the program computes. Writes of an <c>int</c> or a reference are atomic.
/// <para>A woven entry with cells hashes each reference green's identity through a one-entry cache per green in its
/// counter class (the last reference seen and its identity hash, premultiplied), written without a lock, hash first,
/// reference second. Two threads may leave the pair torn (the reference of one, the hash of the other) until the next
/// miss: an entry of that reference then computes another key's slot. That is a collision, which the rules above
/// already allow for: the visits pool in that slot, and a held slot's cell is entered only when its green values are the
/// entry's (<see cref="EntryCell"/> compares the full greens), else the slow path decides against the full key. The slot
/// the runtime holds for a key is the one its slow path came with, so a key that gets hot through the torn slot is
/// entered there, and through its own slot once the cache is rewritten; no slot is computed anywhere else.</para>
/// <para>A portal woven with entry cells (<see cref="EntryCell"/>) has a cell per slot besides: the slot's holder's
/// typed code, which the entry site calls without the slow path while the slot is held. A held slot's cell is
/// cleared when the slot is rearmed; the runtime clears it too when the holder's unit leaves the cache.</para>
/// </remarks>
public sealed class CounterTable
{
    private readonly int[] granted;
    // Made when a slot is first held: a GreenKey array is the specializer's type, whose assembly a run that never gets hot
    // need not load (the table is made at the portal's first call).
    private GreenKey?[]? holders;

    /// <summary>A table whose counters all start at <paramref name="threshold"/>.</summary>
    public CounterTable(int threshold)
    {
        Threshold = threshold;
        // On the pinned object heap, not in gen0: the two tables are 32 KB that live as long as the process, made at the portal's
        // first call, before the program's first collection. That much more surviving the first gen0 collection made .NET take
        // a fresh gen0 region: 120-200 more page faults (0.5-0.8 MB of memory cleared) in every process that never gets hot,
        // the never-hot cost Docs/PERFORMANCE.md's section "Never hot: the counter tables out of gen0" (CounterTableTests checks where they are).
        Counters = GC.AllocateArray<int>(PortalProtocol.CounterTableSize, pinned: true);
        granted = GC.AllocateArray<int>(PortalProtocol.CounterTableSize, pinned: true);
        // A loop, not Array.Fill: Fill over int is vectorized with Vector<T>, which ReadyToRun leaves to .NET to compile
        // (three methods in every JIT-enabled process, before its first portal call returns; Docs/PERFORMANCE.md, "Cold warm-up").
        for (int i = 0; i < Counters.Length; i++)
        {
            Counters[i] = threshold;
            granted[i] = threshold;
        }
    }

    /// <summary>The budget every counter starts with.</summary>
    public int Threshold { get; }

    /// <summary>The counters the portal's code decrements, indexed by <see cref="PortalProtocol.Slot"/>.</summary>
    public int[] Counters { get; }

    /// <summary>
    /// Whether the woven portal takes a resumption before its entry's own code (<see cref="PortalCounters.ResumeBeforeEntry"/>):
    /// then compiled code may run the entry of a portal call itself, since the portal call that follows it resumes at the
    /// merge point (<see cref="PortalProtocol.ResumeBeforeEntrySlot"/>).
    /// </summary>
    public bool ResumesBeforeEntry
    {
        get => Volatile.Read(ref resumesBeforeEntry);
        internal set => Volatile.Write(ref resumesBeforeEntry, value);
    }

    private bool resumesBeforeEntry;

    /// <summary>
    /// The entry cells the portal's entry site reads (<see cref="PortalProtocol"/>), indexed like <see cref="Counters"/>;
    /// null for a portal woven without them.
    /// </summary>
    public EntryCell?[]? Cells { get; private set; }

    /// <summary>The delegate type of the cells' code, as the woven code casts it; null without cells.</summary>
    internal Type? CellCodeType { get; private set; }

    /// <summary>The kind of each green in a cell (<see cref="EntryCell.Layout(bool[])"/>); null without cells.</summary>
    internal string? CellLayout { get; private set; }

    /// <summary>Makes the cells, once: the woven portal names its delegate type and its greens' layout.</summary>
    internal EntryCell?[] EnableCells(Type code, string layout)
    {
        lock (granted)
        {
            if (Cells is { } made) return made;
            CellCodeType = code;
            CellLayout = layout;
            return Cells = new EntryCell?[PortalProtocol.CounterTableSize];
        }
    }

    private long slowEntries;

    /// <summary>
    /// Visits of the portal's entry that took the slow path because the entry's counter reached zero (not those that
    /// went into compiled code through an <see cref="EntryCell"/>): with cells, it stays put once the entry key's
    /// typed unit is compiled (tests).
    /// </summary>
    public long SlowEntries => Interlocked.Read(ref slowEntries);

    internal void CountSlowEntry() => Interlocked.Increment(ref slowEntries);

    /// <summary>The visits <paramref name="slot"/> absorbed since the runtime last wrote it (at least this one), which it now credits.</summary>
    internal int TakeVisits(int slot)
    {
        int visits = granted[slot];
        granted[slot] = 0;
        return Math.Max(1, visits);
    }

    /// <summary>The key whose compiled code holds <paramref name="slot"/> at zero, if any.</summary>
    internal GreenKey? Holder(int slot) => Volatile.Read(ref holders)?[slot];

    /// <summary>Holds <paramref name="slot"/> at zero for <paramref name="key"/>, which has compiled code: every visit takes the slow path.</summary>
    internal void Hold(int slot, GreenKey key)
    {
        if (Volatile.Read(ref holders) is not { } held)
        {
            Interlocked.CompareExchange(ref holders, new GreenKey?[PortalProtocol.CounterTableSize], null);
            held = holders!;
        }
        held[slot] = key;
        granted[slot] = 0;
        Counters[slot] = 0;
    }

    /// <summary>Gives <paramref name="slot"/> <paramref name="budget"/> visits before the next slow path.</summary>
    internal void Rearm(int slot, int budget)
    {
        if (Volatile.Read(ref holders) is { } held) held[slot] = null;
        if (Cells is { } cells) Volatile.Write(ref cells[slot], null);
        granted[slot] = budget;
        Counters[slot] = budget;
    }
}

namespace PeJit.Runtime;

/// <summary>
/// The contract between a rewritten portal and the runtime it calls at each <c>Jit.CanEnterJit</c>, shared by
/// the IL weaver (<c>PortalWeaver</c>, in pejit build), the flow-graph rewrite for the in-process API
/// (<c>PortalRewriter</c>) and the runtime that answers (<c>PortalRuntime</c>), so that they cannot drift:
/// <list type="number">
/// <item>The fast path, which is all a site costs while nothing is hot: the portal hashes its green values that
/// are integers (<see cref="Mix"/> from <see cref="HashSeed"/>, then <see cref="Slot"/>; other greens are left
/// out, the slow path compares the full key), decrements that slot of the portal's <see cref="CounterTable"/>
/// and, while the counter stays above zero, goes on interpreting: no allocation, no call. A woven portal first
/// tests <see cref="PortalCounters.Disabled"/> (<c>PEJIT_DISABLE</c>) and skips all of it.</item>
/// <item>When the counter reaches zero the portal takes the slow path: it calls the hook with the slot and a
/// fresh <c>object[]</c> state: the merge-point variables, greens then reds, boxed, from index 0 in
/// <c>Jit.MergePoint</c>'s order. The runtime counts the full key and rewrites the slot
/// (<see cref="CounterTable"/> says how).</item>
/// <item>For a portal on a class (<see cref="PassesThis"/>), <c>this</c> follows them at
/// <see cref="ThisIndex"/>: an implicit red compiled code takes with the state. It never changes, so it is not
/// reloaded.</item>
/// <item>The portal's entry counts like a <c>Jit.CanEnterJit</c> (so that functions of the interpreted program
/// without a loop get compiled): the first arrival at the merge point in an activation of the portal runs the
/// same site, and passes its slot marked with <see cref="EntryFlag"/> (<see cref="EntrySlot"/>), so that the
/// runtime compiles the key as a whole function, not a loop. Before counting (or, when no try holds the merge point, at
/// the portal's start, before the entry's own code, passing <see cref="ResumeBeforeEntrySlot"/>), the portal tests
/// <see cref="PortalCounters.Resuming"/>: while it is not zero, it calls the hook with <see cref="ResumeSlot"/>,
/// and the runtime may answer <see cref="CanEnterJitStatus.Exited"/> with a state that compiled code left at an
/// exit of a unit entered through a call cell (the interpreter then goes on from there). A portal with no
/// <c>Jit.CanEnterJit</c> (a loop-free language: its entry is the only place it can get hot) marks its entry's slot
/// with <see cref="OnlyEntryFlag"/> too, and its entry counts whether or not functions are compiled.</item>
/// <item>The entry's cheap way in (<see cref="EntryCell"/>, PyPy's jitcell): an entry site with cells mixes into its hash,
/// after the integer greens, each reference green's identity (<c>RuntimeHelpers.GetHashCode</c>, read from a one-entry cache
/// of the last reference seen, so that an entry that sees the same object again calls nothing), so that keys that differ
/// only in a reference (each function's entry at pc 0 of its own code object) get cells of their own; when the entry's counter is at or
/// below zero (a slot held for a key with compiled code), the entry first reads the slot's cell from the table
/// <see cref="PortalCounters.CellsFor"/> gave it; when the cell's green values are the entry's (integers compared as
/// <c>long</c>, references by identity, in the order of <see cref="EntryCell.Layout(bool[])"/>) and the stack has
/// room, it calls the cell's typed code (closed over the unit's constants) with <c>(exit, reds...)</c>, the exit buffer from <see cref="EntryCell.Enter"/>
/// (a portal on a class passes <c>this</c> last, and puts it at <see cref="ThisIndex"/> of the state it hands on at an exit): nothing boxed, nothing looked up.
/// When the code returns with <c>exit[0]</c> null, the result is the portal's; otherwise it left at an exit, and the
/// portal passes a fresh state and the exit buffer to <c>JitRuntime.EntryCellExited</c> and switches on its answer
/// as below. Anything else (no cell, another key, little stack) takes the slow path.</item>
/// <item>The hook answers a <see cref="CanEnterJitStatus"/>; on <see cref="CanEnterJitStatus.Returned"/> the
/// result is at <see cref="Result"/>, on <see cref="CanEnterJitStatus.Exited"/> the merge-point variables are
/// back at their indices; on <see cref="CanEnterJitStatus.Threw"/> too, and the portal then throws the exception
/// compiled code caught (the runtime's <c>ThrowPending</c>) inside the regions around its merge point.</item>
/// </list>
/// </summary>
public static class PortalProtocol
{
    /// <summary>Where the state holds the portal's result after <see cref="CanEnterJitStatus.Returned"/>.</summary>
    public const int Result = 0;

    /// <summary>Bits of a slot index: a counter table has 2^<see cref="CounterBits"/> counters (16 KB of <c>int</c>).</summary>
    public const int CounterBits = 12;

    /// <summary>The number of counters in a portal's table.</summary>
    public const int CounterTableSize = 1 << CounterBits;

    /// <summary>Marks the slot an entry site passes (<see cref="EntrySlot"/>): bit 30, far above any slot.</summary>
    public const int EntryFlag = 1 << 30;

    /// <summary>
    /// Marks, besides <see cref="EntryFlag"/>, the slot of the entry site of a portal with no <c>Jit.CanEnterJit</c>:
    /// its entry is the only way into compiled code, so it counts whether functions are compiled or not.
    /// </summary>
    public const int OnlyEntryFlag = 1 << 29;

    /// <summary>The slot an entry site passes when it came by <see cref="PortalCounters.Resuming"/> rather than by its counter.</summary>
    public const int ResumeSlot = -1;

    /// <summary>
    /// The slot a portal passes from its start, before its entry's code, when <see cref="PortalCounters.Resuming"/> is set (a
    /// woven portal whose merge point is in no try; <see cref="PortalCounters.ResumeBeforeEntry"/>): the runtime answers
    /// <see cref="CanEnterJitStatus.Exited"/> (or <see cref="CanEnterJitStatus.Threw"/>) with this thread's pending state, and
    /// the portal goes on at its merge point without running its entry, which the compiled caller ran; otherwise
    /// <see cref="CanEnterJitStatus.Interpret"/>, nothing counted, and the portal runs its entry (its entry site counts as usual).
    /// The state passed holds nothing but its length.
    /// </summary>
    public const int ResumeBeforeEntrySlot = -2;

    /// <summary>The slot an entry site passes for counter <paramref name="slot"/>.</summary>
    public static int EntrySlot(int slot) => slot | EntryFlag;

    /// <summary>Whether <paramref name="slot"/> came from an entry site, and the counter it names.</summary>
    public static bool IsEntry(int slot, out int counter) => IsEntry(slot, out counter, out _);

    /// <summary>
    /// Whether <paramref name="slot"/> came from an entry site, the counter it names, and whether that entry is the
    /// portal's only site (<see cref="OnlyEntryFlag"/>).
    /// </summary>
    public static bool IsEntry(int slot, out int counter, out bool onlyEntry)
    {
        counter = slot & ~(EntryFlag | OnlyEntryFlag);
        onlyEntry = slot >= 0 && (slot & OnlyEntryFlag) != 0;
        return slot >= 0 && (slot & EntryFlag) != 0;
    }

    /// <summary>The hash of no green: where <see cref="Mix"/> starts.</summary>
    public const int HashSeed = 0;

    /// <summary>The multiplier of <see cref="Mix"/>: 2^32 divided by the golden ratio, odd (Fibonacci hashing).</summary>
    public const int HashMultiplier = unchecked((int)0x9E3779B1);

    /// <summary>
    /// Adds one integer green to <paramref name="hash"/>: <c>(hash + green) * HashMultiplier</c>, wrapping.
    /// A 64-bit green is folded first (<c>(int)(green ^ (green &gt;&gt; 32))</c>); a narrower one is widened.
    /// </summary>
    public static int Mix(int hash, int green) => unchecked((hash + green) * HashMultiplier);

    /// <summary>The slot of <paramref name="hash"/>: its top <see cref="CounterBits"/> bits, the well-mixed ones of a multiplicative hash.</summary>
    public static int Slot(int hash) => (int)((uint)hash >> (32 - CounterBits));

    /// <summary>Whether a portal passes <c>this</c> after its merge-point variables: an instance method of a class.</summary>
    /// <param name="hasThis">The portal is an instance method.</param>
    /// <param name="declaredInValueType">Its declaring type is a struct.</param>
    public static bool PassesThis(bool hasThis, bool declaredInValueType) => hasThis && !declaredInValueType;

    /// <summary>Where <c>this</c> is in the state of a portal with <paramref name="variables"/> merge-point variables.</summary>
    public static int ThisIndex(int variables) => variables;

    /// <summary>The length of the state: the merge-point variables, and <c>this</c> when the portal passes it.</summary>
    public static int StateLength(int variables, bool passesThis) => variables + (passesThis ? 1 : 0);

    /// <summary>
    /// The cases of the switch on the hook's answer, each at the index of its status: what to do for
    /// <see cref="CanEnterJitStatus.Interpret"/>, <see cref="CanEnterJitStatus.Returned"/> and
    /// <see cref="CanEnterJitStatus.Exited"/> and <see cref="CanEnterJitStatus.Threw"/>.
    /// </summary>
    public static T[] StatusCases<T>(T interpret, T returned, T exited, T threw)
    {
        var cases = new T[4];
        cases[(int)CanEnterJitStatus.Interpret] = interpret;
        cases[(int)CanEnterJitStatus.Returned] = returned;
        cases[(int)CanEnterJitStatus.Exited] = exited;
        cases[(int)CanEnterJitStatus.Threw] = threw;
        return cases;
    }
}

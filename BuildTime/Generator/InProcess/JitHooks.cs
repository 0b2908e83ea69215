namespace PeJit.Runtime;

/// <summary>
/// What the portal copies <see cref="PortalJit"/> compiles in process call at run time. Static, so that
/// emitted code can call it directly; portals are known by the index it hands out.
/// </summary>
public static class JitHooks
{
    /// <summary>
    /// The registered portals, weakly: a <see cref="PortalJit"/> the program no longer uses is collected with its
    /// runtime, compiled code and the interpreted programs its keys reference. Its copy cannot run then (the
    /// copy belongs to the <see cref="PortalJit"/>), so nothing asks for a collected runtime.
    /// </summary>
    private static readonly List<WeakReference<PortalRuntime>> Portals = [];

    /// <summary>
    /// The counters of each registered portal, at its id (<see cref="PortalProtocol"/>): a portal copy loads its
    /// own table from here at each <c>Jit.CanEnterJit</c>, two loads and no call. The array is replaced, never
    /// changed, when a portal registers, so a reader sees an array that holds every table registered before it.
    /// </summary>
    public static int[][] CounterTables { get; private set; } = [];

    /// <summary><see cref="PortalCounters.Resuming"/>, which a portal copy's entry tests before counting (<see cref="PortalProtocol"/>).</summary>
    public static int Resuming => PortalCounters.Resuming;

    /// <summary>Registers a portal; the returned id is what its rewritten code passes back.</summary>
    internal static int Register(PortalRuntime portal)
    {
        lock (Portals)
        {
            // The counter tables of collected portals are let go too (a fuzzer makes a portal per program).
            var tables = CounterTables.ToList();
            for (int id = 0; id < Portals.Count; id++)
                if (!Portals[id].TryGetTarget(out _)) tables[id] = [];
            Portals.Add(new WeakReference<PortalRuntime>(portal));
            tables.Add(portal.Counters.Counters);
            CounterTables = [.. tables];
            return Portals.Count - 1;
        }
    }

    /// <summary>What a portal copy calls after <see cref="CanEnterJitStatus.Threw"/>: <see cref="PortalRuntime.ThrowPending"/>. Never returns.</summary>
    public static Exception ThrowPending() => PortalRuntime.ThrowPending();

    /// <summary>
    /// The slow path of a portal copy whose counter at <paramref name="slot"/> reached zero: see
    /// <see cref="PortalRuntime.OnCanEnterJit(object?[], int)"/>.
    /// </summary>
    public static int CanEnterJit(int portal, object?[] state, int slot)
    {
        if (StackGuard.StackIsLow) return StackGuard.OnFreshStack(static call => CanEnterJit(call.portal, call.state, call.slot), (portal, state, slot));
        PortalRuntime? runtime;
        lock (Portals) Portals[portal].TryGetTarget(out runtime);
        // Only a copy whose PortalJit is alive runs; an answer is needed all the same.
        if (runtime is null) return (int)CanEnterJitStatus.Interpret;
        if (slot == PortalProtocol.ResumeSlot) return runtime.OnEntryWhileResuming(state);
        bool entry = PortalProtocol.IsEntry(slot, out int counter, out bool onlyEntry);
        return runtime.OnCanEnterJit(state, counter, entry, onlyEntry);
    }
}

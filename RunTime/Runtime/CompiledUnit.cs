using PeJit.Backends;
using PeJit.Specializer.Engine;

namespace PeJit.Runtime;

/// <summary>A unit after the backend: its code, the constants its code reads, and what it cost.</summary>
/// <param name="Unit">The unit as the engine made it.</param>
/// <param name="Code">The compiled residual function, entered with <see cref="ICompiledCode.Run"/>.</param>
/// <param name="SpecializationTime">Time spent in the engine.</param>
/// <param name="BackendTime">Time spent in the backend (for CIL, IL emission; RyuJIT compiles on first call).</param>
public sealed record CompiledUnit(Unit Unit, ICompiledCode Code, TimeSpan SpecializationTime, TimeSpan BackendTime)
{
    /// <summary>The constants array the code takes.</summary>
    public object[] Constants { get; } = Unit.Constants.ToArray();

    /// <summary>Residual instructions: what the unit costs the code cache.</summary>
    public int Size { get; } = Unit.Residual.InstructionCount();

    /// <summary>Times the unit at this key was specialized again before this one (0 for the first).</summary>
    public int Recompilations { get; init; }

    /// <summary>
    /// Not specialized again (no new promotion cases, no tail): its code went past <see cref="JitSettings.FinalUnitILBytes"/>,
    /// so .NET runs it unoptimized, and a larger one would cost a compilation as large again for code no faster.
    /// </summary>
    public bool Final { get; init; }

    /// <summary>Whether the unit may still be specialized again (not <see cref="Final"/>, within <paramref name="maxRecompiles"/>).</summary>
    internal bool MayRecompile(int maxRecompiles) => !Final && Recompilations < maxRecompiles;

    /// <summary>The portal runtime that compiled it (call cells enter it through its runtime).</summary>
    public PortalRuntime? Runtime { get; init; }

    /// <summary>Time spent in the optimizer.</summary>
    public TimeSpan OptimizationTime { get; init; }

    internal long entries;
    internal readonly System.Collections.Concurrent.ConcurrentDictionary<SeenPromotion, int> unseenPromotions = new();

    internal long exitsTaken;

    /// <summary>1 once the runtime has tried to specialize this unit again with new promotion cases (one attempt per unit).</summary>
    internal int recompiling;

    /// <summary>
    /// True while the unit waits for its recompilation in the background after leaving mid-step on most of its entries:
    /// the runtime does not enter it meanwhile (the interpreter runs its key), <c>PortalRuntime.CountPromotion</c>.
    /// </summary>
    internal bool standingBy;
    internal readonly long[] exitCounts = new long[Unit.Exits.Count];

    /// <summary>The call cell compiled code calls this unit's key through, once there is one.</summary>
    internal PeJit.Specializer.Engine.CallCell? Cell { get; set; }

    /// <summary>Calls of this unit's key from compiled code that entered a unit through its call cell (the key's units together).</summary>
    public long CellEntries => Cell?.Entered ?? 0;

    /// <summary>Times compiled code was entered at this unit from the interpreter (its entry cells included) or another unit's exit.</summary>
    public long Entries => Interlocked.Read(ref entries) + EntryCellEntries;

    /// <summary>
    /// The unit's entry cell (<see cref="EntryCell"/>), made the first time it is published: a cell is immutable, so a
    /// slot held in turn by this unit and another's publishes the same one again.
    /// </summary>
    internal EntryCell? entryCell;

    /// <summary>True once the unit was found unable to have an entry cell (its greens or its signature).</summary>
    internal bool noEntryCell;

    /// <summary>Times a woven portal's entry called this unit through an entry cell, without the slow path.</summary>
    public long EntryCellEntries => Volatile.Read(ref entryCell) is { } cell ? Volatile.Read(ref cell.Entered) : 0;

    /// <summary>Times compiled code left this unit at an exit (rather than returning the portal's result).</summary>
    public long ExitsTaken => Interlocked.Read(ref exitsTaken);

    /// <summary>
    /// The bridge attached at each exit, by exit number (null where none is): a unit compiled from the exit's key with the
    /// code after the loop as its tail (<see cref="JitSettings.Bridges"/>), which the exit goes on in. Owned by this unit:
    /// dropped with it, never in the code cache.
    /// </summary>
    internal readonly CompiledUnit?[] bridges = new CompiledUnit?[Unit.Exits.Count];

    /// <summary>1 at an exit once the runtime has tried to compile a bridge for it (one attempt per exit).</summary>
    internal readonly int[] bridging = new int[Unit.Exits.Count];

    /// <summary>Per exit: 0 until asked, 1 when a case bridge may start there, 2 when refused (<c>PortalRuntime.TryCaseBridge</c>).</summary>
    internal readonly int[] caseBridgeable = new int[Unit.Exits.Count];

    /// <summary>
    /// For a case bridge (a unit entered at a <c>Jit.Promote</c> exit with a new case, <c>PortalRuntime.AttachCaseBridge</c>):
    /// the unit in the code cache whose exit, or whose bridge's exit, it is attached at; null for a unit.
    /// </summary>
    public CompiledUnit? CaseRoot { get; internal set; }

    /// <summary>For a unit: the case bridges attached at its exits and its bridges' exits (within <see cref="JitSettings.MaxRecompilesPerUnit"/>).</summary>
    internal int caseBridgeCount;

    /// <summary>1 once the code cache dropped the unit: a bridge compiled meanwhile is dropped instead of attached (<see cref="Attach"/>).</summary>
    private int dropped;

    /// <summary>
    /// Attaches <paramref name="bridge"/> at exit <paramref name="index"/>; false (and the bridge dropped) when the unit
    /// was dropped meanwhile, so that no bridge outlives the unit that owns it.
    /// </summary>
    internal bool Attach(int index, CompiledUnit bridge)
    {
        Volatile.Write(ref bridges[index], bridge);
        if (Volatile.Read(ref dropped) == 0) return true;
        Interlocked.Exchange(ref bridges[index], null)?.Drop();
        return false;
    }

    /// <summary>The bridge attached at exit <paramref name="index"/>, if any.</summary>
    public CompiledUnit? BridgeAt(int index) => Volatile.Read(ref bridges[index]);

    /// <summary>The bridges attached at this unit's exits.</summary>
    public IReadOnlyList<CompiledUnit> Bridges => bridges.ToArray().OfType<CompiledUnit>().ToList();

    /// <summary>The code cache let go of this unit: its code and its bridges' code are dropped (<see cref="ICompiledCode.Drop"/>).</summary>
    public void Drop()
    {
        Volatile.Write(ref dropped, 1);
        Code.Drop();
        // The bridges stay listed: a thread still running this unit may come back from one (PortalRuntime.BridgeRan).
        foreach (var bridge in bridges) bridge?.Drop();
    }

    /// <summary>Times compiled code left at the exit numbered <paramref name="index"/> (see <see cref="Unit.Exits"/>).</summary>
    public long TimesTaken(int index) => Interlocked.Read(ref exitCounts[index]);
}


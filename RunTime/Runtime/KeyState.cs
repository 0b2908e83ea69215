using PeJit.Specializer.Engine;

namespace PeJit.Runtime;

/// <summary>
/// What a portal's runtime knows of one green key besides its compiled unit (which the <see cref="CodeCache"/> holds):
/// its visits while interpreted, whether the portal's entry saw it, the state it got hot with, whether it is compiling
/// or was given up, its call cell and the counter slot of its entry cell. One record per key, in one
/// <c>ConcurrentDictionary&lt;GreenKey, KeyState&gt;</c> of <see cref="PortalRuntime"/>.
/// </summary>
/// <remarks>
/// Why one record and not a dictionary per fact (there were seven): each distinct <c>ConcurrentDictionary&lt;GreenKey, X&gt;</c>
/// is about ten types for .NET to load and a dozen precompiled methods to bind in every process that prepares a portal,
/// and a slow-path visit asked three of them. Docs/PERFORMANCE.md, "One record per green key, and first times counted by stage".
/// <para>Two kinds of fields. Those that count (<see cref="Visits"/>, <see cref="FunctionEntry"/>, <see cref="Sample"/>,
/// <see cref="GivenUp"/>) are forgotten when the table passes its bound (<c>MaxCountedKeys</c> records past what the last sweep kept), as the separate dictionaries were cleared; they are
/// written without the record's lock, and a write to a record the bound has just removed is lost, which only forgets a
/// count, as clearing did. Those that hold something alive (<see cref="Cell"/>, <see cref="CellSlot"/>,
/// <see cref="Compiling"/>) are written under the record's lock, on a record not <see cref="Removed"/>, and the bound
/// removes a record only under its lock and only when none of them is set: so none of them is ever lost.</para>
/// </remarks>
internal sealed class KeyState
{
    /// <summary>Visits counted towards compiling the key, saturating at <see cref="int.MaxValue"/>; reset when it is compiled.</summary>
    public int Visits;

    /// <summary>Whether the portal's entry counted the key: a function of the interpreted program starts there.</summary>
    public bool FunctionEntry;

    /// <summary>The state of the visit that made the key hot (the first kept), for the optimizer to guess from.</summary>
    public StateSample? Sample;

    /// <summary>
    /// The cases a turn of the key's loop showed the learning evaluator before the key's first unit (<c>JitSettings.LearnFirst</c>):
    /// that unit is specialized with them; null while not learned.
    /// </summary>
    public IReadOnlyDictionary<PromotionSite, IReadOnlyList<object?>>? Learned;

    /// <summary>Whether a compilation of the key is queued or running (under the lock).</summary>
    public bool Compiling;

    /// <summary>Whether the runtime stopped compiling the key (logged once).</summary>
    public bool GivenUp;

    /// <summary>The call cell compiled code calls the key's unit through (under the lock; never cleared).</summary>
    public CallCell? Cell;

    /// <summary>The counter slot whose entry cell is the key's, or -1 (under the lock).</summary>
    public int CellSlot = -1;

    /// <summary>Set, under the lock, when the bound removed the record from the table: writers of the held fields take a new one.</summary>
    public bool Removed;

    /// <summary>Whether the record holds something the bound must keep.</summary>
    public bool Holds => Cell is not null || CellSlot >= 0 || Compiling;
}

using System.Globalization;
using PeJit.Specializer.Engine;

namespace PeJit.Runtime;

/// <summary>
/// What the summary says about one compiled unit, kept without keeping the unit: its residual graph, code and
/// constants are the largest things a process holds, and a unit the code cache evicted must be collectable
/// even while <c>PEJIT_LOG=summary</c> is on. Only the counts of how often it ran are read through a weak
/// reference; once the unit is gone the summary says so instead.
/// </summary>
internal sealed class LoggedUnit
{
    private readonly WeakReference<CompiledUnit> unit;

    public LoggedUnit(string portal, CompiledUnit compiled)
    {
        Portal = portal;
        unit = new WeakReference<CompiledUnit>(compiled);
        Entry = compiled.Unit.Entry.ToString();
        Keys = compiled.Unit.Keys.Count;
        Size = compiled.Size;
        Exits = compiled.Unit.Exits.Count;
        Backend = compiled.Code.Backend;
        SpecializationTime = compiled.SpecializationTime;
        OptimizationTime = compiled.OptimizationTime;
        BackendTime = compiled.BackendTime;
    }

    public string Portal { get; }
    public string Entry { get; }
    public int Keys { get; }
    public int Size { get; }
    public int Exits { get; }
    public string Backend { get; }
    public TimeSpan SpecializationTime { get; }
    public TimeSpan OptimizationTime { get; }
    public TimeSpan BackendTime { get; }

    /// <summary>True while the unit has not been collected.</summary>
    public bool IsAlive => unit.TryGetTarget(out _);

    /// <summary>
    /// The exits the unit left at, most taken first (at most five): which one is taken per entry says whether a
    /// loop leaves at its end (an exit at a merge point) or every time at a guard or a promotion miss.
    /// </summary>
    private static string TakenExits(CompiledUnit live)
    {
        var taken = live.Unit.Exits.Where(e => live.TimesTaken(e.Index) > 0)
            .OrderByDescending(e => live.TimesTaken(e.Index)).Take(5)
            .Select(e => string.Create(CultureInfo.InvariantCulture,
                $"#{e.Index} {live.TimesTaken(e.Index)}x {(e.Frames is null ? $"at {e.Key}" : e.PromotesClass ? "mid-step, class at Jit.PromoteClass" : "mid-step, value at Jit.Promote")}: {e.Reason}"))
            .ToList();
        return taken.Count == 0 ? "" : $" ({string.Join("; ", taken)})";
    }

    /// <summary>The summary's line for the unit.</summary>
    public string Describe()
    {
        string runs = unit.TryGetTarget(out var live)
            ? $"entered {live.Entries} times{(live.EntryCellEntries > 0 ? $" ({live.EntryCellEntries} of them through its entry cell)" : "")}{(live.CellEntries > 0 ? $" (and {live.CellEntries} by calls from compiled code through its call cell)" : "")}, left at an exit {live.ExitsTaken} times{TakenExits(live)}"
            : "dropped (replaced by a recompiled unit or evicted) and collected; its run counts went with it";
        return string.Create(CultureInfo.InvariantCulture,
            $"    at {Entry}: {Keys} keys, {Size} residual instructions, {Exits} exits; {runs}; specialization {SpecializationTime.TotalMilliseconds:F2} ms, optimization {OptimizationTime.TotalMilliseconds:F2} ms, backend {Backend} {BackendTime.TotalMilliseconds:F2} ms");
    }
}

using System.Reflection;

namespace PeJit.Runtime;

/// <summary>
/// What a portal woven by <c>pejit build</c> reads on its fast path (<see cref="PortalProtocol"/>): whether the
/// JIT is off, and its <see cref="CounterTable"/>. Kept apart from <see cref="JitRuntime"/>: nothing here
/// prepares a portal, so an interpreter whose loops never get hot never analyzes or specializes anything.
/// </summary>
public static class PortalCounters
{
    private static readonly HandleTable<CounterTable> Tables = new();

    /// <summary>
    /// <c>PEJIT_DISABLE=1</c>: woven portals test it before anything else and interpret as the original does.
    /// It is a <c>static readonly</c> field, so once this class is initialized .NET's optimizing JIT folds the
    /// test into a constant and drops the counting code: the portal runs at the plain interpreter's speed.
    /// </summary>
    public static readonly bool Disabled = Environment.GetEnvironmentVariable("PEJIT_DISABLE") is "1" or "true";

    /// <summary>
    /// Not zero while some thread is about to resume the interpreter at an exit of a unit it entered through a
    /// call cell (<see cref="PortalProtocol"/>): a woven portal's entry tests it before counting and, when set,
    /// asks the runtime whether the resumption is its own. One static load per interpreted call.
    /// </summary>
    public static int Resuming;

    // The log starts with the first JIT-enabled site, disabled or not, so that PEJIT_LOG=summary always reports.
    static PortalCounters() => _ = JitLog.Shared;

    /// <summary>
    /// The counters of <paramref name="portal"/>, which its woven code keeps in a static field (read once, in
    /// the class initializer <c>pejit build</c> adds for the portal). They start at the portal's threshold.
    /// </summary>
    public static int[] For(RuntimeMethodHandle portal) => TableOf(portal).Counters;

    /// <summary>
    /// The entry cells of <paramref name="portal"/> (<see cref="EntryCell"/>), which its woven entry site reads from a
    /// static field set once, beside the counters. The woven code names the type of the cells' code
    /// (<paramref name="code"/>: <c>Func&lt;object[] exit, red..., result&gt;</c>, or an <c>Action</c>) and the kind
    /// of each green (<paramref name="layout"/>, <see cref="EntryCell.Layout(bool[])"/>), so that the runtime makes
    /// cells exactly as that code compares and calls them.
    /// </summary>
    public static EntryCell?[] CellsFor(RuntimeMethodHandle portal, RuntimeTypeHandle code, string layout) =>
        TableOf(portal).EnableCells(Type.GetTypeFromHandle(code)!, layout);

    /// <summary>
    /// Called by the class initializer of a woven portal that tests <see cref="Resuming"/> at its start, before its entry's
    /// code (<see cref="PortalProtocol.ResumeBeforeEntrySlot"/>), so that its units may run the entry of their interpreted
    /// calls, writes of fields included (<see cref="CounterTable.ResumesBeforeEntry"/>).
    /// </summary>
    public static void ResumeBeforeEntry(RuntimeMethodHandle portal) => TableOf(portal).ResumesBeforeEntry = true;

    /// <summary>The counter table of <paramref name="portal"/>, made on first use.</summary>
    internal static CounterTable TableOf(RuntimeMethodHandle portal) => Tables.Find(portal.Value) ?? NewTable(portal);

    private static CounterTable NewTable(RuntimeMethodHandle portal) => Tables.GetOrAdd(portal.Value, () => new CounterTable(ThresholdOf(portal)));

    private static int ThresholdOf(RuntimeMethodHandle portal)
    {
        var marker = MethodBase.GetMethodFromHandle(portal)?.Module.Assembly.GetCustomAttribute<JitEnabledAttribute>();
        // The first portal reached warns about mistyped settings: a run that never gets hot never prepares one.
        JitSettings.WarnAboutEnvironment(() => new JitSettings().WithDefaultThreshold(marker?.Threshold ?? 0), JitLog.Shared);
        return JitSettings.ThresholdFor(marker?.Threshold ?? 0);
    }
}

namespace PeJit.Runtime;

/// <summary>
/// When a function of the interpreted program gets a unit of its own: the one place that decides it. A key counted at
/// the portal's entry (<see cref="PortalProtocol.EntryFlag"/>) is where an interpreted function starts, and its unit holds
/// the whole function (PyPy's <c>function_threshold</c>, counted per key). One policy per portal (the
/// <see cref="PortalRuntime"/> holds it), and a static part for what is decided before the portal is prepared.
/// </summary>
/// <remarks>
/// The rules, each with its reason:
/// <list type="number">
/// <item>Entries count towards a function's unit (<see cref="CountsEntries"/>) when functions are compiled
/// (<see cref="JitSettings.CompileFunctions"/>, on by default). By default (set neither in code nor by
/// <c>PEJIT_COMPILE_FUNCTIONS</c>) only while no loop of the program got hot (<see cref="NoteLoop"/>): a loop's unit calls a
/// function with a unit of its own through a call cell, with a state array and boxes, and Lua's <c>polymorphic</c> (a loop
/// calling methods 500,000 times a run) ran 1.5x slower than plain so; a program without a hot loop has only its
/// functions to compile. A portal without <c>Jit.CanEnterJit</c> (<see cref="NoteOnlyEntry"/>: its entry is its only site)
/// always counts them: nothing else of it can ever be compiled.</item>
/// <item>How many entries (<see cref="Threshold"/>): <see cref="JitSettings.FunctionThreshold"/> when set
/// (<c>PEJIT_FUNCTION_THRESHOLD</c>); the loop threshold when functions were asked for (in code or
/// <c>PEJIT_COMPILE_FUNCTIONS=1</c>), or for a portal whose entry is its only site; by default the loop threshold times
/// <see cref="DefaultScale"/>. Why a multiple of the loop threshold: by default functions are compiled only while no loop
/// is hot, so the entries counted are recursion (<c>fib</c>) or a host calling the portal again and again (a rules
/// engine); both gain once compiled (a recursive function's unit calls itself directly, a host's call enters through an
/// entry cell), as a loop does past its threshold, but a function's first unit costs more than a loop's (its shaped
/// entry, recompilations for promoted values) and a short recursive program is over sooner than a loop's thousand turns
/// suggest, so a function waits for ten times a loop's count. Before this policy the default was 300,000 entries (and
/// 300,000 more before the portal was prepared): <c>fib 30</c> (2.7 million calls) then gained nothing as a whole process,
/// and <c>fib 27</c> lost. What it costs: a recursive program of a few hundred thousand calls (StackVm <c>fib 25</c>, some
/// 0.1 s) pays the portal's preparation and its first unit (Docs/PERFORMANCE.md, "Function threshold: the loop's, scaled").</item>
/// <item>A portal nothing else made hot is prepared (<see cref="MayPrepare"/>) only once its entries, all keys together,
/// could have made a function hot (<see cref="EntriesBeforePreparing"/>): a loop-free program too short for that pays not
/// even the preparation and its warm-up thread; never with <c>PEJIT_COMPILE_FUNCTIONS=0</c>. The woven entry takes the slow
/// path once per loop threshold's entries of a slot (<see cref="CounterTable"/>), so slow entries times the loop threshold is
/// the count.</item>
/// <item>Compiled code calling a function's key gets a call cell for it (<see cref="WantsCallCell"/>) when the key has a
/// unit, or will get one by these rules: while functions are not compiled a key without a unit stays a portal call
/// (which enters a unit a loop gave it anyway), and under a threshold of their own only a key whose entries reached it
/// (the function being compiled, for its direct self-calls), so that loops keep calling the others through the portal.</item>
/// </list>
/// </remarks>
internal sealed class FunctionCompilationPolicy
{
    /// <summary>
    /// By default a function's key is compiled after this many times the loop threshold's entries (10,000 at the default
    /// 1,000): see the class's rule 2.
    /// </summary>
    public const int DefaultScale = 10;

    private readonly JitSettings settings;

    /// <summary>Whether a <c>Jit.CanEnterJit</c> took the slow path: the program has a hot loop (rule 1).</summary>
    private bool loopsSeen;

    /// <summary>Whether the portal has no <c>Jit.CanEnterJit</c>, so its entry is the only way into compiled code (rule 1).</summary>
    private bool onlyEntry;

    /// <summary>The policy of a portal run with <paramref name="settings"/>.</summary>
    public FunctionCompilationPolicy(JitSettings settings) => this.settings = settings;

    /// <summary>A <c>Jit.CanEnterJit</c> of the portal took the slow path: a loop of the program is hot.</summary>
    public void NoteLoop()
    {
        if (!loopsSeen) Volatile.Write(ref loopsSeen, true);
    }

    /// <summary>The portal's entry is its only site (<see cref="PortalProtocol.OnlyEntryFlag"/>).</summary>
    public void NoteOnlyEntry()
    {
        if (!onlyEntry) Volatile.Write(ref onlyEntry, true);
    }

    /// <summary>Whether entries count towards functions' units now (rule 1).</summary>
    public bool CountsEntries =>
        settings.CompileFunctions && !(AskedFor(settings) is null && Volatile.Read(ref loopsSeen)) || Volatile.Read(ref onlyEntry);

    /// <summary>The entries of a function's key before it is compiled (rule 2).</summary>
    public int Threshold => Volatile.Read(ref onlyEntry) ? settings.Threshold : ThresholdFor(settings, settings.Threshold);

    /// <summary>Whether compiled code calling a function's key should get a call cell for it (rule 4).</summary>
    /// <param name="hasUnit">The key has a unit (standing by or not).</param>
    /// <param name="entries">The key's entries counted so far.</param>
    public bool WantsCallCell(bool hasUnit, int entries) =>
        hasUnit || CountsEntries && (Threshold <= settings.Threshold || entries >= Threshold);

    /// <summary>
    /// Whether an entry visit may prepare a portal not prepared yet (rule 3): always for a portal whose entry is its only
    /// site; otherwise once its slow entries, each a loop threshold's entries, reach <see cref="EntriesBeforePreparing"/>.
    /// </summary>
    /// <param name="counters">The portal's counters (their threshold, and the slow entries counted so far, this one included).</param>
    /// <param name="onlyEntry">The visit came from the entry of a portal without <c>Jit.CanEnterJit</c>.</param>
    public static bool MayPrepare(CounterTable counters, bool onlyEntry) =>
        onlyEntry || counters.SlowEntries * counters.Threshold >= EntriesBeforePreparing(counters.Threshold);

    /// <summary>
    /// Entries of a portal (all keys together) before they prepare it when nothing else made it hot (rule 3): none with
    /// <c>PEJIT_COMPILE_FUNCTIONS=1</c> (unless <c>PEJIT_FUNCTION_THRESHOLD</c> says), never with <c>=0</c>, by default a
    /// function's threshold (<paramref name="loopThreshold"/> times <see cref="DefaultScale"/>, or <c>PEJIT_FUNCTION_THRESHOLD</c>).
    /// </summary>
    public static long EntriesBeforePreparing(int loopThreshold) => JitSettings.CompileFunctionsByEnvironment switch
    {
        false => long.MaxValue,
        true => JitSettings.EnvironmentFunctionThresholdValue ?? 0,
        null => JitSettings.EnvironmentFunctionThresholdValue ?? (long)loopThreshold * DefaultScale,
    };

    /// <summary>
    /// The threshold for functions under <paramref name="settings"/> with loop threshold <paramref name="loopThreshold"/>
    /// (rule 2; for a portal whose entry is not its only site).
    /// </summary>
    public static int ThresholdFor(JitSettings settings, int loopThreshold) =>
        settings.FunctionThreshold ?? (AskedFor(settings) is not null ? loopThreshold : (int)Math.Min(int.MaxValue, (long)loopThreshold * DefaultScale));

    /// <summary>Whether functions were asked for or refused in code or by <c>PEJIT_COMPILE_FUNCTIONS</c>; null when left to the default.</summary>
    private static bool? AskedFor(JitSettings settings) => settings.CompileFunctionsSetInCode ?? JitSettings.CompileFunctionsByEnvironment;
}

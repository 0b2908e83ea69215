using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using System.Runtime.ExceptionServices;
using PeJit.Backends;
using PeJit.Backends.Amd64;
using PeJit.Backends.Cil;
using PeJit.IR.Evaluation;
using PeJit.IR.Semantics;
using PeJit.Specializer.Engine;
using PeJit.Specializer.Extension;

namespace PeJit.Runtime;

/// <summary>
/// The run-time side of one JIT-enabled portal: counts green keys at <c>Jit.CanEnterJit</c>, specializes and
/// compiles the hot ones, keeps them in a bounded <see cref="CodeCache"/>, and enters them. Thread-safe:
/// any number of threads may run the portal; one at a time specializes.
/// </summary>
public sealed class PortalRuntime
{
    /// <summary>
    /// The optimizer's passes for a shaped entry when none are selected: all but <c>thread</c> (see where it is used). Made
    /// when first needed, not by the class initializer: preparing a portal ran the optimizer's pipeline table and LINQ for it
    /// though most portals never make a shaped entry (Docs/PERFORMANCE.md, "cold7").
    /// </summary>
    private static string ShapedEntryPasses => shapedEntryPasses ??= ShapedEntryPassNames();

    private static string? shapedEntryPasses;

    private static string ShapedEntryPassNames()
    {
        var names = new List<string>();
        foreach (var pass in PeJit.Optimizer.Pipeline.Passes)
            if (pass.Name != "thread" && !names.Contains(pass.Name)) names.Add(pass.Name);
        return string.Join(':', names);
    }

    /// <summary>Counters past this many keys are cleared, so that a program that never repeats itself cannot grow them without end.</summary>
    private const int MaxCountedKeys = 100_000;

    private readonly UnitSpecializer engine;
    private readonly IBackend backend;
    private readonly Module owner;
    /// <summary>What is known of each green key besides its unit: one record per key (<see cref="KeyState"/> says why), bounded by <see cref="MaxCountedKeys"/>.</summary>
    private readonly ConcurrentDictionary<GreenKey, KeyState> keys = new();

    /// <summary>Records in the table, counted as they are added (<c>ConcurrentDictionary.Count</c> takes every lock of the table) and recounted by <see cref="Forget"/>.</summary>
    private int keysAdded;

    /// <summary>
    /// <see cref="keysAdded"/> at which the table is swept next: <see cref="MaxCountedKeys"/> past what the last sweep kept,
    /// so that records a sweep must keep (call cells, say) never make every new key sweep again.
    /// </summary>
    private int sweepAt = MaxCountedKeys;

    /// <summary>Compilations queued or running (<see cref="KeyState.Compiling"/> set), for <see cref="WaitForCompilations"/>.</summary>
    private int compilationsInFlight;

    private readonly object compileGate = new();
    private readonly string name;
    private readonly IMemberResolver resolver;

    /// <summary>Where <c>PEJIT_DUMP</c>'s files go; null without dumps.</summary>
    private readonly DumpFiles? dumps;

    /// <summary>Prepares <paramref name="method"/>, whose generating extension is <paramref name="extension"/>.</summary>
    /// <param name="method">The portal as loaded: its module owns the compiled code.</param>
    /// <param name="extension">The portal's extension program, linked through <paramref name="resolver"/> (<see cref="ExtensionLinker"/>).</param>
    /// <param name="settings">Threshold, budgets, cache bound.</param>
    /// <param name="resolver">Resolves the program's types and members to run-time ones.</param>
    /// <param name="counters">The counters the portal's code decrements; null for a fresh table at the threshold.</param>
    /// <param name="backend">Compiles the units; null for the CIL backend.</param>
    public PortalRuntime(MethodInfo method, ExtensionProgram extension, JitSettings settings, IMemberResolver resolver, CounterTable? counters = null, IBackend? backend = null)
    {
        Counters = counters ?? new CounterTable(settings.Threshold);
        Method = method;
        Settings = settings;
        Functions = new FunctionCompilationPolicy(settings);
        Cache = new CodeCache(settings.CacheLimit);
        engine = new UnitSpecializer(extension, resolver, settings.Specialization);
        this.backend = backend ?? new CilBackend(resolver);
        this.resolver = resolver;
        engine.CallCells = CellFor;
        // Read at each interpreted call: the woven counter class says so in its initializer, which may run after this.
        engine.ResumesBeforeEntry = () => Counters.ResumesBeforeEntry;
        // A testing knob (Docs/runtime.md): case bridges on CIL units too, so that the fuzzers reach them on every language.
        CaseBridgesOnEveryBackend = Environment.GetEnvironmentVariable("PEJIT_CASE_BRIDGES") == "all";
        // Typed units and direct calls of a unit's own method are the CIL backend's (CilBackend.CompileUnit).
        engine.DirectSelfCalls = settings.DirectSelfCalls && this.backend is CilBackend;
        engine.ShapedSelfCalls = settings.ShapedSelfCalls;
        engine.Virtualizables = settings.Virtualizables;
        Cache.Changed = OnCacheChanged;
        owner = method.Module;
        name = $"{method.DeclaringType?.FullName}.{method.Name}";
        dumps = settings.Dump is { } dump ? new DumpFiles(dump, DumpWarning) : null;
        if (dumps is not null && dumps.Settings.Matches(name, key: null))
            ResidualInspector.WriteExtension(dumps, name, engine.Extension.Print);
    }

    /// <summary>
    /// A <c>Jit.PromoteClass</c> call, of the portal or any helper: what <see cref="FinishStep"/> watches. Known by
    /// the hint's names (<see cref="IR.HintNames"/>), not by a set of the extension's ops, which would load every
    /// graph of a program read lazily.
    /// </summary>
    private static bool IsClassSite(IR.Instruction call) => PromotionSite.IsClassSite(call);

    /// <summary>Whether <paramref name="cases"/> has a <c>Jit.PromoteClass</c> site (a loop, not LINQ's <c>Any</c> over sites).</summary>
    private static bool HasClassSite(IReadOnlyDictionary<PromotionSite, IReadOnlyList<object?>> cases)
    {
        foreach (var (site, _) in PromotionSiteComparer.Entries(cases))
            if (IsClassSite(site.Call)) return true;
        return false;
    }

    /// <summary>
    /// A <c>Jit.Promote</c> call: <see cref="FinishStep"/> notes the objects it sees there too. An interpreter that
    /// promotes a callee's class and then its prototype at a call (Lua's) has both sites one after the other; learned one
    /// per recompilation, a call that runs once per run of a loop (the code after it) took two more runs to compile.
    /// </summary>
    private static bool IsObjectValueSite(IR.Instruction call, object? operand) =>
        operand is not null && !operand.GetType().IsValueType && call.Opcode == IR.Opcode.Call && IR.HintNames.IsJitMethod(call.Method, IR.HintNames.Promote);

    /// <summary>
    /// A <c>Jit.Promote</c> of an integer (an emulator's opcode and operand bytes, read from memory the program may
    /// write): noted too, as an integer in the evaluator's stack form, which is the exit's (a float's is not, so floats
    /// are not noted). Unlike an object's, such a value joins a recompilation only once counted as often as an exit's
    /// value must be (<see cref="PromotionThreshold"/>): a site that sees a new number every time (a backtracking
    /// matcher's position) would otherwise get a case per number. Learned one per recompilation, the four promoted
    /// bytes of each instruction of a 6-instruction loop took 16 recompilations and the loop stayed interpreted.
    /// </summary>
    private static bool IsIntegerValueSite(IR.Instruction call, object? operand) =>
        operand is int or long && call.Opcode == IR.Opcode.Call && IR.HintNames.IsJitMethod(call.Method, IR.HintNames.Promote);

    /// <summary>
    /// Where the graph evaluator goes on with the next step once it has finished one (the instruction after the merge
    /// point), when the merge point's operands are all the rest of the loop needs; null when they are not (a value
    /// the step uses that is not a merge-point variable, an implicit red, a merge point inside a region).
    /// </summary>
    /// <remarks>Computed at the first mid-step exit that needs it, not when the portal is prepared: it takes the portal graph's liveness.
    /// Not a <c>Lazy</c>: each <c>Lazy&lt;T&gt;</c> and its factory's <c>Func</c> are types .NET loads while the portal is prepared.</remarks>
    private ContinuationPoint? MergeContinuationPoint
    {
        get
        {
            if (!Volatile.Read(ref mergeContinuationKnown))
            {
                mergeContinuation = MergeContinuation(engine.Extension);
                Volatile.Write(ref mergeContinuationKnown, true);
            }
            return mergeContinuation;
        }
    }

    private ContinuationPoint? mergeContinuation;
    private bool mergeContinuationKnown;

    /// <summary>An instruction of the portal's graph. A class, not a tuple: <c>Lazy</c> of a struct is a generic .NET compiles at preparation.</summary>
    private sealed record ContinuationPoint(IR.Block Block, int Index);

    /// <summary>The portal's protected regions around its merge point (empty for none): the evaluator leaves their handlers to the portal (<see cref="FinishStep"/>).</summary>
    /// <remarks>Made on first use, as <see cref="MergeContinuationPoint"/> is (two threads may both make it: the same set).</remarks>
    private IReadOnlySet<IR.Region> MergeRegionSet => Volatile.Read(ref mergeRegions) ?? (mergeRegions = MergeRegions(engine.Extension));

    private IReadOnlySet<IR.Region>? mergeRegions;

    private static IReadOnlySet<IR.Region> MergeRegions(ExtensionProgram extension)
    {
        var graph = extension.Portal.Graph;
        var regions = new HashSet<IR.Region>();
        for (var r = graph[extension.Shape.MergeBlock].Try; r is { } region; r = graph[region].Parent) regions.Add(region);
        return regions;
    }

    private static ContinuationPoint? MergeContinuation(ExtensionProgram extension)
    {
        var shape = extension.Shape;
        var graph = extension.Portal.Graph;
        if (graph[shape.MergeBlock].Try is not null) return null;
        int index = graph[shape.MergeBlock].Instructions.IndexOf(shape.MergePoint);
        if (index < 0) return null;
        var live = PeJit.IR.Graphs.Liveness.Compute(graph).LiveFrom(shape.MergeBlock, index + 1);
        // The implicit reds (an instance portal's `this`) are parameters, the same in every step: the learning loop
        // takes them from the exit's outermost frame.
        // Loops, not Concat: LINQ over values is code .NET compiles in every process that learns (Docs/PERFORMANCE.md, "cold7").
        var operands = new HashSet<IR.Value>(IR.ValueComparer.Instance);
        for (int i = 0; i < shape.MergePoint.Operands.Count; i++) operands.Add(shape.MergePoint.Operands[i]);
        for (int i = 0; i < shape.ImplicitReds.Count; i++) operands.Add(shape.ImplicitReds[i]);
        foreach (var value in live)
            if (!operands.Contains(value)) return null;
        return new ContinuationPoint(shape.MergeBlock, index + 1);
    }

    /// <summary>The portal method.</summary>
    public MethodInfo Method { get; }

    /// <summary>Threshold, budgets, cache bound.</summary>
    public JitSettings Settings { get; }

    /// <summary>The counters the portal's code decrements at each <c>Jit.CanEnterJit</c> (<see cref="PortalProtocol"/>).</summary>
    public CounterTable Counters { get; }

    /// <summary>The portal's generating extension, as the engine runs it.</summary>
    public ExtensionProgram Extension => engine.Extension;

    /// <summary>The compiled units.</summary>
    public CodeCache Cache { get; }

    /// <summary>The log this portal writes to besides <see cref="JitSettings.Log"/>.</summary>
    public JitLog Log { get; init; } = JitLog.Shared;

    /// <summary>A dump that could not be written: a warning whatever the log's topics, and a line of <see cref="JitSettings.Log"/>.</summary>
    private void DumpWarning(string line)
    {
        Log.Warning(line);
        Settings.Log?.WriteLine(line);
    }

    /// <summary>
    /// What JIT-enabled portal code calls at each <c>Jit.CanEnterJit</c> with the merge-point state (greens, then
    /// reds, boxed; see <see cref="PortalProtocol"/>). Returns a <see cref="CanEnterJitStatus"/>:
    /// <see cref="CanEnterJitStatus.Interpret"/> to go on interpreting; <see cref="CanEnterJitStatus.Returned"/>
    /// when compiled code ran the program to its return (the result is then in <paramref name="state"/> at
    /// <see cref="PortalProtocol.Result"/>); <see cref="CanEnterJitStatus.Exited"/> when compiled code left at
    /// an exit (<paramref name="state"/> then holds the merge-point variables there).
    /// </summary>
    /// <remarks>This is the slow path of a portal that counts each visit here, one by one (no counter table).</remarks>
    public int OnCanEnterJit(object?[] state)
    {
        var key = Arrive(state);
        return CodeFor(key, 1, state) is { } unit ? Enter(key, unit, state) : (int)CanEnterJitStatus.Interpret;
    }

    /// <summary>
    /// The slow path of a portal that counts in <see cref="Counters"/>: its counter at <paramref name="slot"/>
    /// reached zero. Answers as <see cref="OnCanEnterJit(object?[])"/> does, and rewrites the slot as
    /// <see cref="CounterTable"/> says: held at zero while the key has code, a fresh budget otherwise.
    /// </summary>
    public int OnCanEnterJit(object?[] state, int slot) => OnCanEnterJit(state, slot, entry: false);

    /// <summary>
    /// <see cref="OnCanEnterJit(object?[], int)"/> for a site that is the portal's entry (<paramref name="entry"/>,
    /// <see cref="PortalProtocol"/>) or a <c>Jit.CanEnterJit</c>: a key counted at the entry is where a function
    /// of the interpreted program starts, and its unit holds the whole function, not only a loop through it.
    /// </summary>
    public int OnCanEnterJit(object?[] state, int slot, bool entry)
    {
        var key = Arrive(state);
        if (entry) NoteFunctionEntry(key);
        else Functions.NoteLoop();
        int visits = Counters.TakeVisits(slot);
        // Entry visits count towards a function's unit only as the policy says, up to the threshold for functions.
        int threshold = entry ? Functions.Threshold : Settings.Threshold;
        // A loop's key getting hot may first run a turn in the learning evaluator (LearnFirstTurn): the state is then
        // where the turns ended, and compiled code goes on from there if it has a unit (GoOnAfterLearning), else the interpreter.
        if (CodeFor(key, entry && !Functions.CountsEntries ? 0 : visits, state, threshold, learn: !entry, out var learned) is { } unit)
        {
            Counters.Hold(slot, key);
            PublishCell(slot, key, unit);
            return learned is { } afterTurns ? GoOnAfterLearning(afterTurns, state) : Enter(key, unit, state);
        }
        // Learned, the unit compiling in the background: the turns may have ended at another key's unit.
        int? after = learned is { } afterLearning ? GoOnAfterLearning(afterLearning, state) : null;
        // A slot held for another key's compiled code stays held, so that key's next visit enters its code.
        if (Counters.Holder(slot) is { } holder && HasUnit(holder))
            Counters.Hold(slot, holder);
        // A key compiling in the background comes back after a threshold's visits, not at every one: the interpreter
        // keeps its own speed meanwhile (the slow path boxes the state and looks the key up), and enters the unit
        // at most a threshold's visits after it is ready.
        else if (keys.TryGetValue(key, out var known) && Volatile.Read(ref known.Compiling))
            Counters.Rearm(slot, Settings.Threshold);
        else
            // (At most a loop's threshold at a time: the slot is shared by keys, and a function's key counts further.)
            Counters.Rearm(slot, Math.Max(1, Math.Min(Settings.Threshold, threshold - (known is null ? 0 : Volatile.Read(ref known.Visits)))));
        return after ?? (int)CanEnterJitStatus.Interpret;
    }

    /// <summary>When functions of the interpreted program (keys counted at the entry) get units of their own.</summary>
    internal FunctionCompilationPolicy Functions { get; }

    /// <summary>
    /// <see cref="OnCanEnterJit(object?[], int, bool)"/> for a portal whose entry is its only site
    /// (<paramref name="onlyEntry"/>, <see cref="PortalProtocol.OnlyEntryFlag"/>: no <c>Jit.CanEnterJit</c>): from then
    /// on its entry counts towards functions' units whether <see cref="JitSettings.CompileFunctions"/> is set or not.
    /// </summary>
    public int OnCanEnterJit(object?[] state, int slot, bool entry, bool onlyEntry)
    {
        if (onlyEntry) Functions.NoteOnlyEntry();
        return OnCanEnterJit(state, slot, entry);
    }

    /// <summary>
    /// The portal's entry, reached while some thread resumes at an exit (<see cref="PortalCounters.Resuming"/>):
    /// when the resumption is this thread's, for this portal, <paramref name="state"/> gets the state the unit
    /// left at and the answer is <see cref="CanEnterJitStatus.Exited"/> (the interpreter goes on from there);
    /// otherwise the visit is counted, one visit by key, as an entry.
    /// </summary>
    public int OnEntryWhileResuming(object?[] state)
    {
        if (TakeResumption(state) is { } status) return status;
        var key = Arrive(state);
        return FunctionEntered(key, state) is { } unit ? Enter(key, unit, state) : (int)CanEnterJitStatus.Interpret;
    }

    /// <summary>A function's entry at <paramref name="key"/>, counted as the portal's entry counts it, and its unit if it has one now.</summary>
    private CompiledUnit? FunctionEntered(GreenKey key, object?[] state)
    {
        NoteFunctionEntry(key);
        return CodeFor(key, Functions.CountsEntries ? 1 : 0, state, Functions.Threshold);
    }

    /// <summary>
    /// The start of a portal that takes resumptions before its entry's code (<see cref="PortalProtocol.ResumeBeforeEntrySlot"/>),
    /// reached while some thread resumes: this thread's pending state for this portal, as <see cref="OnEntryWhileResuming"/>
    /// gives it; otherwise <see cref="CanEnterJitStatus.Interpret"/>, nothing counted (the state holds no key yet: the portal
    /// runs its entry, whose site counts).
    /// </summary>
    public int OnStartWhileResuming(object?[] state) => TakeResumption(state) ?? (int)CanEnterJitStatus.Interpret;

    /// <summary>This thread's pending resumption for this portal, copied into <paramref name="state"/>, and its status; null when there is none.</summary>
    private int? TakeResumption(object?[] state)
    {
        if (resumption is not { } pending || pending.Runtime != this) return null;
        resumption = null;
        Interlocked.Decrement(ref PortalCounters.Resuming);
        Interlocked.Increment(ref resumptions);
        Array.Copy(pending.State, state, Math.Min(pending.State.Length, state.Length));
        if (pending.Thrown is { } thrown)
        {
            pendingThrow = thrown;
            return (int)CanEnterJitStatus.Threw;
        }
        return (int)CanEnterJitStatus.Exited;
    }

    /// <summary>
    /// The state a unit entered through a call cell left at an exit, on this thread: the portal call that the
    /// residual code makes next resumes from it at its entry (<see cref="OnEntryWhileResuming"/>).
    /// </summary>
    [ThreadStatic]
    private static (PortalRuntime Runtime, object?[] State, ExceptionDispatchInfo? Thrown)? resumption;

    /// <summary>
    /// The exception compiled code caught in a step and left at a <see cref="CompiledExit.Threw"/> exit, on this
    /// thread, until the portal that got <see cref="CanEnterJitStatus.Threw"/> throws it (<see cref="ThrowPending"/>).
    /// </summary>
    [ThreadStatic]
    private static ExceptionDispatchInfo? pendingThrow;

    /// <summary>
    /// Throws the exception a step of compiled code threw (<see cref="CanEnterJitStatus.Threw"/>), with its stack
    /// trace: a portal calls it (through <c>JitRuntime.ThrowPending</c> or <c>JitHooks.ThrowPending</c>) after
    /// reloading the step's merge-point variables, inside its regions around the merge point. Never returns; the
    /// result type lets the caller end its block with a <c>throw</c>.
    /// </summary>
    public static Exception ThrowPending()
    {
        var pending = TakePendingThrow() ?? throw new InvalidOperationException("pejit: the portal was told compiled code threw, but no exception is pending on this thread (a rewritten portal and a runtime that disagree)");
        pending.Throw();
        return pending.SourceException;
    }

    internal static ExceptionDispatchInfo? TakePendingThrow()
    {
        var pending = pendingThrow;
        pendingThrow = null;
        return pending;
    }

    internal static void SetPendingThrow(ExceptionDispatchInfo thrown) => pendingThrow = thrown;

    private long resumptions;

    /// <summary>Times the interpreter resumed at an exit of a unit entered through a call cell.</summary>
    public long Resumptions => Interlocked.Read(ref resumptions);

    /// <summary>Notes that the portal's entry counted <paramref name="key"/>: a function of the interpreted program starts there.</summary>
    private void NoteFunctionEntry(GreenKey key) => StateOf(key).FunctionEntry = true;

    /// <summary>The record of <paramref name="key"/>, added when it has none (the table swept first when past its bound).</summary>
    private KeyState StateOf(GreenKey key)
    {
        while (true)
        {
            if (keys.TryGetValue(key, out var state)) return state;
            if (Volatile.Read(ref keysAdded) >= Volatile.Read(ref sweepAt)) Forget();
            state = new KeyState();
            if (keys.TryAdd(key, state))
            {
                Interlocked.Increment(ref keysAdded);
                return state;
            }
        }
    }

    /// <summary>
    /// The record of <paramref name="key"/>, locked and still in the table, for a write of a field the bound must keep
    /// (<see cref="KeyState"/>); the caller releases it with <see cref="Monitor.Exit"/>.
    /// </summary>
    private KeyState Locked(GreenKey key)
    {
        while (true)
        {
            var state = StateOf(key);
            Monitor.Enter(state);
            if (!state.Removed) return state;
            Monitor.Exit(state);
        }
    }

    /// <summary>
    /// The bound: <see cref="MaxCountedKeys"/> records past what the last sweep kept, every count is forgotten (a program
    /// that never repeats itself cannot grow the table without end) and records that hold nothing the runtime needs are removed.
    /// </summary>
    private void Forget()
    {
        lock (keys)
        {
            if (Volatile.Read(ref keysAdded) < sweepAt) return;
            foreach (var pair in keys)
            {
                var state = pair.Value;
                lock (state)
                {
                    state.Visits = 0;
                    state.FunctionEntry = false;
                    state.Sample = null;
                    state.GivenUp = false;
                    if (state.Holds) continue;
                    state.Removed = true;
                    keys.TryRemove(pair.Key, out _);
                }
            }
            int kept = keys.Count;
            Volatile.Write(ref keysAdded, kept);
            Volatile.Write(ref sweepAt, kept + MaxCountedKeys);
        }
    }

    /// <summary>Marks <paramref name="key"/> as compiling; false when it is already.</summary>
    private bool StartCompiling(GreenKey key)
    {
        var state = Locked(key);
        try
        {
            if (state.Compiling) return false;
            Volatile.Write(ref state.Compiling, true);
            Interlocked.Increment(ref compilationsInFlight);
            return true;
        }
        finally
        {
            Monitor.Exit(state);
        }
    }

    /// <summary>Marks <paramref name="key"/> as no longer compiling (nothing when it was not).</summary>
    private void DoneCompiling(GreenKey key)
    {
        // A compiling record is never removed, so the record found is the one marked.
        if (!keys.TryGetValue(key, out var state)) return;
        lock (state)
        {
            if (!state.Compiling) return;
            Volatile.Write(ref state.Compiling, false);
            Interlocked.Decrement(ref compilationsInFlight);
        }
    }

    /// <summary>
    /// The runtime of another portal of the assembly, for a method this portal's units call (null: not one); set by whoever
    /// prepares the portal (<see cref="JitRuntime"/>, the in-process <c>PortalJit</c>). With it, a unit inlines a call of
    /// the other portal whose key it knows, in that portal's extension program (<c>UnitSpecializer.OtherPortals.cs</c>);
    /// without it, such calls stay calls (entering the other portal's units through its entry cells).
    /// </summary>
    public Func<MethodInfo, PortalRuntime?>? OtherPortals
    {
        get => otherPortals;
        set
        {
            otherPortals = value;
            engine.OtherPortals = value is null ? null : OtherPortalProgram;
        }
    }

    private Func<MethodInfo, PortalRuntime?>? otherPortals;

    /// <summary>
    /// The extension program of the other portal <paramref name="reference"/> names, once it is prepared (the engine asks once
    /// per method, while it specializes); its members join this portal's resolver (<see cref="ChainedResolver"/>).
    /// </summary>
    private ExtensionProgram? OtherPortalProgram(IR.MethodRef reference)
    {
        if (otherPortals is null) return null;
        MethodBase method;
        try
        {
            method = resolver.ResolveMethod(reference);
        }
        catch (Exception e) when (e is InvalidOperationException or MemberAccessException or TypeLoadException)
        {
            return null;
        }
        if (method is not MethodInfo info || info.Module != Method.Module || info == Method || otherPortals(info) is not { } other || other == this) return null;
        // A unit holding the other portal's code names its members, which only its own table has (a JIT-enabled assembly
        // stores one per portal). A resolver that cannot take them (a test's own) leaves the call a call.
        if (!ReferenceEquals(other.resolver, resolver))
        {
            if (resolver is not ChainedResolver chained) return null;
            chained.Add(other.resolver);
        }
        return other.Extension;
    }

    /// <summary>The call cells handed out so far (tests).</summary>
    public IReadOnlyCollection<CallCell> CallCells
    {
        get
        {
            var cells = new List<CallCell>();
            foreach (var pair in keys)
                if (Volatile.Read(ref pair.Value.Cell) is { } cell) cells.Add(cell);
            return cells;
        }
    }

    /// <summary>
    /// The cell for <paramref name="key"/>, made on first use with the key's current unit. Called by the engine while
    /// it specializes, under the compile lock, as every change of the cache is, so a cell never misses a change.
    /// </summary>
    private CallCell? CellFor(GreenKey key)
    {
        // The policy's rule 4 (FunctionCompilationPolicy). (An interpreter that promotes its callee, Lua's, makes every
        // call's key green.) A key with a unit, standing by or not, keeps its cell.
        if (!Functions.WantsCallCell(Cache.TryGet(key, out var held) && held is not null, EntriesOf(key))) return null;
        var state = Locked(key);
        try
        {
            if (state.Cell is { } present) return present;
            var cell = new CallCell(key, (cell, code, state, exit) => code is null
                ? EnterWithoutUnit(cell, state)
                : ((CompiledUnit)code.Unit).Runtime!.EnterThroughCell(cell, (CompiledUnit)code.Unit, state, exit));
            if (Cache.TryGet(key, out var unit) && unit is not null)
            {
                cell.Current = CellCode(unit);
                unit.Cell = cell;
            }
            Volatile.Write(ref state.Cell, cell);
            return cell;
        }
        finally
        {
            Monitor.Exit(state);
        }
    }

    private static CallCell.Code? CellCode(CompiledUnit? unit) => unit is null ? null
        : new CallCell.Code(unit, unit.Code.Run, unit.Constants, Math.Max(unit.Unit.ExitBufferSize, unit.Unit.Entry.Values.Count + 1));

    /// <summary>
    /// Keeps the call cell of <paramref name="key"/> pointing at its unit, or at none once it is dropped, and clears the
    /// key's entry cell: a replaced unit's cell is published again, with the new unit, at the next slow-path visit.
    /// </summary>
    private void OnCacheChanged(GreenKey key, CompiledUnit? unit)
    {
        ClearCell(key);
        if (!keys.TryGetValue(key, out var state) || Volatile.Read(ref state.Cell) is not { } cell) return;
        cell.Current = CellCode(unit);
        if (unit is not null) unit.Cell = cell;
    }

    /// <summary>
    /// What a call cell leaves to the runtime (<see cref="CallCell.Enter"/>): entering <paramref name="unit"/> with
    /// little stack left (<paramref name="exit"/> null: on a fresh stack), or the exit it left at (the buffer it
    /// wrote). Exits at keys with units go on in them as <see cref="Enter"/> does. True when the function
    /// returned (the result in the state); false when it left at an exit: the state is kept for this thread, and
    /// the portal call the caller makes next resumes from it.
    /// </summary>
    private bool EnterThroughCell(CallCell cell, CompiledUnit unit, object?[] state, object?[]? exit)
    {
        var key = cell.Key;
        int status;
        if (exit is null) status = EnterWithStack(key, unit, state);
        else
        {
            // The unit went on in a bridge natively: the exit buffer is the bridge's.
            if (BridgeRan(unit) is { } ran) (key, unit) = (ran.Unit.Entry, ran);
            status = AfterExit(key, unit, exit, state, out var exitKey, out var bridge);
            if (exitKey is not null && (bridge ?? CodeFor(exitKey, 1, state)) is { } next) status = Enter(exitKey, next, state);
        }
        return ReturnedOrResumes(status, state);
    }

    /// <summary><see cref="Enter"/>, on a fresh stack when this one is low (a cell's call is one more level of the interpreted program's recursion).</summary>
    private int EnterWithStack(GreenKey key, CompiledUnit unit, object?[] state) =>
        StackGuard.StackIsLow
            ? StackGuard.OnFreshStack(static call => call.Item1.Enter(call.key, call.unit, call.state), (this, key, unit, state))
            : Enter(key, unit, state);

    /// <summary>
    /// After a cell's call: true when the function returned; otherwise false, and <paramref name="state"/> kept for this
    /// thread's portal call that follows, which resumes from it.
    /// </summary>
    private bool ReturnedOrResumes(int status, object?[] state)
    {
        if (status == (int)CanEnterJitStatus.Returned) return true;
        // A step's exception is thrown by the portal call that resumes, inside that activation's regions.
        resumption = (this, state, status == (int)CanEnterJitStatus.Threw ? TakePendingThrow() : null);
        Interlocked.Increment(ref PortalCounters.Resuming);
        return false;
    }

    /// <summary>
    /// A call through a cell with no unit, whose compiled caller ran the portal's entry (<see cref="CallCell.EnterAfterEntry"/>):
    /// the key's entry is counted as the portal's entry would count it, and its unit entered if that gave one; a function
    /// that did not return (no unit, or it left at an exit) goes on in the portal call that follows, which resumes from
    /// <paramref name="state"/> (the merge point's variables, or where the unit left) before its entry's code.
    /// </summary>
    private bool EnterWithoutUnit(CallCell cell, object?[] state)
    {
        var key = cell.Key;
        int status = FunctionEntered(key, state) is { } unit ? EnterWithStack(key, unit, state) : (int)CanEnterJitStatus.Exited;
        return ReturnedOrResumes(status, state);
    }

    private long cellsPublished;

    /// <summary>Entry cells published so far (<see cref="EntryCell"/>; a unit's cell published again after a race counts again).</summary>
    public long EntryCellsPublished => Interlocked.Read(ref cellsPublished);

    /// <summary>
    /// Publishes the entry cell of <paramref name="slot"/>, held for <paramref name="key"/>, when its unit is typed and
    /// the portal was woven with cells. A cell published while the unit left the cache is taken back at once (the
    /// cache changes before it tells <see cref="OnCacheChanged"/>, so either that clears the cell or this sees it).
    /// </summary>
    private void PublishCell(int slot, GreenKey key, CompiledUnit unit)
    {
        if (!Settings.EntryCells || Counters.Cells is not { } table || Volatile.Read(ref table[slot]) is { } present && present.Unit == unit) return;
        if (unit.Unit.StateParameters is null || unit.Code is not CilCompiledCode code || unit.noEntryCell) return;
        var cell = unit.entryCell;
        if (cell is null)
        {
            if (!EntryCell.Split(key, Counters.CellLayout!, out var integers, out var references))
            {
                unit.noEntryCell = true;
                return;
            }
            if (CellSignatureMismatch(Counters.CellCodeType!, code.Method, Extension.Shape.ImplicitReds.Count > 0) is { } mismatch)
            {
                unit.noEntryCell = true;
                Log.Event($"pejit: {name} at {key}: entered on the slow path, not through an entry cell: {mismatch}");
                return;
            }
            try
            {
                cell = new EntryCell(key, unit, code.Method.CreateDelegate(Counters.CellCodeType!, unit.Constants), integers, references);
            }
            catch (ArgumentException e)
            {
                // The typed unit's parameters are not the woven code's types (a type the IR sees otherwise): the slow path enters it.
                unit.noEntryCell = true;
                Log.Event($"pejit: {name} at {key}: entered on the slow path, not through an entry cell: its code's signature is not the portal's ({e.Message})");
                return;
            }
            Volatile.Write(ref unit.entryCell, cell);
        }
        // The slot is kept in the key's record (KeyState.CellSlot), so that the cell is cleared when the key's unit changes.
        var state = Locked(key);
        state.CellSlot = slot;
        Monitor.Exit(state);
        Volatile.Write(ref table[slot], cell);
        Interlocked.Increment(ref cellsPublished);
        if (!Cache.TryGet(key, out var current) || current != unit) Interlocked.CompareExchange(ref table[slot], null, cell);
    }

    /// <summary>
    /// The generation of the portal's extension program right after its preparation (tests: 1 or more once it was moved out
    /// of gen0, <c>JitRuntime.MoveOutOfGen0</c>); -1 for a runtime made otherwise (in process). Per portal: tests prepare
    /// portals in parallel.
    /// </summary>
    internal int PreparedGeneration { get; set; } = -1;

    /// <summary>
    /// A sampled entry's arguments by the unit's entry parameters (<see cref="IR.FlowGraph.SampleArguments"/>): an untyped
    /// unit takes <c>(constants, exit, state)</c>; a typed one takes its reds after <c>(constants, exit)</c>, each from its
    /// place in the state (<see cref="PeJit.Specializer.Engine.Unit.StateParameters"/>), so the state array itself would
    /// be guessed to be its first red.
    /// </summary>
    internal static object?[] SampleArguments(PeJit.Specializer.Engine.Unit unit, object?[] constants, object?[] state)
    {
        if (unit.StateParameters is not { } places) return [constants, null, state];
        var sample = new object?[2 + places.Length];
        sample[0] = constants;
        for (int i = 0; i < places.Length; i++) sample[2 + i] = places[i] < state.Length ? state[places[i]] : null;
        return sample;
    }

    /// <summary>
    /// Why the woven entry's cell delegate (<paramref name="code"/>: <c>Func&lt;object[] exit, red..., [this,] result&gt;</c>)
    /// cannot call the typed unit's method (<paramref name="unit"/>: <c>(object[] constants, object[] exit, red..., [this])</c>,
    /// closed over its constants); null when it can: as many reds, each of the unit's parameters takes what the entry passes
    /// (the same value type, or a reference type the entry's is assignable to), and the entry takes the unit's result.
    /// <paramref name="passesThis"/>: the portal's last red is its <c>this</c>, named so in the answer.
    /// </summary>
    internal static string? CellSignatureMismatch(Type code, MethodInfo unit, bool passesThis)
    {
        var invoke = code.GetMethod("Invoke");
        if (invoke is null) return $"the entry's cell type {code.Name} is not a delegate";
        var passed = invoke.GetParameters();
        var taken = unit.GetParameters();
        // The unit's first parameter (its constants) is the delegate's target.
        if (passed.Length != taken.Length - 1)
            return $"the entry passes {passed.Length - 1} red(s) and the unit takes {taken.Length - 2}"
                + (passesThis ? ", `this` included" : "");
        for (int i = 0; i < passed.Length; i++)
        {
            Type from = passed[i].ParameterType, to = taken[i + 1].ParameterType;
            if (from == to || !from.IsValueType && !to.IsValueType && to.IsAssignableFrom(from)) continue;
            string what = i == 0 ? "the exit buffer" : passesThis && i == passed.Length - 1 ? "`this`" : $"red {i - 1}";
            return $"{what} is passed as {from.Name} and taken as {to.Name}";
        }
        Type returned = unit.ReturnType, expected = invoke.ReturnType;
        if (returned != expected && (returned.IsValueType || expected.IsValueType || !expected.IsAssignableFrom(returned)))
            return $"the unit returns {returned.Name} and the entry takes {expected.Name}";
        return null;
    }

    /// <summary>Clears the entry cell of <paramref name="key"/>, if it has one.</summary>
    private void ClearCell(GreenKey key)
    {
        if (Counters.Cells is not { } table || !keys.TryGetValue(key, out var state)) return;
        int slot;
        lock (state)
        {
            slot = state.CellSlot;
            state.CellSlot = -1;
        }
        if (slot < 0) return;
        if (Volatile.Read(ref table[slot]) is { } cell && cell.Key.Equals(key)) Interlocked.CompareExchange(ref table[slot], null, cell);
    }

    /// <summary>
    /// The typed code a woven entry called through <paramref name="cell"/> left at the exit in <paramref name="exit"/>:
    /// as after an exit of a unit entered on the slow path (<see cref="RunUnit"/>), an exit at a key with a unit goes on
    /// in it; the answer is the portal's (<see cref="JitRuntime.EntryCellExited"/>).
    /// </summary>
    internal int OnEntryCellExit(EntryCell cell, object?[] state, object?[] exit)
    {
        int status = AfterExit(cell.Key, cell.Unit, exit, state, out var exitKey, out var bridge);
        if (exitKey is not null && (bridge ?? CodeFor(exitKey, 1, state)) is { } next) status = Enter(exitKey, next, state);
        return status;
    }

    /// <summary>The green key of a slow-path visit with <paramref name="state"/>.</summary>
    private GreenKey Arrive(object?[] state)
    {
        // Strict mode: a background compilation that failed is thrown here, on the interpreter's thread.
        Volatile.Read(ref backgroundFailure)?.Throw();
        return new GreenKey(state.AsSpan(0, engine.GreenCount).ToArray());
    }

    /// <summary>
    /// The compiled unit for <paramref name="key"/>, crediting the key with <paramref name="visits"/> when there
    /// is none: once it is hot, the unit is compiled (or queued, with background compilation). Null while the
    /// interpreter should go on.
    /// </summary>
    private CompiledUnit? CodeFor(GreenKey key, int visits, object?[] state) => CodeFor(key, visits, state, Settings.Threshold);

    /// <summary><see cref="CodeFor(GreenKey, int, object?[])"/> with the visits a key needs to be compiled (a function's entry counts to <see cref="FunctionCompilationPolicy.Threshold"/>).</summary>
    private CompiledUnit? CodeFor(GreenKey key, int visits, object?[] state, int threshold) => CodeFor(key, visits, state, threshold, learn: false, out _);

    /// <summary>
    /// <see cref="CodeFor(GreenKey, int, object?[], int)"/>, which first runs a turn of the key's loop in the learning
    /// evaluator when <paramref name="learn"/> and the key has just got hot (<see cref="LearnFirstTurn"/>): then
    /// <paramref name="learned"/> is what the portal must do next (<paramref name="state"/> holds where the turn ended), and a unit
    /// returned is not to be entered with it.
    /// </summary>
    private CompiledUnit? CodeFor(GreenKey key, int visits, object?[] state, int threshold, bool learn, out int? learned)
    {
        learned = null;
        if (Cache.TryGet(key, out var unit)) return unit is { standingBy: true } ? null : unit;
        var known = StateOf(key);
        int count, added;
        do
        {
            count = Volatile.Read(ref known.Visits);
            added = (int)Math.Min(int.MaxValue, (long)count + visits);
        } while (Interlocked.CompareExchange(ref known.Visits, added, count) != count);
        if (added < threshold) return null;
        // The sample of the visit that made the key hot (the first kept), which every compilation of the key gives the
        // optimizer to guess from (IR.FlowGraph.SampleArguments). A key compiling in the background comes back here every
        // threshold's visits until it is ready.
        KeepSample(known, state);
        if (learn && known.Learned is null && LearnsFirst && Volatile.Read(ref evaluatorRan) && state.Length >= engine.MergeVariables.Count + Extension.Shape.ImplicitReds.Count)
            learned = LearnFirstTurn(key, known, state);
        if (Settings.BackgroundCompilation)
        {
            // The interpreter goes on; the unit is entered the first time the key is reached after it is ready.
            if (StartCompiling(key))
                CompileInBackground(key, () => CompileAndCache(key));
            return null;
        }
        return CompileAndCache(key);
    }

    /// <summary>Keeps <paramref name="state"/> as the sample of the key of <paramref name="known"/>, unless it has one (the first is kept).</summary>
    private static void KeepSample(KeyState known, object?[] state)
    {
        if (Volatile.Read(ref known.Sample) is null) Interlocked.CompareExchange(ref known.Sample, new StateSample(state), null);
    }

    /// <summary>
    /// Runs <paramref name="compile"/> (a recompilation of <paramref name="key"/>'s unit, or a bridge at one of its
    /// exits) now, or queued when compilation is in the background; false when it was not started because the key
    /// is compiling already.
    /// </summary>
    private bool Recompile(GreenKey key, Action compile)
    {
        if (!Settings.BackgroundCompilation)
        {
            compile();
            return true;
        }
        if (!StartCompiling(key)) return false;
        CompileInBackground(key, compile);
        return true;
    }

    /// <summary>The first failure of a background compilation in strict mode, thrown at the next <c>CanEnterJit</c>.</summary>
    private ExceptionDispatchInfo? backgroundFailure;

    /// <summary>
    /// Runs <paramref name="compile"/> on PeJit's background thread (<see cref="BackgroundWork"/>) for <paramref name="key"/>, which the caller has marked as
    /// compiling (<see cref="StartCompiling"/>, so that <see cref="WaitForCompilations"/> waits for it) and which is removed when it
    /// ends. A failure (only strict mode lets one out of <see cref="Compile"/>) is kept for the interpreter's thread:
    /// on another thread it would end the process.
    /// </summary>
    private void CompileInBackground(GreenKey key, Action compile) =>
        BackgroundWork.Queue(() =>
        {
            try
            {
                compile();
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref backgroundFailure, ExceptionDispatchInfo.Capture(e), null);
            }
            finally
            {
                DoneCompiling(key);
            }
        });

    private CompiledUnit? CompileAndCache(GreenKey key)
    {
        try
        {
            lock (compileGate)
            {
                if (Cache.TryGet(key, out var done)) return done;
                var unit = CompileAgain(key);
                Cache.Add(key, unit);
                if (keys.TryGetValue(key, out var known)) Volatile.Write(ref known.Visits, 0);
                return unit;
            }
        }
        finally
        {
            DoneCompiling(key);
        }
    }

    /// <summary>
    /// Compiles <paramref name="key"/>, which may have been compiled before and dropped from the cache: the
    /// times it was specialized then count towards <see cref="JitSettings.MaxRecompilesPerUnit"/> like
    /// recompilations for promoted values do. Past the bound the key is not compiled again (null, logged once):
    /// a cache smaller than the program's hot code would otherwise drop it and compile it again on every turn
    /// of an outer loop, and compile time would have no bound.
    /// </summary>
    private CompiledUnit? CompileAgain(GreenKey key)
    {
        int before = Cache.SpecializationsOf(key);
        if (before <= Settings.MaxRecompilesPerUnit)
            return Compile(key, keys.TryGetValue(key, out var learned) && learned.Learned is { } cases ? cases : new Dictionary<PromotionSite, IReadOnlyList<object?>>(PromotionSiteComparer.Instance), before);
        var state = StateOf(key);
        if (!state.GivenUp)
        {
            state.GivenUp = true;
            string reason = $"dropped from the code cache and compiled again {before - 1} times (MaxRecompilesPerUnit {Settings.MaxRecompilesPerUnit}); "
                + $"the interpreter runs it from now on: raise PEJIT_CACHE_LIMIT (now {Cache.Limit} residual instructions) so that the program's hot code fits";
            Settings.Log?.WriteLine($"pejit: not compiling {Method.Name} at {key}: {reason}");
            Log.NotCompiled(name, key, reason);
        }
        return null;
    }

    /// <summary>
    /// Waits until no compilation is queued or running (background compilation; tests and benchmarks). In strict
    /// mode, throws what a background compilation failed with.
    /// </summary>
    public bool WaitForCompilations(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (Volatile.Read(ref compilationsInFlight) != 0)
        {
            if (clock.Elapsed > timeout) return false;
            Thread.Sleep(1);
        }
        lock (compileGate)
        {
            Volatile.Read(ref backgroundFailure)?.Throw();
            return true;
        }
    }

    /// <summary>
    /// Runs compiled code from <paramref name="key"/>. An exit at a merge point whose key has a unit goes on in
    /// that unit without returning to the interpreter (units link); an exit at a key without one counts the
    /// key, like <c>CanEnterJit</c> does, so an exit that gets hot gets code of its own.
    /// </summary>
    private int Enter(GreenKey key, CompiledUnit unit, object?[] state)
    {
        while (true)
        {
            int status = RunUnit(key, unit, state, out var exitKey, out var bridge);
            // An exit with a bridge goes on in it; any other exit at a key with a unit goes on there.
            if (exitKey is null || (bridge ?? CodeFor(exitKey, 1, state)) is not { } next) return status;
            key = exitKey;
            unit = next;
        }
    }

    [ThreadStatic]
    private static object?[]? exitBuffer;

    /// <summary>
    /// Runs one unit; <paramref name="exitKey"/> is the key of the merge point it left at, if it did, and
    /// <paramref name="bridge"/> the bridge attached at that exit, if any.
    /// </summary>
    private int RunUnit(GreenKey key, CompiledUnit unit, object?[] state, out GreenKey? exitKey, out CompiledUnit? bridge)
    {
        exitKey = null;
        bridge = null;
        bool first = Log.Entering();
        var compileBefore = first ? DotnetJitCost.OnThisThread() : default;
        Interlocked.Increment(ref unit.entries);
        // One exit buffer per thread, not one per entry (compiled calls enter units at every call): a unit writes
        // it only as it leaves, and the slot that says it left is cleared as soon as it is read, before anything
        // else can run a unit on this thread, so a unit that returns finds it clear.
        int size = Math.Max(unit.Unit.ExitBufferSize, state.Length + 1);
        var exit = exitBuffer is { } reused && reused.Length >= size ? reused : exitBuffer = new object?[size];
        Amd64CompiledCode.TakeBridgeRan();
        var result = unit.Code.Run(unit.Constants, exit, state);
        if (first) Log.FirstEntryCompiled(unit, DotnetJitCost.OnThisThread() - compileBefore);
        // The unit went on in a bridge natively: the result or the exit is the bridge's.
        if (BridgeRan(unit) is { } ran) (key, unit) = (ran.Unit.Entry, ran);
        if (exit[0] is null)
        {
            state[PortalProtocol.Result] = result;
            return (int)CanEnterJitStatus.Returned;
        }
        return AfterExit(key, unit, exit, state, out exitKey, out bridge);
    }

    /// <summary>What follows a unit's leaving at the exit <paramref name="exit"/> names (its slot 0, cleared here).</summary>
    private int AfterExit(GreenKey key, CompiledUnit unit, object?[] exit, object?[] state, out GreenKey? exitKey, out CompiledUnit? bridge)
    {
        exitKey = null;
        bridge = null;
        Interlocked.Increment(ref unit.exitsTaken);
        int index = (int)exit[0]!;
        exit[0] = null;
        long times = Interlocked.Increment(ref unit.exitCounts[index]);
        var taken = unit.Unit.Exits[index];
        // A native unit gets a bridge at the exit (below), any other is specialized again with the code after its loop.
        bool bridging = Settings.Bridges && unit.Code is Amd64CompiledCode;
        if (taken.LeavesLoop && times == Settings.Threshold && !bridging) GrowTail(key, unit, taken);
        if (taken.Threw)
        {
            int count = engine.MergeVariables.Count;
            Array.Copy(exit, 1, state, 0, count);
            pendingThrow = ExceptionDispatchInfo.Capture((Exception)exit[count + 1]!);
            exit[count + 1] = null;
            return (int)CanEnterJitStatus.Threw;
        }
        if (taken.Frames is null)
        {
            Array.Copy(exit, 1, state, 0, engine.MergeVariables.Count);
            exitKey = taken.Key;
            if (taken.LeavesLoop && times == Settings.Threshold && bridging) AttachBridge(key, unit, taken, state);
            bridge = unit.BridgeAt(index);
            return (int)CanEnterJitStatus.Exited;
        }
        // A case bridge attached at this exit (AttachCaseBridge) goes on from the exit buffer; it leaves at an exit of its
        // own for any value it has no case for.
        if (unit.BridgeAt(index) is { } caseBridge) return RunCaseBridge(key, caseBridge, exit, state, out exitKey, out bridge);
        // The exit CountPromotion counts a value for, on this thread, while the step finishes (TryCaseBridge).
        var (outerUnit, outerExit) = (finishingUnit, finishingExit);
        (finishingUnit, finishingExit) = (unit, taken);
        try
        {
            return FinishStep(key, unit, taken, exit, state, out exitKey);
        }
        finally
        {
            (finishingUnit, finishingExit) = (outerUnit, outerExit);
        }
    }

    /// <summary>
    /// Compiled code left in the middle of a step (a value at <c>Jit.Promote</c> it has no case for): the graph
    /// evaluator runs the rest of the step on the interpreter's graphs up to the next merge point (or the
    /// portal's return), and the value is counted: seen often enough, the unit is specialized again with a
    /// case for it.
    /// </summary>
    /// <remarks>
    /// Why the evaluator may go on past that merge point: a unit compiled before its sites have cases leaves at
    /// the first site it meets, so each specialization again would only reveal the next site, one recompilation
    /// per site and class (Lua's n-body made 23 units for 3 keys). While the unit may still be specialized again,
    /// the evaluator runs on, step by step, back to the unit's entry (at most one turn of its loop, as many steps as
    /// a unit may have keys) and notes the class at every <c>Jit.PromoteClass</c> it passes; the recompilation then gets a
    /// case for each of them at once. It stops early at a key that has a unit of its own, and
    /// <paramref name="exitKey"/> names such a key, so compiled code goes on there instead of the interpreter.
    /// </remarks>
    private int FinishStep(GreenKey key, CompiledUnit unit, CompiledExit taken, object?[] exit, object?[] state, out GreenKey? exitKey)
    {
        exitKey = null;
        var promoted = ValueSemantics.Normalize(exit[taken.PromotedSlot], taken.PromotedType!);
        var site = taken.PromoteSite!.Value;
        // Only while the unit may still be specialized again: once it was (or was refused), or past the bound, the
        // step ends at the next merge point as before, so exits in the steady state cost no more than they did.
        // An object promoted by value (a callee's prototype at Lua's call) starts learning too: the classes after it, the
        // callee's included, come in the same recompilation. Not at a site whose cases are all taken (CountPromotion counts
        // nothing there, so nothing learned would ever be used): a megamorphic site would send every step it leaves through the
        // learning evaluator, up to the unit's entry.
        bool learning = (taken.PromotesClass || promoted is not null && !promoted.GetType().IsValueType || promoted is int or long
                || HasClassSite(unit.Unit.PromotionCases))
            && unit.MayRecompile(Settings.MaxRecompilesPerUnit) && Volatile.Read(ref unit.recompiling) == 0
            && !SiteFull(unit, site, taken.PromotesClass);
        // The rest of the step on compiled code (a continuation per frame), when every frame has one; else the evaluator. The
        // continuations are compiled once the exit was taken ContinuationAfter times (a step or two is cheaper in the evaluator
        // than a compilation); before that, used if another exit made them already.
        bool make = unit.TimesTaken(taken.Index) >= Settings.ContinuationAfter;
        if (!learning && Settings.CompiledFinish)
        {
            var plan = ContinuationsIf(make)?.PlanFor(taken, make);
            if (plan?.Frames is { } compiled) return FinishCompiled(key, unit, taken, site, promoted, compiled, exit, state, out exitKey);
            if (plan is not null) Interlocked.Increment(ref refusedSteps);
        }
        // A learning step on the same continuations, which report what they see to an observer, when every frame has one that
        // can (LearningOnContinuations, the default; the steps after it, from the merge point, stay on the evaluator: the
        // portal's rest reaches its interpreted calls, which the learner follows).
        var learnedOn = learning && LearnsOnContinuations()
            ? ContinuationsIf(make)?.LearningPlanFor(taken, make)?.Frames : null;
        if (learnedOn is null) Interlocked.Increment(ref evaluatedSteps);
        else
        {
            Interlocked.Increment(ref compiledSteps);
            Interlocked.Increment(ref learningCompiledSteps);
        }
        // Loops, not LINQ's Select and ToDictionary over the exit's structs: code .NET would compile at the first exit of
        // every process (Docs/PERFORMANCE.md, "cold7"). The same dictionaries, filled in the same order.
        var exitFrames = taken.Frames!;
        var frames = new List<ResumeFrame>(exitFrames.Count);
        for (int depth = 0; depth < exitFrames.Count; depth++)
        {
            var f = exitFrames[depth];
            var values = new Dictionary<IR.Value, object?>(f.Values.Length, IR.ValueComparer.Instance);
            foreach (var v in f.Values) values.Add(v.Value, v.IsGreen ? v.Green : exit[v.Slot]);
            var slots = new Dictionary<IR.Slot, object?>(f.Slots.Length, IR.SlotComparer.Instance);
            foreach (var (slot, content) in f.Slots) slots.Add(slot, content.IsGreen ? content.Green : exit[content.Slot]);
            frames.Add(new ResumeFrame(f.Graph, f.Block, f.Index, values, f.CallResult)
            {
                Slots = slots,
                // The portal's tries around its merge point are the interpreter's to run: a step's exception or
                // return is handed back to it inside them (CanEnterJitStatus.Threw, Returned), so the evaluator
                // running them too would run a catch or a finally twice.
                OuterRegions = depth == 0 ? MergeRegionSet : null,
                Caught = f.CaughtSlot > 0 ? (Exception?)exit[f.CaughtSlot] : null,
            });
        }
        // An evaluator per step: it counts steps, and threads may finish steps at once.
        var evaluator = new GraphEvaluator(resolver);
        // What the evaluator sees at the hints, each at the key of its position: the exit's frames at theirs (an inlined
        // callee's step), then each step the learning loop goes on from, the interpreted calls it follows at their callees'.
        Func<IR.Instruction, object?, bool> valueSite = (call, operand) => IsObjectValueSite(call, operand) || IsIntegerValueSite(call, operand);
        var learner = learning ? new StepLearner(evaluator, Following, Extension.Shape.MergePoint, GreenKeyOf, valueSite) : null;
        var positions = new List<(GreenKey Key, CallPath? Path)>(exitFrames.Count);
        if (learner is not null)
        {
            foreach (var f in exitFrames) positions.Add(f.SiteStep is { } step ? (step, f.SitePath) : (site.Step, site.Path));
            learner.Resuming(positions);
        }
        var graph = Extension.Portal.Graph;
        ResumeOutcome outcome;
        // The key the step stopped at, once written into the state (by the learning loop, or below).
        GreenKey? stop = null;
        try
        {
            outcome = learnedOn is not null ? RunLearning(learnedOn, positions, exit, learner!.Observed, valueSite) : evaluator.Resume(frames, Extension.Shape.MergePoint);
            // The implicit reds (an instance portal's `this`) go on into every step as the exit's outermost frame has them.
            bool implicitRedsKnown = true;
            var implicitReds = Extension.Shape.ImplicitReds;
            for (int i = 0; i < implicitReds.Count; i++) implicitRedsKnown &= frames[0].Values.ContainsKey(implicitReds[i]);
            var visited = learning ? new Dictionary<GreenKey, int>() : null;
            for (int steps = 0; learning && implicitRedsKnown && MergeContinuationPoint is { } next && !outcome.Returned && steps < Settings.Specialization.MaxKeysPerUnit; steps++)
            {
                stop = KeyAt(outcome.StopOperands!, state);
                if (stop.Equals(key) || HasUnit(stop) || LoopsElsewhere(visited!, stop)) break;
                var operands = Extension.Shape.MergePoint.Operands;
                var values = new Dictionary<IR.Value, object?>(IR.ValueComparer.Instance);
                for (int i = 0; i < operands.Count; i++) values[operands[i]] = outcome.StopOperands![i];
                foreach (var red in Extension.Shape.ImplicitReds) values[red] = frames[0].Values[red];
                // The slots as the step left them (a program counter a helper moves by reference lives in one), not a fresh frame's.
                var slots = new Dictionary<IR.Slot, object?>(IR.SlotComparer.Instance);
                for (int s = 0; s < outcome.StopSlots!.Count; s++) slots[new IR.Slot(s)] = outcome.StopSlots[s];
                outcome = LearnStep(next, values, slots, stop, evaluator, learner!, valueSite);
                stop = null;
            }
        }
        catch (Exception e) when (unit.Unit.HandsBackExceptions && e is not EvaluationException)
        {
            // The rest of the step threw, past the step's own handlers (the evaluator ran those): thrown again by
            // the portal outside them, as a step of compiled code would hand it back (CompiledExit.Threw).
            pendingThrow = ExceptionDispatchInfo.Capture(e);
            return (int)CanEnterJitStatus.Threw;
        }
        finally
        {
            Volatile.Write(ref evaluatorRan, true);
            if (learner is not null)
                foreach (var (at, seen) in learner.Observed) Observe(unit, at, seen);
            if (learner is not null && ObservedByLearningSteps is { } record)
                lock (record) record.Add([.. learner.Observed]);
            // At Jit.PromoteClass the case is the class (null for a null reference), not the value.
            CountPromotion(key, unit, site, taken.PromotesClass ? promoted?.GetType() : promoted, taken.PromotesClass);
        }
        if (outcome.Returned)
        {
            state[PortalProtocol.Result] = graph.ReturnType.Kind == IR.TypeKind.Void ? null : ValueSemantics.ToClr(outcome.Value, resolver.ResolveType(graph.ReturnType));
            return (int)CanEnterJitStatus.Returned;
        }
        stop ??= KeyAt(outcome.StopOperands!, state);
        if (HasUnit(stop)) exitKey = stop;
        return (int)CanEnterJitStatus.Exited;
    }

    /// <summary>
    /// <see cref="FinishStep"/> on compiled code: each frame's continuation (<see cref="ContinuationGraph"/>) runs innermost
    /// first, its result passed to the next frame's call, until the outermost stops at the merge point or returns; the outcome
    /// is used as the evaluator's is (the state written, the key at the stop, a unit there).
    /// </summary>
    /// <remarks>
    /// An exception out of a continuation is thrown again by the next frame's at its call when that call stands inside a
    /// region the frame runs (so its handlers run, as the evaluator's <c>Handle</c> would), and goes past the frame otherwise;
    /// the portal's tries around its merge point are the interpreter's (<see cref="CanEnterJitStatus.Threw"/>).
    /// </remarks>
    private int FinishCompiled(GreenKey key, CompiledUnit unit, CompiledExit taken, PromotionSite site, object? promoted, FramePlan[] frames, object?[] exit, object?[] state, out GreenKey? exitKey)
    {
        exitKey = null;
        var graph = Extension.Portal.Graph;
        var output = new object?[1 + Extension.Shape.MergePoint.Operands.Count];
        object? returned = null;
        try
        {
            // No observer while it runs: this step may run inside a learning step's frame (its call of the real portal).
            using (LearningObserver.Suspend())
                returned = RunFrames(frames, exit, output, null, null);
        }
        catch (Exception e) when (unit.Unit.HandsBackExceptions)
        {
            // The rest of the step threw: thrown again by the portal inside its own regions, as the evaluator's exception is.
            pendingThrow = ExceptionDispatchInfo.Capture(e);
            return (int)CanEnterJitStatus.Threw;
        }
        finally
        {
            Interlocked.Increment(ref compiledSteps);
            CountPromotion(key, unit, site, taken.PromotesClass ? promoted?.GetType() : promoted, taken.PromotesClass);
        }
        if (output[0] is null)
        {
            state[PortalProtocol.Result] = graph.ReturnType.Kind == IR.TypeKind.Void ? null : ValueSemantics.ToClr(returned, resolver.ResolveType(graph.ReturnType));
            return (int)CanEnterJitStatus.Returned;
        }
        // The operands as the continuation boxed them, CLR values already (what KeyAt makes of the evaluator's stack form).
        var operands = new object?[output.Length - 1];
        Array.Copy(output, 1, operands, 0, operands.Length);
        var stop = KeyAt(operands, state);
        if (HasUnit(stop)) exitKey = stop;
        return (int)CanEnterJitStatus.Exited;
    }

    /// <summary>
    /// Runs the continuations of an exit's frames (<paramref name="frames"/>, outermost first) innermost first, each frame's
    /// result passed to the next frame's call; returns the outermost's result (its stop written into <paramref name="output"/>,
    /// the slots into <paramref name="slots"/> when not null). <paramref name="entering"/> is told each frame's depth before it
    /// runs (a learning step's observer, its position).
    /// </summary>
    private static object? RunFrames(FramePlan[] frames, object?[] exit, object?[] output, object?[]? slots, Action<int>? entering)
    {
        object? returned = null;
        Exception? thrown = null;
        for (int depth = frames.Length - 1; depth >= 0; depth--)
        {
            var frame = frames[depth];
            var inputs = frame.Inputs(exit);
            if (thrown is not null)
            {
                // The frame inside threw: thrown again at this frame's call, inside its regions, or past it when it has none.
                if (frame.Thrown < 0) continue;
                inputs[frame.Thrown] = thrown;
                thrown = null;
            }
            else if (depth < frames.Length - 1 && frame.CallResult >= 0) inputs[frame.CallResult] = returned!;
            entering?.Invoke(depth);
            try
            {
                returned = frame.Continuation.Code!.Run(inputs, depth == 0 ? output : NoOutput, depth == 0 ? slots! : null!);
            }
            catch (Exception e) when (depth > 0)
            {
                thrown = e;
            }
        }
        if (thrown is not null) ExceptionDispatchInfo.Capture(thrown).Throw();
        return returned;
    }

    /// <summary>
    /// A learning step's first step (the exit's frames) on learning continuations (<see cref="Continuations.LearningPlanFor"/>):
    /// what they see at their promotion hints is noted into <paramref name="observed"/> at each frame's position, as the
    /// <see cref="StepLearner"/> notes the evaluator's; the outcome is the evaluator's form (the stop's operands and the slots as
    /// the step left them, or the result), so that the learning loop goes on from it as from the evaluator's.
    /// </summary>
    private ResumeOutcome RunLearning(FramePlan[] frames, IReadOnlyList<(GreenKey Key, CallPath? Path)> positions, object?[] exit,
        List<(PromotionSite Site, object? Seen)> observed, Func<IR.Instruction, object?, bool> isValueSite)
    {
        int operands = Extension.Shape.MergePoint.Operands.Count;
        var output = new object?[1 + operands];
        var slots = new object?[Extension.Portal.Graph.SlotCount];
        var continuations = ContinuationsOf();
        var observer = new LearningObserver(observed, isValueSite, new LearningCalls(Following, GreenKeyOf, continuations.TwinOf, InvokeReal));
        object? returned;
        using (observer.Watch())
            returned = RunFrames(frames, exit, output, slots, depth => observer.Enter(frames[depth].Continuation.Learning!, positions[depth].Key, positions[depth].Path));
        if (output[0] is null) return new ResumeOutcome(true, returned, null);
        var stopOperands = new object?[operands];
        Array.Copy(output, 1, stopOperands, 0, operands);
        return new ResumeOutcome(false, null, stopOperands) { StopSlots = slots };
    }

    private static readonly object?[] NoOutput = new object?[1];

    /// <summary>
    /// One step of a learning loop (<see cref="FinishStep"/>'s after the exit's, <see cref="LearnFirstTurn"/>'s) from the merge
    /// point (<paramref name="next"/>) with the merge-point <paramref name="values"/> and the <paramref name="slots"/>, at key
    /// <paramref name="step"/>: on the portal's continuation from there (its reports noted into the learner's list at
    /// <paramref name="step"/>, its interpreted calls followed through the observer), once it is compiled and learning steps can
    /// use it; in the evaluator with <paramref name="learner"/> otherwise. The outcome is the evaluator's form either way.
    /// </summary>
    private ResumeOutcome LearnStep(ContinuationPoint next, Dictionary<IR.Value, object?> values, Dictionary<IR.Slot, object?> slots, GreenKey step,
        GraphEvaluator evaluator, StepLearner learner, Func<IR.Instruction, object?, bool> isValueSite)
    {
        if (MergeStep(next) is { } plan)
        {
            Interlocked.Increment(ref loopStepsCompiled);
            var inputs = (object[])plan.Template.Clone();
            var graph = Extension.Portal.Graph;
            for (int i = 0; i < plan.Inputs.Length; i++)
            {
                var type = graph.TypeOf(plan.Inputs[i]);
                inputs[i] = ValueSemantics.ToClr(ValueSemantics.Normalize(values[plan.Inputs[i]], type), resolver.ResolveType(type))!;
            }
            for (int s = 0; s < plan.Slots.Length; s++)
            {
                var type = graph[plan.Slots[s]].Type;
                var clr = resolver.ResolveType(type);
                // A slot the step has not written holds its type's default (a residual slot starts zeroed, a CIL local too).
                var content = slots.TryGetValue(plan.Slots[s], out var held) ? held : null;
                inputs[plan.Inputs.Length + s] = content is null && clr.IsValueType ? Activator.CreateInstance(clr)! : ValueSemantics.ToClr(ValueSemantics.Normalize(content, type), clr)!;
            }
            var frame = new FramePlan(plan.Continuation, inputs, [], -1, -1);
            return RunLearning([frame], [(step, null)], NoOutput, learner.Observed, isValueSite);
        }
        Interlocked.Increment(ref loopStepsEvaluated);
        learner.Resuming([(step, null)]);
        return evaluator.Resume([new ResumeFrame(Extension.Portal.Graph, next.Block, next.Index, values, null) { Slots = slots }], Extension.Shape.MergePoint);
    }

    /// <summary>The portal's continuation from the merge point for learning steps (<see cref="LearnStep"/>): its inputs, slots, and a template of that many elements.</summary>
    private sealed record MergeStepPlan(Continuation Continuation, IR.Value[] Inputs, IR.Slot[] Slots, object?[] Template);

    /// <summary>
    /// The portal's continuation from <paramref name="next"/> to its merge point, for learning steps: its inputs the merge-point
    /// operands and implicit reds, then every slot an object array can hold (a ref struct's, dead at a merge point, starts at its
    /// default, as the evaluator's null stands for). Compiled at the first learning step that may run on compiled code
    /// (<see cref="LearnsOnContinuations"/>); null before, or when learning steps cannot use it (logged once).
    /// </summary>
    private MergeStepPlan? MergeStep(ContinuationPoint next)
    {
        if (!LearnsOnContinuations()) return null;
        if (Volatile.Read(ref mergeStep) is { } known) return known.Continuation.Code is null ? null : known;
        const bool make = true;
        var made = ContinuationsOf();
        var graph = Extension.Portal.Graph;
        var inputs = new List<IR.Value>();
        foreach (var operand in Extension.Shape.MergePoint.Operands)
            if (!inputs.Contains(operand)) inputs.Add(operand);
        foreach (var red in Extension.Shape.ImplicitReds)
            if (!inputs.Contains(red)) inputs.Add(red);
        var slots = new List<IR.Slot>();
        for (int s = 0; s < graph.SlotCount; s++)
        {
            var type = graph[new IR.Slot(s)].Type;
            if (type.Kind is not (IR.TypeKind.ByRef or IR.TypeKind.Pointer) && !resolver.ResolveType(type).IsByRefLike) slots.Add(new IR.Slot(s));
        }
        var continuation = made.At(graph, next.Block, next.Index, inputs, slots, Extension.Shape.MergePoint, MergeRegionSet, takesThrown: false, learning: true, make);
        if (continuation is null) return null;
        var plan = new MergeStepPlan(continuation, [.. inputs], [.. slots], new object?[inputs.Count + slots.Count]);
        if (continuation.Code is not null && made.LearningRefusal(continuation) is not null) plan = plan with { Continuation = continuation with { Code = null } };
        Volatile.Write(ref mergeStep, plan);
        return plan.Continuation.Code is null ? null : plan;
    }

    private MergeStepPlan? mergeStep;

    /// <summary>
    /// Counts a learning step; whether it runs on compiled code: learning on continuations is on and it is the portal's
    /// <see cref="JitSettings.LearningContinuationAfter"/>-th learning step or a later one (those before ran in the evaluator).
    /// </summary>
    private bool LearnsOnContinuations() =>
        Settings.CompiledFinish && Settings.LearningOnContinuations && Interlocked.Increment(ref learningSteps) >= Settings.LearningContinuationAfter;

    private long learningSteps;
    private long loopStepsCompiled;
    private long loopStepsEvaluated;

    /// <summary>Steps of learning loops after a mid-step exit's and of loops' first turns (<see cref="LearnFirstTurn"/>) run on the portal's continuation from its merge point.</summary>
    public long LearningLoopStepsCompiled => Interlocked.Read(ref loopStepsCompiled);

    /// <summary>The steps left mid-step and learned, and where they ran, for <c>PEJIT_LOG=summary</c> (empty when none).</summary>
    internal string StepsSummary() =>
        compiledSteps + evaluatedSteps + loopStepsCompiled + loopStepsEvaluated == 0 ? "" : string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"; steps left mid-step: {StepsFinishedCompiled} on continuations ({LearningStepsFinishedCompiled} learning), {StepsFinishedByEvaluator} by the evaluator; learning loops' later steps and first turns: {LearningLoopStepsCompiled} compiled, {LearningLoopStepsEvaluated} evaluated; {ContinuationsBuilt} continuations and {Volatile.Read(ref continuations)?.TwinsBuilt ?? 0} twins compiled");

    /// <summary>Steps of learning loops and first turns the graph evaluator ran (no continuation yet, or none learning steps can use).</summary>
    public long LearningLoopStepsEvaluated => Interlocked.Read(ref loopStepsEvaluated);

    /// <summary>A call a learning step's observer does not follow, made by reflection as the evaluator makes it (the exception the method threw, not reflection's).</summary>
    private object? InvokeReal(IR.Instruction call, object?[] arguments)
    {
        var method = resolver.ResolveMethod(call.Method!);
        try
        {
            return method.IsStatic ? method.Invoke(null, arguments) : method.Invoke(arguments[0], arguments[1..]);
        }
        catch (TargetInvocationException e) when (e.InnerException is { } inner)
        {
            ExceptionDispatchInfo.Capture(inner).Throw();
            throw;
        }
    }

    /// <summary>Whether <paramref name="site"/> has all the cases its budget allows in <paramref name="unit"/> (what <see cref="CountPromotion"/> stops counting at).</summary>
    private bool SiteFull(CompiledUnit unit, PromotionSite site, bool promotesClass) =>
        (PromotionSiteComparer.CasesAt(unit.Unit.PromotionCases, site)?.Count ?? 0) >= Settings.Specialization.CaseBudget(promotesClass);

    /// <summary>The portal's compiled continuations, made at the first mid-step exit that finishes on compiled code.</summary>
    private Continuations ContinuationsOf() =>
        Volatile.Read(ref continuations) ?? Interlocked.CompareExchange(ref continuations,
            new Continuations(this, resolver, backend as CilBackend ?? new CilBackend(resolver), owner, Method.Name), null) ?? continuations!;

    /// <summary>The continuations, made now when <paramref name="make"/>; else those another exit made already, or null.</summary>
    private Continuations? ContinuationsIf(bool make) => make ? ContinuationsOf() : Volatile.Read(ref continuations);

    private Continuations? continuations;
    private long compiledSteps;
    private long evaluatedSteps;
    private long refusedSteps;
    private long learningCompiledSteps;

    /// <summary>Of <see cref="StepsFinishedCompiled"/>, the learning steps (their exit's frames on learning continuations).</summary>
    public long LearningStepsFinishedCompiled => Interlocked.Read(ref learningCompiledSteps);

    /// <summary>When set (tests), what each learning step saw at its promotion hints, in order, one list per mid-step exit.</summary>
    internal List<List<(PromotionSite Site, object? Seen)>>? ObservedByLearningSteps { get; set; }

    /// <summary>Steps left mid-step that compiled continuations finished (<see cref="JitSettings.CompiledFinish"/>).</summary>
    public long StepsFinishedCompiled => Interlocked.Read(ref compiledSteps);

    /// <summary>Steps left mid-step that the graph evaluator finished (learning, a continuation refused, or <c>PEJIT_FINISH=evaluator</c>).</summary>
    public long StepsFinishedByEvaluator => Interlocked.Read(ref evaluatedSteps);

    /// <summary>Of <see cref="StepsFinishedByEvaluator"/>, those whose exit had a frame no continuation could be made for.</summary>
    public long StepsWithoutContinuation => Interlocked.Read(ref refusedSteps);

    /// <summary>Continuations compiled so far (one per resume point).</summary>
    public long ContinuationsBuilt => Volatile.Read(ref continuations)?.Built ?? 0;

    /// <summary>The continuations made or refused so far (tests).</summary>
    internal IReadOnlyCollection<Continuation> ContinuationsSoFar => Volatile.Read(ref continuations)?.All ?? [];

    /// <summary>The learning continuations made or refused so far (tests).</summary>
    internal IReadOnlyCollection<Continuation> LearningContinuationsSoFar => Volatile.Read(ref continuations)?.AllLearning ?? [];

    /// <summary>The portal's tries around its merge point (<see cref="MergeRegionSet"/>), for <see cref="Continuations"/>.</summary>
    internal IReadOnlySet<IR.Region> OuterRegions => MergeRegionSet;

    /// <summary>A resume point whose steps the evaluator finishes: said once, with why.</summary>
    internal void ContinuationRefused(Continuation continuation)
    {
        string line = $"pejit: {name}: steps left at {continuation.Where} are finished by the graph evaluator: {continuation.Refusal}";
        Settings.Log?.WriteLine(line);
        Log.Event(line);
    }

    /// <summary>A resume point whose continuation learning steps cannot use (the steps that do not learn still do): said once, with why.</summary>
    internal void LearningRefused(Continuation continuation, string why)
    {
        string line = $"pejit: {name}: learning steps left at {continuation.Where} are finished by the graph evaluator: {why}";
        Settings.Log?.WriteLine(line);
        Log.Event(line);
    }

    /// <summary>A continuation compiled: its text in the log (<c>PEJIT_LOG=residual</c>) and the dump (<c>PEJIT_DUMP</c>).</summary>
    internal void ContinuationMade(Continuation continuation)
    {
        if (Log.Topics.HasFlag(JitLogTopics.Units) || Settings.Log is not null)
        {
            string line = $"pejit: {name}: continuation at {continuation.Where} compiled ({continuation.Graph!.InstructionCount()} instructions, {continuation.Took.TotalMilliseconds:F2} ms)";
            Settings.Log?.WriteLine(line);
            Log.Event(line);
        }
        if (Log.Topics.HasFlag(JitLogTopics.Residual)) Log.Residual($"pejit: continuation of {name} at {continuation.Where}:\n{PeJit.IR.Text.IrPrinter.Print(continuation.Graph!)}");
        if (dumps is not null && dumps.Settings.Matches(name, key: null))
            ResidualInspector.WriteContinuation(dumps, name, continuation.Where, () => PeJit.IR.Text.IrPrinter.Print(continuation.Graph!));
    }

    /// <summary>
    /// After <see cref="LearnFirstTurn"/> answered <paramref name="status"/>: when its turns ended at a merge point whose key has
    /// a unit (the key's own, made at once without background compilation), that unit goes on from there, so that the turns
    /// learned do not also cost the loop its first compiled turns; otherwise <paramref name="status"/>.
    /// </summary>
    private int GoOnAfterLearning(int status, object?[] state)
    {
        if (status != (int)CanEnterJitStatus.Exited) return status;
        var at = new GreenKey(state.AsSpan(0, engine.GreenCount).ToArray());
        return Cache.TryGet(at, out var unit) && unit is { standingBy: false } ? Enter(at, unit, state) : status;
    }

    /// <summary>
    /// Whether a loop's key that gets hot first has a turn of its loop run by the learning evaluator
    /// (<see cref="JitSettings.LearnFirst"/>): the portal's graph has a <c>Jit.PromoteClass</c> or a <c>Jit.Promote</c> of an
    /// object (the sites whose cases a turn shows) and a step can go on from its merge point's variables alone
    /// (<see cref="MergeContinuationPoint"/>). Decided once per portal.
    /// </summary>
    private bool LearnsFirst
    {
        get
        {
            if (!Volatile.Read(ref learnsFirstKnown))
            {
                learnsFirst = Settings.LearnFirst && MergeContinuationPoint is not null && HasLearnableSites(Extension);
                Volatile.Write(ref learnsFirstKnown, true);
            }
            return learnsFirst;
        }
    }

    private bool learnsFirst, learnsFirstKnown;

    /// <summary>
    /// Whether the graph evaluator has finished a step in this process (<see cref="FinishStep"/>, <see cref="LearnFirstTurn"/>):
    /// only then does a key that gets hot learn a turn first. The evaluator's first step pays its first times on the
    /// interpreter's thread (20-28 ms of its CPU for Lua `sieve`'s first loop: type loads, precompiled methods bound,
    /// reflection's invoke stubs for each interpreter method it calls), against 1-3 ms for a turn once warm; a short
    /// program whose units are never entered never paid them, and learning at its first hot key made its main thread
    /// 25-80 ms slower (Docs/PERFORMANCE.md, "Learning a loop's classes before its first unit").
    /// </summary>
    private static bool evaluatorRan;

    /// <summary>Whether the graph evaluator has finished a step in this process (<see cref="evaluatorRan"/>); tests set it to learn from the first key.</summary>
    internal static bool EvaluatorRan
    {
        get => Volatile.Read(ref evaluatorRan);
        set => Volatile.Write(ref evaluatorRan, value);
    }

    private static bool HasLearnableSites(ExtensionProgram extension)
    {
        var graph = extension.Portal.Graph;
        foreach (var block in graph.Blocks)
            foreach (var instruction in graph[block].Instructions)
                if (instruction.Opcode == IR.Opcode.Call && (IsClassSite(instruction)
                        || IR.HintNames.IsJitMethod(instruction.Method, IR.HintNames.Promote) && instruction.Operands.Count == 1 && graph.TypeOf(instruction.Operands[0]).IsReference))
                    return true;
        return false;
    }

    /// <summary>
    /// The portal's slots as a step starts at its merge point with the merge-point variables <paramref name="state"/>, as the
    /// specializer starts a key (<c>UnitSpecializer.EnterKey</c>): a slot a merge-point variable is read from right before the
    /// merge point holds that variable; any other holds its type's default (a unit's residual slot starts zeroed).
    /// </summary>
    private Dictionary<IR.Slot, object?> FirstStepSlots(object?[] state)
    {
        var graph = Extension.Portal.Graph;
        var variables = Extension.Shape.MergeVariables;
        var slots = new Dictionary<IR.Slot, object?>();
        for (int s = 0; s < graph.SlotCount; s++)
        {
            var type = resolver.ResolveType(graph[new IR.Slot(s)].Type);
            slots[new IR.Slot(s)] = type.IsValueType && !type.IsByRefLike && type != typeof(void) ? Activator.CreateInstance(type) : null;
        }
        for (int i = 0; i < variables.Count; i++)
            if (graph[variables[i]].DefiningInstruction is { Opcode: IR.Opcode.LoadSlot } load) slots[load.Slot] = state[i];
        return slots;
    }

    /// <summary>
    /// The key <paramref name="key"/> has just got hot at its loop's merge point with <paramref name="state"/>: before its first
    /// unit is made, the graph evaluator runs the loop's next turns (step by step, as <see cref="FinishStep"/> goes on after a
    /// mid-step exit, back to <paramref name="key"/> <see cref="PromotionThreshold"/> times or to a key with a unit or looping
    /// elsewhere, <see cref="LoopsElsewhere"/>, at most as many steps as a unit may have keys) and
    /// the classes (and promoted objects) it sees are kept as the key's cases (<see cref="KeyState.Learned"/>), which its first
    /// unit is specialized with. Returns what the portal does next: <paramref name="state"/> is where the turn ended.
    /// </summary>
    /// <remarks>
    /// Why: a unit compiled before its sites have cases leaves at the first one it meets and is specialized again with
    /// what the evaluator learns there, so a loop's first useful unit came second or third, each a whole compilation; on
    /// a short program (Lua `sieve`) none arrived before the program ended. One turn in the evaluator costs what the first
    /// unit's mid-step exits cost anyway (the evaluator finished those steps too).
    /// </remarks>
    private int LearnFirstTurn(GreenKey key, KeyState known, object?[] state)
    {
        // One attempt per key, whatever happens below (a step that throws still ran).
        known.Learned = new Dictionary<PromotionSite, IReadOnlyList<object?>>(PromotionSiteComparer.Instance);
        var next = MergeContinuationPoint!;
        var graph = Extension.Portal.Graph;
        var operands = Extension.Shape.MergePoint.Operands;
        var implicitReds = Extension.Shape.ImplicitReds;
        var evaluator = new GraphEvaluator(resolver);
        var learner = new StepLearner(evaluator, Following, Extension.Shape.MergePoint, GreenKeyOf, IsObjectValueSite);
        var values = new Dictionary<IR.Value, object?>();
        for (int i = 0; i < operands.Count; i++) values[operands[i]] = state[i];
        var slots = FirstStepSlots(state);
        for (int i = 0; i < implicitReds.Count; i++) values[implicitReds[i]] = state[engine.MergeVariables.Count + i];
        var step = key;
        ResumeOutcome outcome;
        long started = Stopwatch.GetTimestamp();
        var cpu = Log.Topics.HasFlag(JitLogTopics.Units) || Settings.Log is not null ? ThreadCpuTime.Now() : null;
        // As many turns as a mid-step exit's class is counted before its unit is specialized again (PromotionThreshold): each
        // exit's FinishStep learned a turn, so the recompilation had that many turns' paths (Lua `errors` raises on some turns).
        int steps = 0, turns = 0;
        var visited = new Dictionary<GreenKey, int>();
        try
        {
            for (; ; steps++)
            {
                outcome = LearnStep(next, values, slots, step, evaluator, learner, IsObjectValueSite);
                if (outcome.Returned) break;
                step = KeyAt(outcome.StopOperands!, state);
                if (step.Equals(key) ? ++turns == PromotionThreshold : HasUnit(step) || LoopsElsewhere(visited, step)) break;
                if (steps + 1 >= Settings.Specialization.MaxKeysPerUnit) break;
                values = new Dictionary<IR.Value, object?>();
                for (int i = 0; i < operands.Count; i++) values[operands[i]] = outcome.StopOperands![i];
                for (int i = 0; i < implicitReds.Count; i++) values[implicitReds[i]] = state[engine.MergeVariables.Count + i];
                slots = new Dictionary<IR.Slot, object?>();
                for (int s = 0; s < outcome.StopSlots!.Count; s++) slots[new IR.Slot(s)] = outcome.StopSlots[s];
            }
        }
        catch (Exception e) when (graph.RegionCount > 0 && e is not EvaluationException)
        {
            // The step threw past its own handlers (the evaluator ran those): thrown again by the portal inside its regions
            // around the merge point, as a unit's step hands it back (CompiledExit.Threw); the state is that step's start.
            pendingThrow = ExceptionDispatchInfo.Capture(e);
            return (int)CanEnterJitStatus.Threw;
        }
        finally
        {
            Volatile.Write(ref evaluatorRan, true);
            var cases = Cases(learner.Observed);
            known.Learned = cases;
            if (Log.Topics.HasFlag(JitLogTopics.Units) || Settings.Log is not null)
            {
                string message = $"pejit: {name} at {key}: {CaseCount(cases)} case(s) at {cases.Count} site(s) learned before its first unit, "
                    + $"in {turns} turn(s) of its loop run by the graph evaluator ({steps + 1} step(s), {learner.FollowedCalls} call(s) followed, {Stopwatch.GetElapsedTime(started).TotalMilliseconds:F2} ms, {ThreadCpuTime.Since(cpu)?.TotalMilliseconds ?? 0:F2} ms of the thread's CPU)";
                Settings.Log?.WriteLine(message);
                Log.Event(message);
            }
        }
        if (outcome.Returned)
        {
            state[PortalProtocol.Result] = graph.ReturnType.Kind == IR.TypeKind.Void ? null : ValueSemantics.ToClr(outcome.Value, resolver.ResolveType(graph.ReturnType));
            return (int)CanEnterJitStatus.Returned;
        }
        return (int)CanEnterJitStatus.Exited;
    }

    private static int CaseCount(Dictionary<PromotionSite, IReadOnlyList<object?>> cases)
    {
        int count = 0;
        foreach (var (_, siteCases) in cases) count += siteCases.Count;
        return count;
    }

    /// <summary>The cases a turn showed (<see cref="LearnFirstTurn"/>), per site, within each site's budget (a class site's one more: its generic path).</summary>
    private Dictionary<PromotionSite, IReadOnlyList<object?>> Cases(List<(PromotionSite Site, object? Seen)> observed)
    {
        var cases = new Dictionary<PromotionSite, IReadOnlyList<object?>>(PromotionSiteComparer.Instance);
        foreach (var (site, seen) in observed) PromotionSiteComparer.AddCase(cases, site, seen, Settings.Specialization.CaseBudget(site));
        return cases;
    }

    /// <summary>
    /// Whether the learning evaluator, going on towards a unit's entry, has reached <paramref name="step"/> (not the entry) more
    /// than <see cref="LearningTurnsElsewhere"/> times: it is in another loop, which will not soon come back (the unit's loop
    /// ended, and the program went on to its next loop: 200 steps of Lua `sieve`'s second loop in the evaluator, 23-30 ms of the
    /// interpreter's thread, for cases no unit of that key needed), or an inner loop that gets a unit of its own.
    /// </summary>
    private static bool LoopsElsewhere(Dictionary<GreenKey, int> visited, GreenKey step)
    {
        int times = (visited.TryGetValue(step, out int before) ? before : 0) + 1;
        visited[step] = times;
        return times > LearningTurnsElsewhere;
    }

    /// <summary>
    /// How often the learning evaluator may reach one key other than the unit's entry (<see cref="LoopsElsewhere"/>): an inner
    /// loop of a few turns (Lua `nbody`'s over its five bodies, its pairs) is learned through; one of thousands is not.
    /// </summary>
    private const int LearningTurnsElsewhere = 16;

    /// <summary>The green key of the merge-point operands <paramref name="operands"/> (stack form, as the evaluator passes them).</summary>
    private GreenKey GreenKeyOf(object?[] operands)
    {
        var greens = new object?[engine.GreenCount];
        for (int i = 0; i < greens.Length; i++) greens[i] = MergeVariableValue(operands, i);
        return new GreenKey(greens);
    }

    /// <summary>Merge-point variable <paramref name="i"/> of <paramref name="operands"/> (stack form) as the portal holds it (its CLR type).</summary>
    private object? MergeVariableValue(object?[] operands, int i) =>
        ValueSemantics.ToClr(operands[i], resolver.ResolveType(Extension.Portal.Graph.TypeOf(engine.MergeVariables[i])));

    /// <summary>Which calls the learning evaluator follows into their graphs (<see cref="StepLearner"/>); made at the first step it learns from.</summary>
    private CallFollowing Following => Volatile.Read(ref following) ?? Interlocked.CompareExchange(ref following, new CallFollowing(Extension, Settings.Specialization, resolver), null) ?? following!;

    private CallFollowing? following;

    /// <summary>Which calls the learning evaluator follows (<see cref="Continuations"/> keeps the evaluator where it may follow one).</summary>
    internal CallFollowing FollowingCalls => Following;

    /// <summary>True when <paramref name="key"/> has a unit to enter (not one standing by for its recompilation, <see cref="CountPromotion"/>).</summary>
    private bool HasUnit(GreenKey key) => Cache.TryGet(key, out var unit) && unit is { standingBy: false };

    /// <summary>The visits counted for <paramref name="key"/> (entries, for a function's key); 0 for a key not counted.</summary>
    private int EntriesOf(GreenKey key) => keys.TryGetValue(key, out var known) ? Volatile.Read(ref known.Visits) : 0;

    /// <summary>Writes the merge-point variables <paramref name="operands"/> (stack form) into <paramref name="state"/> as the portal holds them; returns their green key.</summary>
    private GreenKey KeyAt(object?[] operands, object?[] state)
    {
        for (int i = 0; i < engine.MergeVariables.Count; i++) state[i] = MergeVariableValue(operands, i);
        return new GreenKey(state.AsSpan(0, engine.GreenCount).ToArray());
    }

    /// <summary>A class the evaluator saw at a <c>Jit.PromoteClass</c> site while finishing a step: counted like an exit's when the unit has no case for it.</summary>
    private void Observe(CompiledUnit unit, PromotionSite site, object? seen)
    {
        var cases = PromotionSiteComparer.CasesAt(unit.Unit.PromotionCases, site);
        if (cases is not null && cases.Contains(seen)) return;
        unit.unseenPromotions.AddOrUpdate(new SeenPromotion(site, new GreenKey([seen])), 1, (_, n) => n + 1);
    }

    /// <summary>
    /// A value (a class at <c>Jit.PromoteClass</c>) without a case at <paramref name="site"/>: counted for that site at
    /// that step's key, and past the threshold the unit is specialized again with a case for it there (and for the
    /// classes seen at other sites meanwhile), within the site's budget at that key.
    /// </summary>
    private void CountPromotion(GreenKey key, CompiledUnit unit, PromotionSite site, object? value, bool promotesClass)
    {
        // A class site records one class past the budget: the unit specialized with it has a generic path for
        // every class without a case, so nothing leaves there any more.
        if (SiteFull(unit, site, promotesClass)) return;
        int seen = unit.unseenPromotions.AddOrUpdate(new SeenPromotion(site, new GreenKey([value])), 1, (_, n) => n + 1);
        // A native unit gets a case bridge at the exit instead of being specialized again (where the exit's frames allow one).
        if (TryCaseBridge(key, unit, value, seen)) return;
        // A case bridge's exit without a bridge of its own: the unit it belongs to is specialized again, with every case its
        // bridges compiled (AddCaseBridgeCases) and this one.
        if (unit.CaseRoot is { } root) unit = root;
        // At least, not exactly: the classes FinishStep observes count too, so a count may pass the threshold
        // between two exits. One attempt per unit: it is replaced, or refused and kept as it is.
        if (seen < PromotionThreshold || Interlocked.Exchange(ref unit.recompiling, 1) != 0) return;
        if (!unit.MayRecompile(Settings.MaxRecompilesPerUnit))
        {
            Log.Event($"pejit: {name} at {key}: not specialized again for {value ?? "null"} at {site}: "
                + (unit.Final ? $"its code is past {Settings.FinalUnitILBytes} IL bytes (FinalUnitILBytes)" : $"recompiled {unit.Recompilations} times (MaxRecompilesPerUnit)") + (Settings.CompiledFinish ? "; compiled continuations finish such steps" : "; the graph evaluator finishes such steps"));
            return;
        }
        void Specialize()
        {
            lock (compileGate)
            {
                if (!Cache.TryGet(key, out var current) || current != unit) return;
                // Loops and TryGetValue, not LINQ's ToDictionary, Sum and GetValueOrDefault over sites: code .NET compiled in
                // every process that specializes a unit again (Docs/PERFORMANCE.md, "cold7"). The same dictionary, in the same order.
                var promotions = new Dictionary<PromotionSite, IReadOnlyList<object?>>(PromotionSiteComparer.Instance);
                int before = 0;
                foreach (var (promotedSite, promotedCases) in PromotionSiteComparer.Entries(unit.Unit.PromotionCases))
                {
                    promotions.Add(promotedSite, promotedCases);
                    before += promotedCases.Count;
                }
                // The cases the unit's case bridges compiled (an exit refused a bridge, another had one) stay compiled.
                AddCaseBridgeCases(unit, promotions);
                var known = promotions.TryGetValue(site, out var knownCases) ? knownCases : [];
                if (!known.Contains(value)) promotions[site] = [.. known, value];
                // The classes seen at other sites since this unit was compiled join in the same recompilation (within
                // each site's budget), instead of one recompilation each (FinishStep); in the background, also those
                // seen while it waited for the compiling thread.
                foreach (var (seenAt, count) in unit.unseenPromotions)
                    if (JoinsRecompilation(seenAt, count))
                        PromotionSiteComparer.AddCase(promotions, seenAt.Site, seenAt.Value.Values[0], Settings.Specialization.CaseBudget(seenAt.Site));
                int added = -before;
                foreach (var (_, promotedCases) in promotions) added += promotedCases.Count;
                Log.Event($"pejit: {name} at {key}: specialized again with {added} new case(s) ({value ?? "null"} at {site} counted {PromotionThreshold} times, the rest seen since the unit was compiled)");
                if (Compile(key, promotions, unit.Recompilations + 1, unit.Unit.Tails) is { } recompiled) Cache.Replace(key, recompiled);
                // Refused: the unit is entered again as it is.
                else Volatile.Write(ref unit.standingBy, false);
            }
        }
        // In the background when compilation is (it was on the interpreter's thread, which then stood still for the
        // whole specialization, 50-120 ms for Lua's polymorphic loop). Meanwhile a unit that left mid-step on most of
        // its entries stands by (CodeFor): each entry would leave at once and the graph evaluator, far slower than the
        // interpreter, would finish the step.
        if (Settings.BackgroundCompilation && 2 * MidStepExits(unit) >= unit.Entries) Volatile.Write(ref unit.standingBy, true);
        if (!Recompile(key, Specialize))
        {
            // The key is compiling already (a tail or a bridge): the next count tries again.
            Volatile.Write(ref unit.standingBy, false);
            Volatile.Write(ref unit.recompiling, 0);
        }
    }

    /// <summary>Adds to <paramref name="promotions"/> the cases of <paramref name="unit"/>'s case bridges and theirs, within each site's budget.</summary>
    private void AddCaseBridgeCases(CompiledUnit unit, Dictionary<PromotionSite, IReadOnlyList<object?>> promotions)
    {
        foreach (var bridge in unit.bridges)
        {
            if (bridge?.CaseRoot is null) continue;
            foreach (var (site, cases) in PromotionSiteComparer.Entries(bridge.Unit.PromotionCases))
                foreach (var each in cases) PromotionSiteComparer.AddCase(promotions, site, each, Settings.Specialization.CaseBudget(site));
            AddCaseBridgeCases(bridge, promotions);
        }
    }

    /// <summary>Times <paramref name="unit"/> was left in the middle of a step (the exits the graph evaluator finishes).</summary>
    private static long MidStepExits(CompiledUnit unit)
    {
        long total = 0;
        for (int i = 0; i < unit.exitCounts.Length; i++)
            if (unit.Unit.Exits[i].Frames is not null) total += Interlocked.Read(ref unit.exitCounts[i]);
        return total;
    }

    /// <summary>
    /// The loop of <paramref name="unit"/> was left at <paramref name="taken"/> a threshold's times: the code after
    /// it runs once per run of the loop (a function with a loop, called from a loop), and each time it leaves
    /// compiled code for the runtime, and often for another unit that leaves again at the next key. The unit is
    /// specialized again with that code as its tail (<see cref="Unit.Tails"/>: PyPy's bridge at a hot guard, which
    /// a CIL unit cannot have patched in), in the background when compilation is, so leaving the loop goes on in
    /// compiled code up to the function's return or the next loop. One attempt per unit, as for promotions, within
    /// <see cref="JitSettings.MaxRecompilesPerUnit"/>.
    /// </summary>
    private void GrowTail(GreenKey key, CompiledUnit unit, CompiledExit taken)
    {
        if (unit.Unit.Tails.Contains(taken.Key) || !unit.MayRecompile(Settings.MaxRecompilesPerUnit)) return;
        if (Interlocked.Exchange(ref unit.recompiling, 1) != 0) return;
        void Grow()
        {
            lock (compileGate)
            {
                if (!Cache.TryGet(key, out var current) || current != unit) return;
                var tails = new HashSet<GreenKey>(unit.Unit.Tails) { taken.Key };
                Log.Event($"pejit: {name} at {key}: specialized again with the code after its loop at {taken.Key} (exit #{taken.Index} taken {Settings.Threshold} times)");
                if (Compile(key, unit.Unit.PromotionCases, unit.Recompilations + 1, tails) is { } grown) Cache.Replace(key, grown);
            }
        }
        Recompile(key, Grow);
    }

    /// <summary>
    /// The loop of the native unit <paramref name="unit"/> was left at <paramref name="taken"/> a threshold's times
    /// (<see cref="JitSettings.Bridges"/>): instead of specializing the whole unit again with the code after its loop
    /// (<see cref="GrowTail"/>), that code alone is compiled, from the exit's key with it as its tail and the exit's
    /// state (<paramref name="state"/>, the merge-point variables there) as the optimizer's sample, and attached to
    /// the exit (PyPy's bridge at a hot guard): the exit goes on in it instead of the interpreter, and the unit keeps
    /// running as it was. One attempt per exit; in the background when compilation is.
    /// </summary>
    /// <remarks>
    /// A native bridge is entered natively where <see cref="Amd64CompiledCode.AttachBridge"/> can prove where each of its
    /// words is at the exit (an adapter written into the exit's target slot); otherwise through the runtime (a managed
    /// transition: the unit's exit stub returns, the exit buffer carries the values, <see cref="Enter"/> enters the
    /// bridge without looking the key up or counting it). See <c>RunTime/Backends/README.md</c>, "Exit target slots".
    /// </remarks>
    private void AttachBridge(GreenKey key, CompiledUnit unit, CompiledExit taken, object?[] state)
    {
        if (Interlocked.Exchange(ref unit.bridging[taken.Index], 1) != 0) return;
        KeepSample(StateOf(taken.Key), state);
        void Bridge()
        {
            lock (compileGate)
            {
                if (!Cache.TryGet(key, out var current) || current != unit) return;
                var clock = Stopwatch.StartNew();
                if (Compile(taken.Key, new Dictionary<PromotionSite, IReadOnlyList<object?>>(PromotionSiteComparer.Instance), 0, new HashSet<GreenKey> { taken.Key }) is not { } bridge) return;
                if (!unit.Attach(taken.Index, bridge)) return;
                Interlocked.Increment(ref bridgesAttached);
                // Natively too, where each of the bridge's words is proven to be at the exit; else through the runtime.
                int adapters = 0;
                try
                {
                    if (unit.Code is Amd64CompiledCode native && bridge.Code is Amd64CompiledCode bridgeCode)
                        adapters = native.AttachBridge(taken.Index, unit.Constants, bridgeCode, bridge.Constants);
                }
                catch (Exception e) when (!Settings.Strict && e is not OutOfMemoryException)
                {
                    // A defect of PeJit: the bridge is entered through the runtime, and the log says what to report.
                    Log.Event($"pejit: {name} at {key}: the bridge at exit #{taken.Index} is entered through the runtime: attaching it natively failed (internal error {e.GetType().Name}: {e.Message}); please report it with the interpreter");
                }
                if (adapters > 0) Interlocked.Increment(ref nativeBridges);
                Interlocked.Exchange(ref lastBridgeTicks, clock.Elapsed.Ticks);
                string line = $"pejit: {name} at {key}: bridge at exit #{taken.Index} to {taken.Key} (taken {Settings.Threshold} times): {bridge.Size} residual instructions, {bridge.Code.Backend}, in {clock.Elapsed.TotalMilliseconds:F2} ms, entered {(adapters > 0 ? $"natively at {adapters} exit slot(s)" : "through the runtime")}; the unit is not recompiled";
                Settings.Log?.WriteLine(line);
                Log.Event(line);
            }
        }
        if (!Recompile(key, Bridge)) Interlocked.Exchange(ref unit.bridging[taken.Index], 0);
    }

    /// <summary>
    /// The unit and its mid-step exit whose step this thread finishes now (<see cref="AfterExit"/>), for <see cref="CountPromotion"/>,
    /// which the finishing calls with the site but not the exit (a site may have several exits, one per path to it).
    /// </summary>
    /// <remarks>Two fields, not a nullable tuple: a generic struct is code .NET compiles at the first mid-step exit of every process.</remarks>
    [ThreadStatic]
    private static CompiledUnit? finishingUnit;

    /// <summary>The exit of <see cref="finishingUnit"/>.</summary>
    [ThreadStatic]
    private static CompiledExit? finishingExit;

    /// <summary>
    /// For a new case at a native unit's <c>Jit.Promote</c> (<c>Jit.PromoteClass</c>) exit (<see cref="JitSettings.Bridges"/>):
    /// counts it for a case bridge at that exit (<see cref="AttachCaseBridge"/>, at <see cref="PromotionThreshold"/>) and
    /// returns true, so that the unit is not specialized again; false where the unit is specialized again as before: not
    /// native (the CIL backend recompiles, which the issue allows), bridges off, or the exit refused (its frames cannot be
    /// rebuilt, <c>UnitSpecializer.BridgeRefusal</c>, or its bridge failed to compile), which the log says once per exit.
    /// </summary>
    private bool TryCaseBridge(GreenKey key, CompiledUnit unit, object? value, int seen)
    {
        if (!Settings.Bridges || !ReferenceEquals(finishingUnit, unit) || finishingExit is not { } exit) return false;
        var root = unit.CaseRoot ?? unit;
        if (root.Code is not Amd64CompiledCode && !CaseBridgesOnEveryBackend) return false;
        int decided = Volatile.Read(ref unit.caseBridgeable[exit.Index]);
        if (decided == 0)
        {
            var refusal = engine.BridgeRefusal(exit);
            decided = refusal is null ? 1 : 2;
            if (Interlocked.CompareExchange(ref unit.caseBridgeable[exit.Index], decided, 0) == 0 && refusal is not null)
            {
                Interlocked.Increment(ref caseBridgesRefused);
                string line = $"pejit: {name} at {key}: no case bridge at exit #{exit.Index} ({exit.PromoteSite}): {refusal}; the unit is specialized again with new cases instead";
                Settings.Log?.WriteLine(line);
                Log.Event(line);
            }
        }
        if (decided != 1) return false;
        // Within the unit's budget for compilations of new cases (MaxRecompilesPerUnit), its bridges together.
        if (seen >= PromotionThreshold && Volatile.Read(ref root.caseBridgeCount) < Settings.MaxRecompilesPerUnit) AttachCaseBridge(key, unit, exit, value);
        return true;
    }

    /// <summary>
    /// A value (class) without a case reached <paramref name="exit"/> of <paramref name="unit"/> (a native unit, or a case
    /// bridge of one) a threshold's times: a bridge is specialized from the exit's state with a case for it
    /// (<c>UnitSpecializer.SpecializeBridge</c>: the unit entered in the middle of that step with the case taken) and attached
    /// at that exit (<see cref="CompiledUnit.Attach"/>); the unit is not replaced. The bridge is compiled by the units' backend.
    /// The exit then goes on in the bridge from the exit buffer: natively from a native unit's own exit where the AMD64 backend
    /// proves where each of the bridge's words is (<see cref="Amd64CompiledCode.AttachBridge"/>, state offset 0), else through
    /// the runtime (<see cref="RunCaseBridge"/>), which enters the bridge with the exit buffer as its state. One attempt per
    /// exit; in the background when compilation is. A bridge that fails to compile marks the exit
    /// refused, and the next count specializes the unit again as before.
    /// </summary>
    private void AttachCaseBridge(GreenKey key, CompiledUnit unit, CompiledExit exit, object? value)
    {
        if (Interlocked.Exchange(ref unit.bridging[exit.Index], 1) != 0) return;
        var root = unit.CaseRoot ?? unit;
        void Bridge()
        {
            lock (compileGate)
            {
                if (!Cache.TryGet(key, out var current) || current != root) return;
                var clock = Stopwatch.StartNew();
                var bridge = Compile(key, unit.Unit.PromotionCases, 0, null, () => engine.SpecializeBridge(unit.Unit, exit, value, SeenSince(unit)), $"bridge at exit #{exit.Index}");
                if (bridge is null)
                {
                    Volatile.Write(ref unit.caseBridgeable[exit.Index], 2);
                    Interlocked.Increment(ref caseBridgesRefused);
                    return;
                }
                bridge.CaseRoot = root;
                if (!unit.Attach(exit.Index, bridge)) return;
                Interlocked.Increment(ref root.caseBridgeCount);
                Interlocked.Increment(ref caseBridgesAttached);
                // Natively too, from a unit's own exit, where each of the bridge's words is proven to be in the exit buffer the
                // exit's tail writes; not from a bridge's exit (a native bridge's status is the unit's to decode, one level deep).
                int adapters = 0;
                try
                {
                    if (unit.CaseRoot is null && unit.Code is Amd64CompiledCode native && bridge.Code is Amd64CompiledCode bridgeCode)
                        adapters = native.AttachBridge(exit.Index, unit.Constants, bridgeCode, bridge.Constants, stateOffset: 0);
                }
                catch (Exception e) when (!Settings.Strict && e is not OutOfMemoryException)
                {
                    Log.Event($"pejit: {name} at {key}: the case bridge at exit #{exit.Index} is entered through the runtime: attaching it natively failed (internal error {e.GetType().Name}: {e.Message}); please report it with the interpreter");
                }
                if (adapters > 0) Interlocked.Increment(ref nativeCaseBridges);
                Interlocked.Exchange(ref lastCaseBridgeTicks, clock.Elapsed.Ticks);
                string line = $"pejit: {name} at {key}: case bridge at exit #{exit.Index} for {value ?? "null"} at {exit.PromoteSite} (counted {PromotionThreshold} times): "
                    + $"{bridge.Size} residual instructions, {bridge.Code.Backend}, in {clock.Elapsed.TotalMilliseconds:F2} ms, "
                    + $"entered {(adapters > 0 ? $"natively at {adapters} exit slot(s)" : "through the runtime")}; the unit is not recompiled";
                Settings.Log?.WriteLine(line);
                Log.Event(line);
            }
        }
        if (!Recompile(key, Bridge)) Interlocked.Exchange(ref unit.bridging[exit.Index], 0);
    }

    /// <summary>
    /// The values seen at <paramref name="unit"/>'s sites since it was compiled that a recompilation would take as cases (a class
    /// at a class site, an object by value, an integer counted a threshold's times; <see cref="CountPromotion"/>), by site.
    /// </summary>
    private Dictionary<PromotionSite, IReadOnlyList<object?>> SeenSince(CompiledUnit unit)
    {
        var seen = new Dictionary<PromotionSite, IReadOnlyList<object?>>(PromotionSiteComparer.Instance);
        foreach (var (at, count) in unit.unseenPromotions)
            if (JoinsRecompilation(at, count))
                seen[at.Site] = seen.TryGetValue(at.Site, out var values) ? [.. values, at.Value.Values[0]] : [at.Value.Values[0]];
        return seen;
    }

    /// <summary>
    /// Whether a value seen at a site since the unit was compiled (<paramref name="seen"/>, <paramref name="count"/> times) is
    /// one its next specialization takes as a case: a class at a class site, an object by value, an integer counted a
    /// threshold's times (one integer seen once is a loop counter, not a case).
    /// </summary>
    private bool JoinsRecompilation(SeenPromotion seen, int count)
    {
        var value = seen.Value.Values[0];
        return IsClassSite(seen.Site.Call) || IsObjectValueSite(seen.Site.Call, value) || IsIntegerValueSite(seen.Site.Call, value) && count >= PromotionThreshold;
    }

    /// <summary>
    /// Runs the case bridge <paramref name="bridge"/> attached at the mid-step exit a unit left at (<paramref name="exit"/>, its
    /// slot 0 already cleared): its state is the exit buffer as the unit wrote it (a copy: the bridge leaves through the
    /// thread's exit buffer); its result or its own exit is used as a unit's (<see cref="AfterExit"/>, with the root's key).
    /// </summary>
    private int RunCaseBridge(GreenKey key, CompiledUnit bridge, object?[] exit, object?[] state, out GreenKey? exitKey, out CompiledUnit? next)
    {
        Interlocked.Increment(ref caseBridgeEntries);
        Interlocked.Increment(ref bridge.entries);
        var input = (object?[])exit.Clone();
        int size = Math.Max(bridge.Unit.ExitBufferSize, state.Length + 1);
        var buffer = exitBuffer is { } reused && reused.Length >= size ? reused : exitBuffer = new object?[size];
        buffer[0] = null;
        Amd64CompiledCode.TakeBridgeRan();
        var result = bridge.Code.Run(bridge.Constants, buffer, input);
        // The bridge went on natively in one of its own bridges: the result or the exit is that one's.
        if (BridgeRan(bridge) is { } ran) bridge = ran;
        if (buffer[0] is null)
        {
            exitKey = null;
            next = null;
            state[PortalProtocol.Result] = result;
            return (int)CanEnterJitStatus.Returned;
        }
        return AfterExit(key, bridge, buffer, state, out exitKey, out next);
    }

    private long caseBridgesAttached;
    private long nativeCaseBridges;

    /// <summary>Case bridges entered natively from their exit (an adapter at the exit's target slot, <see cref="Amd64CompiledCode.AttachBridge"/>).</summary>
    public long NativeCaseBridges => Interlocked.Read(ref nativeCaseBridges);
    private long caseBridgesRefused;
    private long caseBridgeEntries;
    private long lastCaseBridgeTicks;

    /// <summary>Case bridges compiled and attached at <c>Jit.Promote</c> and <c>Jit.PromoteClass</c> exits of native units (<see cref="AttachCaseBridge"/>).</summary>
    public long CaseBridgesAttached => Interlocked.Read(ref caseBridgesAttached);

    /// <summary>Exits refused a case bridge (their frames cannot be rebuilt, or the bridge failed to compile): those units are specialized again as before.</summary>
    public long CaseBridgesRefused => Interlocked.Read(ref caseBridgesRefused);

    /// <summary>Times an exit went on in its case bridge.</summary>
    public long CaseBridgeEntries => Interlocked.Read(ref caseBridgeEntries);

    /// <summary>What the last case bridge took, from its exit reaching the threshold to its attachment: specialization, optimization, backend.</summary>
    public TimeSpan LastCaseBridgeTime => TimeSpan.FromTicks(Interlocked.Read(ref lastCaseBridgeTicks));

    /// <summary>
    /// Case bridges on CIL units too, not only native ones (tests: the same bridges on programs whose units the AMD64 backend
    /// refuses, such as those over objects); off by default, the CIL backend's units are specialized again with new cases.
    /// </summary>
    internal bool CaseBridgesOnEveryBackend { get; set; }

    /// <summary>The engine that specializes this portal's units (tests count its work, <see cref="UnitSpecializer.OpsRun"/>).</summary>
    internal UnitSpecializer Engine => engine;

    /// <summary>The bridge of <paramref name="unit"/> the last run on this thread went on in natively, counted as entered; null if none.</summary>
    private static CompiledUnit? BridgeRan(CompiledUnit unit)
    {
        if (Amd64CompiledCode.TakeBridgeRan() is not { } ran) return null;
        foreach (var bridge in unit.bridges)
            if (bridge is not null && bridge.Code == ran)
            {
                Interlocked.Increment(ref bridge.entries);
                return bridge;
            }
        return null;
    }

    private long bridgesAttached;
    private long nativeBridges;

    /// <summary>Bridges entered natively from their exit (an adapter attached at the exit's target slot; <see cref="Amd64CompiledCode.AttachBridge"/>).</summary>
    public long NativeBridges => Interlocked.Read(ref nativeBridges);
    private long lastBridgeTicks;

    /// <summary>Bridges compiled and attached at exits of native units (<see cref="JitSettings.Bridges"/>).</summary>
    public long BridgesAttached => Interlocked.Read(ref bridgesAttached);

    /// <summary>What the last bridge took, from its exit getting hot to its attachment: specialization, optimization, backend.</summary>
    public TimeSpan LastBridgeTime => TimeSpan.FromTicks(Interlocked.Read(ref lastBridgeTicks));

    /// <summary>Times an unseen value must reach a <c>Jit.Promote</c> exit before the unit gets a case for it.</summary>
    private int PromotionThreshold => Math.Max(1, Math.Min(Settings.Threshold, 3));

    private CompiledUnit? Compile(GreenKey key, IReadOnlyDictionary<PromotionSite, IReadOnlyList<object?>> promotions, int recompilations = 0, IReadOnlySet<GreenKey>? tails = null,
        Func<Unit>? specialize = null, string? label = null)
    {
        string? failure;
        try
        {
            return CompileUnchecked(key, promotions, recompilations, tails, specialize, label);
        }
        catch (Exception e) when (e is SpecializationException or BackendException)
        {
            // A deliberate refusal (a budget hit, a construct the backend cannot express), with its reason.
            failure = e.Message;
        }
        catch (Exception e) when (Settings.Strict && e is not OutOfMemoryException and not PeJit.Optimizer.MalformedGraphException)
        {
            throw new InvalidOperationException($"pejit (strict mode): compiling {name} at {key} failed: {e.GetType().Name}: {e.Message}. "
                + "This is a defect of PeJit, not of the interpreter: please report it with the interpreter; without PEJIT_STRICT=1 the interpreter goes on.", e);
        }
        catch (Exception e) when (e is not OutOfMemoryException and not PeJit.Optimizer.MalformedGraphException)
        {
            // A defect of PeJit, not of the interpreter: the interpreter goes on, and the log says what to report.
            failure = $"internal error ({e.GetType().Name}: {e.Message}); please report it with the interpreter";
        }
        Settings.Log?.WriteLine($"pejit: not compiling {Method.Name} at {key}: {failure}");
        Log.NotCompiled(name, key, failure);
        return null;
    }

    private long compilations;

    /// <summary>
    /// Units compiled so far, recompilations and units since dropped included: a run of the interpreted program that
    /// leaves it unchanged ran on the code it already had (benchmarks warm up until it stops changing).
    /// </summary>
    public long Compilations => Interlocked.Read(ref compilations);

    private CompiledUnit CompileUnchecked(GreenKey key, IReadOnlyDictionary<PromotionSite, IReadOnlyList<object?>> promotions, int recompilations, IReadOnlySet<GreenKey>? tails,
        Func<Unit>? specialize, string? label)
    {
        // One compilation, whether or not it is specialized a second time with its frame in memory (below).
        Interlocked.Increment(ref compilations);
        var built = Build(key, promotions, recompilations, tails, specialize, label);
        // A unit whose virtualizable frame lives in SSA values carries every live slot into each exit, made there (a box
        // per slot of a boxed-value interpreter): with many exits that can take the CIL past the size .NET optimizes, and
        // the whole unit then runs unoptimized, slower than the interpreter (Lua nbody: 146,217 IL bytes against 30,000
        // with its registers in memory). Such a unit is specialized once more with the frame in memory and keeps the
        // smaller code; the frame in memory is what the unit does without [Virtualizable] anyway.
        // Past any of .NET's limits (IlShape), not only the IL bytes: Lua nbody's 66-key unit, its exits outlined, is
        // 50,000 bytes but 2,431 blocks and 10,854 local references.
        if (built.Code is CilCompiledCode { Unoptimized: not null } virtualized && engine.Virtualizables
            && Settings.OversizedUnitsInMemory && built.Compiled.Unit.Residual.Virtualizables.Count > 0)
        {
            engine.Virtualizables = false;
            try
            {
                var inMemory = Build(key, promotions, recompilations, tails, specialize, label);
                if (inMemory.Code is CilCompiledCode { Shape: { } small } && virtualized.Shape is { } big && small.LoadFactor < big.LoadFactor)
                {
                    inMemory.Compiled.Unit.Notes.Insert(0, $"its frame kept in memory, not in SSA values: {small}, against {big} with the frame virtualized ([Virtualizable]), past what .NET optimizes ({virtualized.Unoptimized})");
                    built = inMemory;
                }
            }
            finally
            {
                engine.Virtualizables = true;
            }
        }
        var compiled = built.Compiled;
        // A typed unit's direct calls of itself that leave at an exit go on with this unit's exits (CallCell.Resume).
        if (compiled.Unit.Self is { } self) self.Code = CellCode(compiled);
        if (Settings.Log is { } log)
        {
            log.WriteLine(JitLog.Describe(Method.Name, compiled));
            foreach (var note in compiled.Unit.Notes) log.WriteLine($"pejit:   {note}");
        }
        Log.UnitCompiled(name, compiled, built.DotnetJit, built.Stages, built.OnThread, built.Cpu);
        return compiled;
    }

    /// <summary>A unit made by <see cref="Build"/>, with what the log says of its making.</summary>
    private sealed record BuiltUnit(CompiledUnit Compiled, ICompiledCode Code, DotnetJitCost DotnetJit, List<StageCost>? Stages, DotnetJitCost OnThread, TimeSpan? Cpu);

    /// <summary>Specializes, optimizes and compiles the unit at <paramref name="key"/>, or what <paramref name="specialize"/> makes.</summary>
    /// <param name="key">The unit's key.</param>
    /// <param name="promotions">The promotion cases it is specialized with.</param>
    /// <param name="recompilations">Times the unit at this key was specialized before.</param>
    /// <param name="tails">The tails it takes in (<see cref="Unit.Tails"/>).</param>
    /// <param name="specialize">What makes the unit instead of specializing <paramref name="key"/> (a case bridge: <see cref="AttachCaseBridge"/>); it takes no sample, its state being an exit buffer.</param>
    /// <param name="label">What the dumps and the log name it by, after the key (a bridge's exit); null for a unit.</param>
    private BuiltUnit Build(GreenKey key, IReadOnlyDictionary<PromotionSite, IReadOnlyList<object?>> promotions, int recompilations, IReadOnlySet<GreenKey>? tails,
        Func<Unit>? specialize = null, string? label = null)
    {
        var clock = Stopwatch.StartNew();
        var dotnetJit = DotnetJitCost.SinceStart();
        // What .NET compiles in each stage of the first unit (PEJIT_LOG=summary): where warm-up goes. Counted on
        // this thread, which runs every stage, so that tiered recompilations elsewhere do not blur it.
        var stages = Log.WantsFirstUnitStages ? new List<StageCost>() : null;
        var cpu = stages is null ? null : ThreadCpuTime.Now();
        var threadStart = DotnetJitCost.OnThisThread();
        var stageStart = threadStart;
        var stageCpu = cpu;
        void Stage(string stage)
        {
            if (stages is null) return;
            var now = DotnetJitCost.OnThisThread();
            var cpuNow = ThreadCpuTime.Now();
            stages.Add(new StageCost(stage, now - stageStart, cpuNow - stageCpu));
            stageStart = now;
            stageCpu = cpuNow;
        }
        long allocated = Log.WantsMemory ? Log.Alive($"{name} at {key}: start", GC.GetAllocatedBytesForCurrentThread()) : 0;
        KeyState? known = null;
        var unit = specialize is not null ? specialize() : engine.Specialize(key, promotions, keys.TryGetValue(key, out known) && known.FunctionEntry, tails);
        var specialization = clock.Elapsed;
        Stage("specialization");
        if (Log.WantsMemory) allocated = Log.Alive($"{name} at {key}: specialized", allocated);
        var inspector = ResidualInspector.For(dumps, name, label is null ? key.ToString() : key.ToString() + " " + label);
        inspector?.Specialized(unit.Residual);
        clock.Restart();
        Action<PeJit.Optimizer.Pass, IR.FlowGraph>? afterPass = inspector is null ? null : inspector.AfterPass;
        if (stages is not null) afterPass += (pass, _) => Stage(pass.Name);
        // The sample's objects are live: the graph holds them only while it is optimized.
        var constants = unit.Constants.ToArray();
        if (known?.Sample is { } sample) unit.Residual.SampleArguments = SampleArguments(unit, constants, sample.Take());
        // What the optimizer may ask of the run-time classes (AllocationRemoval: an isinst of an object of a known class).
        unit.Residual.Members = resolver;
        unit.Residual.Constants = constants;
        if (unit.ShapedEntry is { } shapedGraph)
        {
            shapedGraph.Members = resolver;
            // The shaped entry takes the unit's constants as its first parameter too: the optimizer may read them there
            // (a constant's class decided, as in the unit: Lua's `n < 2` and `n - 1` tested the class of their constants).
            shapedGraph.Constants = constants;
        }
        try
        {
            PeJit.Optimizer.Pipeline.Run(unit.Residual, Settings.Optimizations, afterPass,
                verify: Settings.Strict || Settings.Verify, additional: Settings.AdditionalPasses);
            // The second entry of direct self-calls that pass the callee's reds as their contents (no sample: its parameters are others).
            if (unit.ShapedEntry is { } shaped && backend is CilBackend)
            {
                // Without `thread` by default: threading copies the code after a self-call's join for the jumps whose values
                // it knows before UnboxedEntryReturns has rewritten the call's result, and the box remade after the call then
                // meets the slow paths' results at a join `split` no longer takes apart (Lua fib allocated 12 bytes a call).
                PeJit.Optimizer.Pipeline.Run(shaped, Settings.Optimizations ?? ShapedEntryPasses, null, verify: Settings.Strict || Settings.Verify, additional: Settings.AdditionalPasses);
                // Boxes made only for a direct call pass their contents; both graphs then take the boxes apart again.
                if (Settings.Optimizations is null && PeJit.Optimizer.UnboxedEntryArguments.Run(shaped, [unit.Residual, shaped]))
                {
                    PeJit.Optimizer.Pipeline.Run(unit.Residual, PeJit.Optimizer.UnboxedEntryArguments.Reoptimization, afterPass, verify: Settings.Strict || Settings.Verify);
                    PeJit.Optimizer.Pipeline.Run(shaped, PeJit.Optimizer.UnboxedEntryArguments.Reoptimization, null, verify: Settings.Strict || Settings.Verify);
                }
                // Boxes made only to be returned are returned as their contents; the calls make them again, and both graphs
                // take them apart (the call's join with its slow paths split) where they do not escape.
                if (Settings.Optimizations is null
                    && PeJit.Optimizer.UnboxedEntryReturns.Run(shaped, [unit.Residual, shaped], Math.Max(unit.ExitBufferSize, unit.Entry.Values.Count + 1)))
                {
                    PeJit.Optimizer.Pipeline.RunPasses(unit.Residual, PeJit.Optimizer.UnboxedEntryReturns.Reoptimization, afterPass, verify: Settings.Strict || Settings.Verify);
                    PeJit.Optimizer.Pipeline.RunPasses(shaped, PeJit.Optimizer.UnboxedEntryReturns.Reoptimization, null, verify: Settings.Strict || Settings.Verify);
                }
            }
        }
        finally
        {
            unit.Residual.SampleArguments = null;
            unit.Residual.Members = null;
            unit.Residual.Constants = null;
            if (unit.ShapedEntry is { } shapedDone)
            {
                shapedDone.Members = null;
                shapedDone.Constants = null;
            }
        }
        var optimization = clock.Elapsed;
        if (Log.WantsMemory) allocated = Log.Alive($"{name} at {key}: optimized", allocated);
        inspector?.Final(unit.Residual);
        clock.Restart();
        var code = unit.StateParameters is { } stateParameters && backend is CilBackend cil
            ? cil.CompileUnit(unit.Residual, owner, $"pejit_unit_{Method.Name}", stateParameters, unit.ShapedEntry)
            : backend.Compile(unit.Residual, owner, $"pejit_unit_{Method.Name}");
        Stage("backend");
        if (code is CilCompiledCode { Unoptimized: { } why })
            unit.Notes.Add($"the CIL backend wrote a method .NET's JIT compiles without optimizations (MinOpts): {why}; the unit runs unoptimized, "
                + $"possibly slower than the interpreter; its {unit.Keys.Count} keys and {unit.Exits.Count} exits make it big");
        // Past the bound the unit is final: specialized again it would only grow, at the cost of this compilation each time.
        bool final = code is CilCompiledCode { ILSize: var size } && size > Settings.FinalUnitILBytes;
        if (final) unit.Notes.Add($"not specialized again (new cases, tails): past {Settings.FinalUnitILBytes} IL bytes (FinalUnitILBytes); what it has no case for leaves to the interpreter");
        var compiled = new CompiledUnit(unit, code, specialization, clock.Elapsed) { OptimizationTime = optimization, Recompilations = recompilations, Runtime = this, Final = final };
        if (Log.WantsMemory) Log.Alive($"{name} at {key}: compiled", allocated);
        return new BuiltUnit(compiled, code, DotnetJitCost.SinceStart() - dotnetJit, stages, DotnetJitCost.OnThisThread() - threadStart, ThreadCpuTime.Since(cpu));
    }
}

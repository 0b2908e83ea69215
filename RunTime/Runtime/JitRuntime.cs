using System.Reflection;
using PeJit.Specializer.Extension;

namespace PeJit.Runtime;

/// <summary>
/// What assemblies JIT-enabled by <c>pejit build</c> call: each <c>Jit.CanEnterJit</c> of a portal became a
/// counter decrement (<see cref="PortalCounters"/>) and, when the counter reaches zero, a call of
/// <see cref="CanEnterJit(RuntimeMethodHandle, object?[], int)"/> followed by a switch on what it returns (see
/// <see cref="PortalRuntime.OnCanEnterJit(object?[], int)"/>). The first time a portal gets here, its generating
/// extension, which <c>pejit build</c> stored in the assembly (<see cref="ExtensionSerializer"/>, one resource per
/// portal), is read and linked by name (<see cref="MemberTableResolver"/>), and the portal gets a
/// <see cref="PortalRuntime"/>: nothing is analyzed or re-read, and no build-time assembly is loaded. A portal
/// that cannot be prepared is logged once and interpreted as before.
/// </summary>
public static class JitRuntime
{
    private static readonly bool Disabled = PortalCounters.Disabled;
    /// <summary>
    /// Portals are prepared and units compiled on PeJit's background thread (<see cref="BackgroundWork"/>) while the interpreter goes on, and a unit is
    /// entered at the first <c>Jit.CanEnterJit</c> of its key once it is ready; <c>PEJIT_BACKGROUND=0</c> compiles in
    /// the thread that got hot instead (deterministic: the unit runs from the visit that made it hot). Measured on
    /// two cores (<c>Docs/PERFORMANCE.md</c>, "Compiling in the background"): short programs no longer wait for
    /// PeJit's warm-up, long ones enter compiled code later but still run well ahead of the plain interpreter.
    /// </summary>
    private static readonly bool Background = Environment.GetEnvironmentVariable("PEJIT_BACKGROUND") is not ("0" or "false");
    private static readonly HandleTable<Lazy<PortalRuntime?>> Portals = new();
    private static readonly HandleTable<object> Preparing = new();

    // The log starts with the first JIT-enabled call, disabled or not, so that PEJIT_LOG=summary always reports.
    static JitRuntime() => _ = JitLog.Shared;

    /// <summary>
    /// Called by a JIT-enabled portal when its counter at <paramref name="slot"/> reached zero: a
    /// <see cref="CanEnterJitStatus"/>, and the slot rewritten (<see cref="CounterTable"/>).
    /// </summary>
    /// <param name="portal">The portal method's handle (<c>ldtoken</c>).</param>
    /// <param name="state">The merge-point variables, greens then reds, boxed (<see cref="PortalProtocol"/>); rewritten unless the answer is to go on interpreting.</param>
    /// <param name="slot">
    /// The slot of the portal's counter table (<see cref="PortalCounters.For"/>) the visit decremented; from the
    /// portal's entry, marked with <see cref="PortalProtocol.EntryFlag"/>, or <see cref="PortalProtocol.ResumeSlot"/>
    /// when the entry came because <see cref="PortalCounters.Resuming"/> was set.
    /// </param>
    public static int CanEnterJit(RuntimeMethodHandle portal, object?[] state, int slot)
    {
        var counters = PortalCounters.TableOf(portal);
        // A resumption (PortalProtocol.ResumeSlot) is answered before anything else: the pending state is this thread's.
        if (slot == PortalProtocol.ResumeSlot)
            return Find(portal) is { } resuming ? resuming.OnEntryWhileResuming(state) : (int)CanEnterJitStatus.Interpret;
        if (slot == PortalProtocol.ResumeBeforeEntrySlot)
            return Find(portal) is { } resuming ? resuming.OnStartWhileResuming(state) : (int)CanEnterJitStatus.Interpret;
        bool entry = PortalProtocol.IsEntry(slot, out int counter, out bool onlyEntry);
        if (Disabled) return Rearmed(counters, counter, int.MaxValue);
        if (entry) counters.CountSlowEntry();
        // Entry visits prepare a portal that nothing else made hot only once they could make a function hot
        // (FunctionCompilationPolicy, rule 3): a loop-free program too short for it must not pay for the preparation.
        if (entry && !IsPrepared(portal) && !FunctionCompilationPolicy.MayPrepare(counters, onlyEntry))
            return Rearmed(counters, counter, counters.Threshold);
        if (StackGuard.StackIsLow) return StackGuard.OnFreshStack(static call => CanEnterJit(call.portal, call.state, call.slot), (portal, state, slot));
        if (RuntimeOf(portal, out bool preparing) is { } runtime) return runtime.OnCanEnterJit(state, counter, entry, onlyEntry);
        // A portal being prepared in the background comes back after a threshold's visits; one that cannot be
        // prepared only every int.MaxValue visits of a slot.
        return Rearmed(counters, counter, preparing ? counters.Threshold : int.MaxValue);
    }

    /// <summary>
    /// Called by a woven portal's entry when the typed code it called through <paramref name="cell"/> left at an exit
    /// (<paramref name="exit"/>, this thread's buffer, <c>exit[0]</c> set): the runtime goes on as after any exit, and
    /// answers as <see cref="CanEnterJit(RuntimeMethodHandle, object?[], int)"/> does (<see cref="PortalProtocol"/>).
    /// </summary>
    /// <param name="cell">The cell the portal entered through.</param>
    /// <param name="state">A fresh state of the portal's length, which the answer fills.</param>
    /// <param name="exit">The exit buffer the code wrote.</param>
    public static int EntryCellExited(EntryCell cell, object?[] state, object?[] exit) =>
        cell.Unit.Runtime!.OnEntryCellExit(cell, state, exit);

    /// <summary>
    /// Called by a JIT-enabled portal after <see cref="CanEnterJitStatus.Threw"/>, once it reloaded the merge-point
    /// variables: throws the exception compiled code caught in the step, with its stack trace, inside the portal's
    /// regions (<see cref="PortalRuntime.ThrowPending"/>). Never returns.
    /// </summary>
    public static Exception ThrowPending() => PortalRuntime.ThrowPending();

    /// <summary>
    /// The run-time state of <paramref name="portal"/>, prepared on first use (queued while the interpreter goes on:
    /// then null and <paramref name="preparing"/>; with <c>PEJIT_BACKGROUND=0</c>, in the calling thread);
    /// null when it cannot be prepared.
    /// </summary>
    private static PortalRuntime? RuntimeOf(RuntimeMethodHandle portal, out bool preparing)
    {
        var lazy = Portals.Find(portal.Value) ?? NewPortal(portal);
        preparing = !lazy.IsValueCreated && Background;
        if (!preparing) return lazy.Value;
        // Reading and linking the stored program takes a few milliseconds: the interpreter goes on meanwhile.
        if (Preparing.TryAdd(portal.Value, lazy)) BackgroundWork.Queue(() => _ = lazy.Value);
        return null;
    }

    private static Lazy<PortalRuntime?> NewPortal(RuntimeMethodHandle portal) =>
        Portals.GetOrAdd(portal.Value, () => new Lazy<PortalRuntime?>(() => Prepare(portal)));

    private static bool IsPrepared(RuntimeMethodHandle portal) => Portals.Find(portal.Value) is { IsValueCreated: true };

    private static int Rearmed(CounterTable counters, int slot, int budget)
    {
        counters.Rearm(slot, budget);
        return (int)CanEnterJitStatus.Interpret;
    }

    /// <summary>
    /// Called at each <c>Jit.CanEnterJit</c> by a portal woven without a counter table (before the counters
    /// existed): a <see cref="CanEnterJitStatus"/>; the key is counted one visit at a time.
    /// </summary>
    /// <param name="portal">The portal method's handle (<c>ldtoken</c>).</param>
    /// <param name="state">The merge-point variables, greens then reds, boxed (<see cref="PortalProtocol"/>); rewritten unless the answer is to go on interpreting.</param>
    public static int CanEnterJit(RuntimeMethodHandle portal, object?[] state)
    {
        if (Disabled) return (int)CanEnterJitStatus.Interpret;
        if (StackGuard.StackIsLow) return StackGuard.OnFreshStack(static call => CanEnterJit(call.portal, call.state), (portal, state));
        return RuntimeOf(portal, out _)?.OnCanEnterJit(state) ?? (int)CanEnterJitStatus.Interpret;
    }

    private static PortalRuntime? Find(RuntimeMethodHandle portal) =>
        Portals.Find(portal.Value) is { IsValueCreated: true } runtime ? runtime.Value : null;

    /// <summary>The run-time state of a portal, once it was entered; null before, or when it could not be prepared.</summary>
    public static PortalRuntime? Find(MethodInfo portal) =>
        Portals.Find(portal.MethodHandle.Value) is { IsValueCreated: true } runtime ? runtime.Value : null;

    /// <summary>Waits until <paramref name="portal"/> was prepared and nothing is being compiled for it (tests, benchmarks).</summary>
    public static PortalRuntime? WaitForCompilations(MethodInfo portal, TimeSpan timeout)
    {
        if (Portals.Find(portal.MethodHandle.Value) is not { } lazy) return null;
        var runtime = lazy.Value;
        runtime?.WaitForCompilations(timeout);
        return runtime;
    }

    /// <summary>
    /// <c>PEJIT_PREPARE_COLLECT=0</c> leaves what preparation made where it was allocated (measurements); by default it is
    /// moved out of the youngest generation at once (<see cref="MoveOutOfGen0"/>).
    /// </summary>
    private static readonly bool CollectAfterPreparing = Environment.GetEnvironmentVariable("PEJIT_PREPARE_COLLECT") != "0";

    /// <summary>
    /// Collects the youngest generation once a portal is prepared, so that what preparation keeps (some 900 KB for Lua: the
    /// portal's graph, the member table) is in gen1 before the interpreter's next collection instead of in gen0 at it.
    /// </summary>
    /// <remarks>
    /// Why: preparation runs while the interpreter allocates, around its first gen0 collection. Left in gen0, part of what it
    /// keeps is still young at the first gen1 collection and stays in gen1 (Lua `numeric`: 228 KB of gen1 after it, against 5 KB
    /// in the plain process); from then on .NET's GC no longer promotes the survivors of gen0
    /// collections (the older generation is past the threshold it promotes below: <c>GCGlobalHeapHistory</c>'s mechanisms 18
    /// instead of 30), and the interpreting thread faulted in and cleared some 700 pages more for its allocations
    /// (Docs/PERFORMANCE.md, "The interpreting thread's extra in short Lua processes"; the step with surviving bytes found in
    /// "What a JIT-enabled Lua process keeps alive"). Collected here, it is in gen1 at once and goes to gen2 with the next gen1
    /// collection. One blocking gen0 collection per portal, on PeJit's thread in the background (Lua: the preparing thread's CPU
    /// 28 -> 34 ms, medians of 5 at load 8, the interpreter paused meanwhile; its thread spent some 15 ms less on the GC's
    /// clearing, faults and work); semantics are untouched.
    /// </remarks>
    /// <returns>The generation <paramref name="prepared"/> is in afterwards (<see cref="PortalRuntime.PreparedGeneration"/>).</returns>
    private static int MoveOutOfGen0(object prepared, out TimeSpan paused)
    {
        var before = GC.GetTotalPauseDuration();
        paused = TimeSpan.Zero;
        if (CollectAfterPreparing)
        {
            GC.Collect(0, GCCollectionMode.Forced, blocking: true);
            // The GC may keep a gen0 collection's survivors in gen0 when gen1 is already over its budget (a large heap: a test
            // host, a long-running process preparing a second portal); a gen1 collection then takes them out. A short process,
            // where this matters, has a small gen1 and does not get here.
            if (GC.GetGeneration(prepared) == 0) GC.Collect(1, GCCollectionMode.Forced, blocking: true);
            // Every thread's pause, the interpreter's among them (another thread's collection meanwhile would count too).
            paused = GC.GetTotalPauseDuration() - before;
        }
        return GC.GetGeneration(prepared);
    }

    private static PortalRuntime? Prepare(RuntimeMethodHandle handle)
    {
        var method = MethodBase.GetMethodFromHandle(handle) as MethodInfo;
        string name = method is null ? "a portal" : $"{method.DeclaringType?.FullName}.{method.Name}";
        try
        {
            if (method is null) throw new InvalidOperationException("its handle names no method");
            var assembly = method.Module.Assembly;
            var marker = assembly.GetCustomAttribute<JitEnabledAttribute>()
                ?? throw new InvalidOperationException($"{assembly.GetName().Name} is not marked as JIT-enabled; build it with pejit build");
            // The first portal of the process: its first unit follows soon, and on a second core the optimizer's and the
            // backend's first times can be paid meanwhile (PipelineWarmUp).
            string? backendByEnvironment = Environment.GetEnvironmentVariable("PEJIT_BACKEND");
            bool cil = string.Equals(backendByEnvironment is { Length: > 0 } ? backendByEnvironment : marker.Backend, "cil", StringComparison.OrdinalIgnoreCase);
            // In the background, preparation already has the second core: the warm-up starts once it is done, so that the two
            // do not share that core (preparation at twice its time) while the interpreter has the other.
            if (!Background) PipelineWarmUp.Start(method.Module, cil, Background);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var dotnetJit = DotnetJitCost.SinceStart();
            var cpu = JitLog.Shared.Topics != JitLogTopics.None ? ThreadCpuTime.Now() : null;
            long? faults = cpu is null ? null : ThreadPageFaults.Now();
            string resource = ExtensionSerializer.ResourceName(MemberSignature.PortalKey(method));
            using var stream = assembly.GetManifestResourceStream(resource)
                ?? throw new InvalidOperationException($"{assembly.GetName().Name} holds no stored extension program for it (resource '{resource}'); build it again with this version of pejit build");
            var (program, members) = ExtensionSerializer.ReadStored(stream);
            var own = new MemberTableResolver(members, assembly);
            // Chained: a unit that inlines a call of another portal holds members of that portal's table too (ChainedResolver).
            var resolver = new ChainedResolver(own);
            // Types of other assemblies than this one are found by name (pejit build stores tokens for its own): the process's
            // first type-name parse, some 4 ms, is paid on the warm-up's thread while the portal is prepared, not in the first unit.
            if (PipelineWarmUp.Enabled && own.NamesTypesToParse) PipelineWarmUp.Also(own.ParseFirstName);
            ExtensionLinker.Link(program, own, assembly);
            if (Background) PipelineWarmUp.Start(method.Module, cil, Background);
            var settings = new JitSettings { BackgroundCompilation = Background }
                .WithDefaultThreshold(marker.Threshold);
            JitSettings.WarnAboutEnvironment(() => settings, JitLog.Shared);
            var runtime = new PortalRuntime(method, program, settings, resolver, PortalCounters.TableOf(handle), ChooseBackend(marker.Backend, resolver))
            {
                OtherPortals = OtherPortal,
            };
            runtime.PreparedGeneration = MoveOutOfGen0(program, out var collection);
            if (JitLog.Shared.WantsMemory) JitLog.Shared.Alive($"{name} prepared", 0);
            // Only with a log: formatting the times is a cold path of its own (double formatting) that a run without one need not pay.
            if (JitLog.Shared.Topics != JitLogTopics.None)
                JitLog.Shared.PortalPrepared(name, program.Graphs.Count, clock.Elapsed, DotnetJitCost.SinceStart() - dotnetJit,
                    string.Create(System.Globalization.CultureInfo.InvariantCulture, $"read the outline and the portal's graph {program.CompileTime.TotalMilliseconds:F1} ms, linked {program.LinkTime.TotalMilliseconds:F1} ms{(collection > TimeSpan.Zero ? $", moved out of gen0 to gen{runtime.PreparedGeneration} in a {collection.TotalMilliseconds:F1} ms pause" : "")}{(ThreadPageFaults.Since(faults) is { } taken ? $", {taken} page faults on the thread" : "")}"),
                    () => string.Create(System.Globalization.CultureInfo.InvariantCulture,
                        $"{program.LoadedGraphs} of {program.Graphs.Count} graphs loaded when first needed, read in {program.LoadTime.TotalMilliseconds:F1} ms in all, linked in {program.LinkTime.TotalMilliseconds:F1} ms ({program.AccessMethods} emitted accesses bound, {program.AccessDelegates} delegates compiled){runtime.StepsSummary()}"),
                    ThreadCpuTime.Since(cpu));
            return runtime;
        }
        catch (Exception e)
        {
            // The interpreter must go on exactly as before: a JIT that cannot start is a log line, not a failure.
            JitLog.Shared.Event($"pejit: {name} runs without the JIT ({e.GetType().Name}): {e.Message}");
            return null;
        }
    }

    /// <summary>
    /// The runtime of <paramref name="method"/> when it is another JIT-enabled portal (its assembly stores its extension
    /// program), prepared now if it was not: asked by a portal whose unit calls it (<see cref="PortalRuntime.OtherPortals"/>),
    /// on the thread that specializes. Null when it is not a portal or cannot be prepared.
    /// </summary>
    private static PortalRuntime? OtherPortal(MethodInfo method)
    {
        if (Disabled || method.Module.Assembly.GetCustomAttribute<JitEnabledAttribute>() is null) return null;
        string resource = ExtensionSerializer.ResourceName(MemberSignature.PortalKey(method));
        if (method.Module.Assembly.GetManifestResourceInfo(resource) is null) return null;
        return NewPortal(method.MethodHandle).Value;
    }

    /// <summary>
    /// The backend <c>PEJIT_BACKEND</c> names (cil, amd64, auto), else the one <c>pejit build --backend</c> wrote into
    /// the assembly. <c>auto</c> logs each unit it gives to CIL with the reason (<c>PEJIT_LOG=units</c>);
    /// <c>PEJIT_LOG=asm</c> gets each AMD64 unit's disassembly.
    /// </summary>
    private static PeJit.Backends.IBackend ChooseBackend(string built, PeJit.IR.Semantics.IMemberResolver resolver)
    {
        string? chosen = Environment.GetEnvironmentVariable("PEJIT_BACKEND");
        if (chosen is { Length: > 0 } && !PeJit.Backends.BackendChoice.Names.Contains(chosen.ToLowerInvariant()))
        {
            JitLog.Shared.Warning($"pejit: PEJIT_BACKEND={chosen} is not a backend ({string.Join(", ", PeJit.Backends.BackendChoice.Names)}); using {built}, the one the assembly was built with");
            chosen = null;
        }
        return PeJit.Backends.BackendChoice.Create(chosen is { Length: > 0 } ? chosen : built, resolver, JitLog.Shared.Event, JitLog.Shared.Disassembly);
    }

}

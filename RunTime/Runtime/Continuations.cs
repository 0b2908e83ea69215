using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;
using PeJit.Backends;
using PeJit.Backends.Cil;
using PeJit.IR;
using PeJit.IR.Evaluation;
using PeJit.IR.Semantics;
using PeJit.Specializer.Engine;

namespace PeJit.Runtime;

/// <summary>
/// One portal's compiled continuations (<see cref="ContinuationGraph"/>): for each resume point of a mid-step exit's
/// frames, the rest of that method compiled, made once the runtime asks for it (<see cref="JitSettings.ContinuationAfter"/>)
/// and kept for the portal's life; and for each exit, whether all its frames have one (<see cref="ExitPlan"/>), decided once
/// before anything runs. One continuation per resume point serves the steps that learn (its reports then go to a
/// <see cref="LearningObserver"/>, its stop hands the slots back) and those that do not (no observer: a report is a call and a
/// test), so learning on continuations costs no compilation of its own.
/// </summary>
/// <remarks>
/// Nothing here is loaded before a unit first leaves mid-step: <see cref="PortalRuntime"/> makes this object then.
/// A continuation is compiled with the CIL backend whatever backend compiles the units (the AMD64 backend refuses calls and
/// regions, which the rest of an interpreter step is made of): the portal's own <see cref="CilBackend"/> when it has one, so
/// that its resolver's choices (the in-process portal copy) hold for continuations too.
/// </remarks>
internal sealed class Continuations(PortalRuntime runtime, IMemberResolver resolver, CilBackend backend, Module owner, string portal)
{
    private readonly ConcurrentDictionary<ResumePoint, Continuation> byPoint = new();
    // The continuations a learning step's plan asked for (the same objects as byPoint's): for tests, and to log once per resume
    // point why learning steps cannot use one.
    private readonly ConcurrentDictionary<ResumePoint, Continuation> learningByPoint = new();
    // Each followed graph's learning twin (TwinOf), and the graphs whose twin is being made on this thread (a twin of the portal
    // calls the portal's twin: assumed made while it is).
    private readonly ConcurrentDictionary<FlowGraph, Continuation> twins = new(ReferenceEqualityComparer.Instance);
    [ThreadStatic] private static HashSet<FlowGraph>? making;
    // Why learning steps cannot use a continuation (its own refusal, or a twin it calls that could not be made), once known: logged once.
    private readonly ConcurrentDictionary<Continuation, string> learningRefusals = new(ReferenceEqualityComparer.Instance);
    private readonly ConditionalWeakTable<CompiledExit, ExitPlan> plans = new();
    private readonly ConditionalWeakTable<CompiledExit, ExitPlan> learningPlans = new();
    private long built;
    private long refused;

    /// <summary>Continuations compiled so far.</summary>
    public long Built => Interlocked.Read(ref built);

    /// <summary>Resume points whose continuation could not be made.</summary>
    public long Refused => Interlocked.Read(ref refused);

    /// <summary>Every continuation made or refused so far, by resume point (tests).</summary>
    public IReadOnlyCollection<Continuation> All => byPoint.Values.ToList();

    /// <summary>Every continuation a learning step asked for so far, by resume point (tests; <see cref="ContinuationLearning.Refusal"/> says whether it could use it).</summary>
    public IReadOnlyCollection<Continuation> AllLearning => learningByPoint.Values.ToList();

    /// <summary>
    /// The plan of <paramref name="exit"/>: a continuation per frame, or why the evaluator finishes its steps. When not
    /// <paramref name="make"/>, no continuation is compiled: null unless every frame's is already there (or the exit has a
    /// frame none can be made for).
    /// </summary>
    public ExitPlan? PlanFor(CompiledExit exit, bool make = true)
    {
        if (plans.TryGetValue(exit, out var known)) return known;
        var plan = MakePlan(exit, learning: false, make);
        return plan is null ? null : plans.GetValue(exit, _ => plan);
    }

    /// <summary>
    /// The plan of <paramref name="exit"/> for a learning step: a continuation per frame that reports what it sees at its
    /// promotion hints (<see cref="LearningObserver"/>), or why the evaluator (with its <see cref="StepLearner"/>) runs it.
    /// The frames' continuations are the steady state's (<see cref="PlanFor"/>); <paramref name="make"/> as there.
    /// </summary>
    /// <remarks>
    /// A call the learning evaluator would follow into a graph (<see cref="CallFollowing"/>: an interpreted call, a helper that
    /// calls the portal or promotes) is made through the observer while one is set (<see cref="LearningObserver.CallPortal"/>):
    /// it keeps the learner's activation stack and runs the callee's learning twin (<see cref="TwinOf"/>), so that its promotions
    /// are noted at the callee's keys. A frame keeps the evaluator for the whole exit, decided per resume point
    /// (<see cref="LearningRefusal"/>), where the copy cannot do what the evaluator does: a delegate or virtual call the evaluator
    /// may follow (its target known only when it runs), a twin that cannot be made (a helper taking a reference, a handler the
    /// copy cannot enter), a slot its stop cannot hand back.
    /// </remarks>
    public ExitPlan? LearningPlanFor(CompiledExit exit, bool make = true)
    {
        if (learningPlans.TryGetValue(exit, out var known)) return known;
        var plan = MakePlan(exit, learning: true, make);
        return plan is null ? null : learningPlans.GetValue(exit, _ => plan);
    }

    private ExitPlan? MakePlan(CompiledExit exit, bool learning, bool make)
    {
        var frames = exit.Frames!;
        var made = new FramePlan[frames.Count];
        for (int depth = 0; depth < frames.Count; depth++)
        {
            var frame = frames[depth];
            if (frame.CaughtSlot > 0) return new ExitPlan(null, $"frame {depth} ({frame.Graph.Name}) stands inside a catch handler");
            var inputs = new List<Value>(frame.Values.Length + 1);
            var template = new object?[frame.Values.Length + frame.Slots.Length + 1];
            var reds = new List<RedInput>();
            foreach (var v in frame.Values)
            {
                if (v.IsGreen && v.Green is Address or ResumeFrameSlot)
                    return new ExitPlan(null, $"frame {depth} ({frame.Graph.Name}) holds an address ({v.Value}), of a local of a frame outside it");
                // A red address is in the exit buffer as the evaluator's (an array element's): the evaluator finishes the step.
                if (!v.IsGreen && frame.Graph.TypeOf(v.Value).IsAddress)
                    return new ExitPlan(null, $"frame {depth} ({frame.Graph.Name}) holds the address of an array element ({v.Value})");
                if (v.IsGreen) template[inputs.Count] = ValueSemantics.ToClr(v.Green, resolver.ResolveType(frame.Graph.TypeOf(v.Value)));
                else reds.Add(Red(inputs.Count, v.Slot, frame.Graph.TypeOf(v.Value)));
                inputs.Add(v.Value);
            }
            // An inner frame stands after its call: the call's result comes from the frame inside it (an input of its own).
            int callResult = -1;
            if (depth < frames.Count - 1 && frame.CallResult is { } result)
            {
                callResult = inputs.IndexOf(result);
                if (callResult < 0)
                {
                    callResult = inputs.Count;
                    inputs.Add(result);
                }
            }
            var slots = new List<Slot>(frame.Slots.Length);
            foreach (var (slot, content) in frame.Slots)
            {
                if (content.IsGreen && content.Green is Address or ResumeFrameSlot
                    || !content.IsGreen && frame.Graph[slot].Type.IsAddress)
                    return new ExitPlan(null, $"frame {depth} ({frame.Graph.Name}) holds an address in slot {slot}");
                int at = inputs.Count + slots.Count;
                if (content.IsGreen) template[at] = ValueSemantics.ToClr(content.Green, resolver.ResolveType(frame.Graph[slot].Type));
                else reds.Add(Red(at, content.Slot, frame.Graph[slot].Type));
                slots.Add(slot);
            }
            var outer = depth == 0 ? runtime.OuterRegions : null;
            // A frame standing at a call inside a region it runs: the callee's exception is thrown there (its handlers run).
            bool takesThrown = depth < frames.Count - 1 && InRegion(frame.Graph, frame.Block, outer);
            Array.Resize(ref template, inputs.Count + slots.Count + (takesThrown ? 1 : 0));
            var stop = depth == 0 ? runtime.Extension.Shape.MergePoint : null;
            var continuation = At(frame.Graph, frame.Block, frame.Index, inputs, slots, stop, outer, takesThrown, learning, make);
            if (continuation is null) return null;
            if (continuation.Code is null) return new ExitPlan(null, continuation.Refusal);
            if (learning && LearningRefusal(continuation) is { } cannot) return new ExitPlan(null, cannot);
            made[depth] = new FramePlan(continuation, template, [.. reds], callResult, takesThrown ? inputs.Count + slots.Count : -1);
        }
        return new ExitPlan(made, null);
    }

    private static bool InRegion(FlowGraph graph, Block block, IReadOnlySet<Region>? outer)
    {
        for (var region = graph[block].Try; region is { } r; region = graph[r].Parent)
            if (outer is null || !outer.Contains(r)) return true;
        return false;
    }

    private RedInput Red(int input, int exit, IrType type) => new(input, exit, type, resolver.ResolveType(type));

    /// <summary>
    /// The continuation of one resume point, made and compiled on first need (or refused, and logged once); when not
    /// <paramref name="make"/>, null unless it was made already. A learning step asking for one whose
    /// <see cref="ContinuationLearning.Refusal"/> keeps it off logs that once.
    /// </summary>
    public Continuation? At(FlowGraph graph, Block block, int index, List<Value> inputs, List<Slot> slots, Instruction? stop, IReadOnlySet<Region>? outer, bool takesThrown, bool learning = false, bool make = true)
    {
        var signature = new StringBuilder();
        foreach (var value in inputs) signature.Append(value.Index).Append(',');
        signature.Append('|');
        foreach (var slot in slots) signature.Append(slot.Index).Append(',');
        if (takesThrown) signature.Append("|thrown");
        var point = new ResumePoint(graph, block.Index, index, stop is not null, signature.ToString());
        if (!byPoint.TryGetValue(point, out var kept))
        {
            if (!make) return null;
            var made = Make(graph, block, index, inputs, slots, stop, outer, takesThrown);
            kept = byPoint.GetOrAdd(point, made);
            if (ReferenceEquals(kept, made))
            {
                if (made.Code is null)
                {
                    Interlocked.Increment(ref refused);
                    runtime.ContinuationRefused(made);
                }
                else
                {
                    Interlocked.Increment(ref built);
                    runtime.ContinuationMade(made);
                }
            }
        }
        if (learning) learningByPoint.TryAdd(point, kept);
        return kept;
    }

    /// <summary>
    /// Why a learning step cannot run on <paramref name="continuation"/> (null when it can): its own
    /// <see cref="ContinuationLearning.Refusal"/>, or a twin of a call it dispatches that could not be made (made here, on the
    /// first learning step that needs it, not for the steps that do not learn). Logged once.
    /// </summary>
    public string? LearningRefusal(Continuation continuation)
    {
        if (continuation.Code is null || continuation.Learning is not { } sites) return continuation.Refusal;
        if (learningRefusals.TryGetValue(continuation, out var known)) return known.Length == 0 ? null : known;
        string? refusal = sites.Refusal;
        foreach (var (call, kind) in sites.Dispatched)
        {
            if (refusal is not null) break;
            // A delegate's target is known only when it runs: its twin is made then (LearningObserver.CallDelegate).
            if (kind == 3) continue;
            var graph = kind == 1 ? runtime.FollowingCalls.Portal : runtime.FollowingCalls.HelperGraph(call);
            if (graph is null) refusal = $"the rest calls {call.Method?.FullName}, whose graph is not loaded";
            else if (making?.Contains(graph) == true) continue;
            else if (TwinOf(graph) is { } twin && !twin.CalledForReal && (twin.Code is null || LearningRefusal(twin) is not null))
                refusal = $"the rest calls {call.Method?.FullName}, whose learning twin could not be made ({twin.Refusal ?? LearningRefusal(twin)})";
        }
        if (learningRefusals.TryAdd(continuation, refusal ?? "") && refusal is not null)
        {
            sites.Refusal ??= refusal;
            runtime.LearningRefused(continuation, refusal);
        }
        return refusal;
    }

    /// <summary>Twins compiled so far (<see cref="TwinOf"/>).</summary>
    public long TwinsBuilt => twins.Values.Count(t => t.Code is not null);

    /// <summary>
    /// The learning twin of <paramref name="graph"/> (the portal's, or a helper's the learning evaluator follows): the whole
    /// method as a continuation from its entry to its return (<see cref="ContinuationGraph"/>), its promotion hints, merge points
    /// and <c>Jit.CanEnterJit</c> reporting to the observer and its followed calls dispatched through it: what a followed call
    /// runs instead of the evaluator running the graph. Made and compiled once, on the first learning step that calls it.
    /// </summary>
    public Continuation TwinOf(FlowGraph graph)
    {
        if (twins.TryGetValue(graph, out var known)) return known;
        making ??= new HashSet<FlowGraph>(ReferenceEqualityComparer.Instance);
        making.Add(graph);
        try
        {
            var made = MakeTwin(graph);
            var kept = twins.GetOrAdd(graph, made);
            if (ReferenceEquals(kept, made))
            {
                if (made.Code is null) runtime.ContinuationRefused(made);
                else runtime.ContinuationMade(made);
            }
            // Its own calls' twins, now that it is known (a call of itself is).
            if (kept.Code is not null) LearningRefusal(kept);
            return kept;
        }
        finally
        {
            making.Remove(graph);
        }
    }

    private Continuation MakeTwin(FlowGraph graph)
    {
        long started = Stopwatch.GetTimestamp();
        // The method's type and name, without its signature (a dump's file is named after it).
        string name = graph.Name;
        int open = name.IndexOf('(');
        if (open > 0) name = name[..open];
        name = name[(name.LastIndexOf(' ') + 1)..];
        string where = $"{name} (learning twin)";
        // What the evaluator calls for real, though given its graph: the twin calls it for real too.
        if (!runtime.FollowingCalls.Evaluable(graph)) return new Continuation(where, null, null, "the evaluator calls it for real (a generic method, a ref struct slot)") { CalledForReal = true };
        var sites = NewSites(twin: true);
        FlowGraph? twin;
        string? refusal;
        try
        {
            var entry = FlowGraph.Entry;
            twin = ContinuationGraph.Build(graph, entry, 0, graph[entry].Parameters, [], null, null, out refusal, learning: sites);
        }
        catch (Exception e) when (e is not OutOfMemoryException && !runtime.Settings.Strict)
        {
            return new Continuation(where, null, null, $"internal error building it ({e.GetType().Name}: {e.Message}); please report it with the interpreter");
        }
        if (twin is null) return new Continuation(where, null, null, refusal);
        CheckCalls(sites, runtime.FollowingCalls);
        return Compiled(where, twin, sites, "pejit_twin_", started);
    }

    /// <summary>A new continuation's notes: its followed calls dispatched through the observer while one is set.</summary>
    private ContinuationLearning NewSites(bool twin = false)
    {
        var following = runtime.FollowingCalls;
        return new ContinuationLearning
        {
            HandsBack = type => !resolver.ResolveType(type).IsByRefLike,
            Dispatches = call => !following.Enabled ? 0
                : call.Opcode == Opcode.Call && following.IsPortalCall(call) ? 1
                : call.Opcode == Opcode.Call && following.HelperGraph(call) is not null ? 2
                : following.MayFollowDelegate(call) ? 3 : 0,
            Twin = twin,
            MergePoint = runtime.Extension.Shape.MergePoint,
        };
    }

    /// <summary>Sets <paramref name="sites"/>' refusal when the copy makes a call the learning evaluator would follow and it cannot dispatch.</summary>
    private static void CheckCalls(ContinuationLearning sites, CallFollowing following)
    {
        var dispatched = new HashSet<Instruction>(ReferenceEqualityComparer.Instance);
        foreach (var (call, _) in sites.Dispatched) dispatched.Add(call);
        foreach (var call in sites.Calls)
        {
            if (sites.Refusal is not null) break;
            if (!dispatched.Contains(call) && following.MayFollow(call))
                sites.Refusal = $"the rest may call {call.Method?.FullName}, which the learning evaluator follows into its graph to see the promotions inside (a delegate's target, a virtual call)";
        }
    }

    private Continuation Compiled(string where, FlowGraph graph, ContinuationLearning sites, string prefix, long started)
    {
        try
        {
            var code = backend.Compile(graph, owner, prefix + portal);
            return new Continuation(where, graph, code, null) { Learning = sites, Took = Stopwatch.GetElapsedTime(started) };
        }
        catch (BackendException e)
        {
            return new Continuation(where, graph, null, $"the CIL backend refused it: {e.Message}");
        }
        catch (Exception e) when (e is not OutOfMemoryException && !runtime.Settings.Strict)
        {
            return new Continuation(where, graph, null, $"internal error compiling it ({e.GetType().Name}: {e.Message}); please report it with the interpreter");
        }
    }

    private Continuation Make(FlowGraph graph, Block block, int index, List<Value> inputs, List<Slot> slots, Instruction? stop, IReadOnlySet<Region>? outer, bool takesThrown)
    {
        long started = Stopwatch.GetTimestamp();
        string where = $"{graph.Name} {block}:{index}";
        FlowGraph? continuation;
        string? refusal;
        var sites = NewSites();
        try
        {
            continuation = ContinuationGraph.Build(graph, block, index, inputs, slots, stop, outer, out refusal, takesThrown, sites);
        }
        catch (Exception e) when (e is not OutOfMemoryException && !runtime.Settings.Strict)
        {
            return new Continuation(where, null, null, $"internal error building it ({e.GetType().Name}: {e.Message}); please report it with the interpreter");
        }
        if (continuation is null) return new Continuation(where, null, null, refusal);
        // Whether learning steps may run on it too: not where the learning evaluator would do what the copy cannot report.
        CheckCalls(sites, runtime.FollowingCalls);
        return Compiled(where, continuation, sites, "pejit_continuation_", started);
    }

    /// <summary>A resume point and what its frames carry there: a continuation's key.</summary>
    private sealed record ResumePoint(FlowGraph Graph, int Block, int Index, bool Stops, string Carried);
}

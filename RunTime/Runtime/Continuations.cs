using System.Collections.Concurrent;
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
/// frames, the rest of that method compiled, made on first need and kept for the portal's life; and for each exit, whether
/// all its frames have one (<see cref="ExitPlan"/>), decided once before anything runs.
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
    // The learning steps' continuations, apart: one refused there (a call the learning evaluator follows) is no resume point
    // without a continuation for the steps that do not learn.
    private readonly ConcurrentDictionary<ResumePoint, Continuation> learningByPoint = new();
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

    /// <summary>Every learning continuation made or refused so far, by resume point (tests).</summary>
    public IReadOnlyCollection<Continuation> AllLearning => learningByPoint.Values.ToList();

    /// <summary>The plan of <paramref name="exit"/>: a continuation per frame, or why the evaluator finishes its steps.</summary>
    public ExitPlan PlanFor(CompiledExit exit)
    {
        if (plans.TryGetValue(exit, out var known)) return known;
        var plan = MakePlan(exit);
        return plans.GetValue(exit, _ => plan);
    }

    /// <summary>
    /// The plan of <paramref name="exit"/> for a learning step: a continuation per frame that reports what it sees at its
    /// promotion hints (<see cref="LearningObserver"/>), or why the evaluator (with its <see cref="StepLearner"/>) runs it.
    /// </summary>
    /// <remarks>
    /// A frame whose rest may make a call the learning evaluator would follow into a graph (<see cref="CallFollowing.MayFollow"/>:
    /// an interpreted call, a helper that calls the portal or promotes) keeps the evaluator for the whole exit, decided per
    /// resume point from the calls its copy holds: the continuation would call the real method, where the hints do nothing, and
    /// the callee's cases would be learned one recompilation each, not with the caller's. Making such calls observable instead
    /// would need the portal itself compiled with the observer and the learner's activation stack (keys changing at the callee's
    /// merge point, depth and budget limits, looping callees): a second woven portal, left for later. A frame that passes the
    /// portal's merge point without stopping there (an inlined callee's activation) changes the key its sites stand at: the
    /// evaluator too.
    /// </remarks>
    public ExitPlan LearningPlanFor(CompiledExit exit)
    {
        if (learningPlans.TryGetValue(exit, out var known)) return known;
        var plan = MakePlan(exit, learning: true);
        return learningPlans.GetValue(exit, _ => plan);
    }

    private ExitPlan MakePlan(CompiledExit exit, bool learning = false)
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
                if (content.IsGreen && content.Green is Address or ResumeFrameSlot)
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
            var continuation = At(frame.Graph, frame.Block, frame.Index, inputs, slots, stop, outer, takesThrown, learning);
            if (continuation.Code is null) return new ExitPlan(null, continuation.Refusal);
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

    /// <summary>The continuation of one resume point, made and compiled on first need (or refused, and logged once).</summary>
    public Continuation At(FlowGraph graph, Block block, int index, List<Value> inputs, List<Slot> slots, Instruction? stop, IReadOnlySet<Region>? outer, bool takesThrown, bool learning = false)
    {
        var signature = new StringBuilder();
        foreach (var value in inputs) signature.Append(value.Index).Append(',');
        signature.Append('|');
        foreach (var slot in slots) signature.Append(slot.Index).Append(',');
        if (takesThrown) signature.Append("|thrown");
        if (learning) signature.Append("|learning");
        var point = new ResumePoint(graph, block.Index, index, stop is not null, signature.ToString());
        var table = learning ? learningByPoint : byPoint;
        if (table.TryGetValue(point, out var known)) return known;
        var made = Make(graph, block, index, inputs, slots, stop, outer, takesThrown, learning);
        var kept = table.GetOrAdd(point, made);
        if (ReferenceEquals(kept, made))
        {
            if (made.Code is null && learning) runtime.ContinuationRefused(made);
            else if (made.Code is null)
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
        return kept;
    }

    private Continuation Make(FlowGraph graph, Block block, int index, List<Value> inputs, List<Slot> slots, Instruction? stop, IReadOnlySet<Region>? outer, bool takesThrown, bool learning)
    {
        string where = $"{graph.Name} {block}:{index}" + (learning ? " (learning)" : "");
        FlowGraph? continuation;
        string? refusal;
        var sites = learning ? new ContinuationLearning { HandsBack = type => !resolver.ResolveType(type).IsByRefLike } : null;
        try
        {
            continuation = ContinuationGraph.Build(graph, block, index, inputs, slots, stop, outer, out refusal, takesThrown, sites);
        }
        catch (Exception e) when (e is not OutOfMemoryException && !runtime.Settings.Strict)
        {
            return new Continuation(where, null, null, $"internal error building it ({e.GetType().Name}: {e.Message}); please report it with the interpreter");
        }
        if (continuation is null) return new Continuation(where, null, null, refusal);
        if (sites is not null)
            foreach (var call in sites.Calls)
            {
                if (ReferenceEquals(call, runtime.Extension.Shape.MergePoint))
                    return new Continuation(where, null, null, "the rest passes the portal's merge point (an inlined callee's next steps stand at other keys), which the learning evaluator follows");
                if (runtime.FollowingCalls.MayFollow(call))
                    return new Continuation(where, null, null, $"the rest may call {call.Method?.FullName}, which the learning evaluator follows into its graph to see the promotions inside");
            }
        try
        {
            return new Continuation(where, continuation, backend.Compile(continuation, owner, "pejit_continuation_" + portal), null) { Learning = sites };
        }
        catch (BackendException e)
        {
            return new Continuation(where, continuation, null, $"the CIL backend refused it: {e.Message}");
        }
        catch (Exception e) when (e is not OutOfMemoryException && !runtime.Settings.Strict)
        {
            return new Continuation(where, continuation, null, $"internal error compiling it ({e.GetType().Name}: {e.Message}); please report it with the interpreter");
        }
    }

    /// <summary>A resume point and what its frames carry there: a continuation's key.</summary>
    private sealed record ResumePoint(FlowGraph Graph, int Block, int Index, bool Stops, string Carried);
}

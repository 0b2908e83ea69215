using System.Collections.Concurrent;
using PeJit.IR;
using PeJit.IR.Semantics;
using PeJit.Specializer.Engine;
using PeJit.Specializer.Extension;

namespace PeJit.Runtime;

/// <summary>
/// Which calls the learning graph evaluator (<see cref="StepLearner"/>) runs on their graphs instead of calling the
/// real method, for one portal: interpreted calls (the portal calling itself), so that it sees the promotions of the
/// callee a unit inlines at their own positions, and the helpers that make such calls or promote (a helper wrapping
/// the call in a <c>try</c>, as Lua's <c>pcall</c> does). Shared by every step the portal's units finish.
/// </summary>
/// <remarks>
/// Strategy: the real method runs the callee in the interpreter, where the hints do nothing, so its classes would be
/// learned only once a unit inlines it and leaves inside it, one recompilation per site. On its graph, the evaluator
/// passes the callee's hints like the caller's. It is far slower than the interpreter, so it follows only what a unit
/// would inline: calls up to <see cref="SpecializationSettings.MaxInlinedPortalDepth"/> activations deep, within a
/// budget of evaluated instructions per step, and not again into a call whose callee was seen to loop (it reaches
/// <c>Jit.CanEnterJit</c>: never inlined, it gets a unit of its own; that call is marked and made by the real method
/// from then on).
/// </remarks>
internal sealed class CallFollowing(ExtensionProgram program, SpecializationSettings settings, IMemberResolver resolver)
{
    /// <summary>Instructions the evaluator may have run in one step before it stops following calls into their graphs.</summary>
    public const long StepBudget = 200_000;

    /// <summary>The interpreted-call positions (the caller's step key and position, the call) whose callee looped: made by the real method.</summary>
    private readonly ConcurrentDictionary<PromotionSite, bool> looping = new();

    // The extension's call ops by their instruction, for the loaded graphs indexed so far (a call names only its method).
    private readonly Dictionary<Instruction, ExtensionOp> calls = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<ExtensionGraph> indexed = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<ExtensionGraph, bool> worthFollowing = new(ReferenceEqualityComparer.Instance);
    private readonly object gate = new();

    /// <summary>Whether units inline interpreted calls at all (else their callees' promotions are not theirs to learn).</summary>
    public bool Enabled => settings.InlineKnownPortalCalls || settings.InlinePortalCalls;

    /// <summary>The portal's graph.</summary>
    public FlowGraph Portal => program.Portal.Graph;

    /// <summary>Whether <paramref name="call"/> calls the portal (an interpreted call).</summary>
    public bool IsPortalCall(Instruction call) => call.Method is { } method && method.FullName == program.Shape.FullName;

    /// <summary>Whether interpreted calls at depth <paramref name="depth"/> (1 for a call of the step's own activation) may be followed.</summary>
    public bool MayFollowAtDepth(int depth) => depth <= settings.MaxInlinedPortalDepth;

    /// <summary>Whether the callee of <paramref name="position"/> was seen to loop.</summary>
    public bool Loops(PromotionSite position) => looping.ContainsKey(position);

    /// <summary>Marks the callee of <paramref name="position"/> as looping: the evaluator calls the real method there from now on.</summary>
    public void MarkLooping(PromotionSite position) => looping.TryAdd(position, true);

    /// <summary>
    /// The graph of the helper <paramref name="call"/> calls, when the evaluator should run it instead of the method: a
    /// call (not virtual) of a graph of the extension that calls the portal or promotes. Null otherwise.
    /// </summary>
    public FlowGraph? HelperGraph(Instruction call)
    {
        if (call.Opcode != Opcode.Call) return null;
        lock (gate)
        {
            if (!calls.TryGetValue(call, out var op))
            {
                IndexLoadedGraphs();
                if (!calls.TryGetValue(call, out op)) return null;
            }
            if (op.Callees is not [var callee]) return null;
            if (!worthFollowing.TryGetValue(callee, out bool worth))
            {
                worth = CallsPortalOrPromotes(callee);
                worthFollowing[callee] = worth;
                if (worth) Index(callee);
            }
            return worth ? callee.Graph : null;
        }
    }

    /// <summary>
    /// The graph of <paramref name="target"/>'s method at the delegate call <paramref name="call"/>, when the evaluator
    /// should run it: a member of the call's delegate family (as the specializer inlines a green delegate's call) that
    /// calls the portal or promotes. Null otherwise.
    /// </summary>
    public FlowGraph? DelegateGraph(Instruction call, Delegate target)
    {
        lock (gate)
        {
            if (!calls.TryGetValue(call, out var op))
            {
                IndexLoadedGraphs();
                if (!calls.TryGetValue(call, out op)) return null;
            }
            if (op.Treatment != CallTreatment.InlineDelegate) return null;
            for (int c = 0; c < op.CalleeMethods.Length && c < op.Callees.Length; c++)
            {
                var candidate = resolver.ResolveMethod(op.CalleeMethods[c]);
                if (candidate.MetadataToken != target.Method.MetadataToken || candidate.Module != target.Method.Module) continue;
                var callee = op.Callees[c];
                if (callee.HasRegions) return null;
                if (!worthFollowing.TryGetValue(callee, out bool worth))
                {
                    worth = CallsPortalOrPromotes(callee);
                    worthFollowing[callee] = worth;
                    if (worth) Index(callee);
                }
                return worth ? callee.Graph : null;
            }
            return null;
        }
    }

    /// <summary>
    /// Whether the learning evaluator might run <paramref name="call"/> on a graph instead of calling the method, whatever its
    /// depth, budget and target (<see cref="StepLearner"/>): an interpreted call, or a call of a helper or delegate family
    /// member that <see cref="HelperGraph"/> or <see cref="DelegateGraph"/> could answer with a graph. Always false when
    /// <see cref="Enabled"/> is not (the evaluator then follows nothing). What decides whether a learning step's frame may
    /// run on a continuation, which calls the real method (<see cref="Continuations"/>).
    /// </summary>
    public bool MayFollow(Instruction call)
    {
        if (!Enabled || call.Opcode is not (Opcode.Call or Opcode.CallVirt)) return false;
        if (IsPortalCall(call)) return true;
        lock (gate)
            return IndexedCall(call) is { } op && (call.Opcode == Opcode.Call && op.Callees is [_] || op.Treatment == CallTreatment.InlineDelegate)
                && AnyCalleeWorthFollowing(op);
    }

    /// <summary>
    /// Whether <paramref name="call"/> is a delegate call (its <c>Invoke</c>) whose family has a member the learning evaluator may
    /// run on its graph (<see cref="DelegateGraph"/>), the target known only when it runs.
    /// </summary>
    public bool MayFollowDelegate(Instruction call)
    {
        if (!Enabled || call.Opcode is not (Opcode.Call or Opcode.CallVirt) || call.Method?.Name != "Invoke") return false;
        lock (gate)
            return IndexedCall(call) is { Treatment: CallTreatment.InlineDelegate } op && AnyCalleeWorthFollowing(op);
    }

    /// <summary>The extension op of <paramref name="call"/>, indexing the graphs loaded since the last look; null if none has it. Under <c>gate</c>.</summary>
    private ExtensionOp? IndexedCall(Instruction call)
    {
        if (calls.TryGetValue(call, out var op)) return op;
        IndexLoadedGraphs();
        return calls.TryGetValue(call, out op) ? op : null;
    }

    /// <summary>Whether a member of <paramref name="op"/>'s family calls the portal or promotes (each callee decided once, and indexed if so). Under <c>gate</c>.</summary>
    private bool AnyCalleeWorthFollowing(ExtensionOp op)
    {
        foreach (var callee in op.Callees)
        {
            if (!worthFollowing.TryGetValue(callee, out bool worth))
            {
                worth = CallsPortalOrPromotes(callee);
                worthFollowing[callee] = worth;
                if (worth) Index(callee);
            }
            if (worth) return true;
        }
        return false;
    }

    /// <summary>
    /// Whether the evaluator runs <paramref name="graph"/> at all when it is given it (<c>GraphEvaluator.CanEvaluate</c>): not a
    /// generic method's, nor one with a ref struct slot other than string interpolation's handler (called for real then).
    /// </summary>
    public bool Evaluable(FlowGraph graph)
    {
        if (graph.IsGeneric) return false;
        for (int i = 0; i < graph.SlotCount; i++)
        {
            var type = graph[new Slot(i)].Type;
            if (type.Kind is (TypeKind.ValueType or TypeKind.GenericParameter) && resolver.ResolveType(type) is { IsByRefLike: true } clr
                && clr != typeof(System.Runtime.CompilerServices.DefaultInterpolatedStringHandler)) return false;
        }
        return true;
    }

    /// <summary>Indexes the call ops of every graph loaded so far (the portal's, the helpers units inlined).</summary>
    private void IndexLoadedGraphs()
    {
        foreach (var graph in program.Graphs)
            if (graph.IsLoaded) Index(graph);
    }

    private void Index(ExtensionGraph graph)
    {
        if (!indexed.Add(graph)) return;
        foreach (var block in graph.Blocks)
            foreach (var op in block ?? [])
                if (op.Callees.Length > 0) calls.TryAdd(op.Instruction, op);
    }

    private bool CallsPortalOrPromotes(ExtensionGraph graph)
    {
        foreach (var block in graph.Blocks)
            foreach (var op in block ?? [])
                if (op.Instruction.Opcode == Opcode.Call && (IsPortalCall(op.Instruction)
                    || HintNames.IsJitMethod(op.Instruction.Method, HintNames.PromoteClass) || HintNames.IsJitMethod(op.Instruction.Method, HintNames.Promote)))
                    return true;
        return false;
    }
}

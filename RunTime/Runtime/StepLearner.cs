using PeJit.IR;
using PeJit.IR.Evaluation;
using PeJit.Specializer.Engine;

namespace PeJit.Runtime;

/// <summary>
/// What the graph evaluator sees at the promotion hints while the runtime finishes a step after a mid-step exit and
/// goes on to the unit's entry (<c>PortalRuntime.FinishStep</c>), each noted at the position the specializer will look
/// it up at (<see cref="PromotionSite"/>: the key of the step of the innermost portal activation, the call).
/// </summary>
/// <remarks>
/// Strategy: the evaluator runs several activations of the portal at once: the exit's frames include the inlined
/// callees' (each <see cref="ExitFrame.SiteStep"/> says at which key it stands), and the interpreted calls it follows
/// (<see cref="CallFollowing"/>) run on the portal's graph too. A stack holds the key of each activation being
/// evaluated: <see cref="GraphEvaluator.Resuming"/> starts it at the resumed frame's key, a followed call pushes the
/// caller's key (the callee's entry, up to its merge point, is specialized at the caller's, as the specializer's
/// <c>RunEntry</c> does), the callee's merge point replaces it with the callee's next step and its position with the call's
/// (<see cref="CallPath"/>: the specializer keys an inlined callee's sites by where it was inlined too), and the call's
/// end pops it.
/// Noting everything at the exit's key instead gave the sites after the callee's first step, and the caller's after
/// it returned, the wrong key: a unit inlining a callee learned its cases one recompilation per site.
/// </remarks>
internal sealed class StepLearner
{
    private readonly GraphEvaluator evaluator;
    private readonly CallFollowing following;
    private readonly Instruction mergePoint;
    private readonly Func<object?[], GreenKey> keyOf;
    private readonly Func<Instruction, object?, bool> isObjectValueSite;

    // One entry per activation of the portal being evaluated, innermost last: its current step's key and position
    // (the caller's until the callee's merge point), the call that made it (null for a resumed frame), whether followed
    // into the portal's graph, and the position its steps stand at once past its merge point (null: Path stays).
    private readonly List<(GreenKey Key, CallPath? Path, Instruction? Call, bool Followed, CallPath? Callee)> activations = [];
    private IReadOnlyList<(GreenKey Key, CallPath? Path)> resumed = [];
    private bool followNext;
    private int followed;

    /// <summary>The classes (at <c>Jit.PromoteClass</c>) and objects (at <c>Jit.Promote</c>) seen, at their positions.</summary>
    public List<(PromotionSite Site, object? Seen)> Observed { get; } = [];

    /// <summary>Interpreted calls run on the portal's graph (tests, the log).</summary>
    public int FollowedCalls { get; private set; }

    public StepLearner(GraphEvaluator evaluator, CallFollowing following, Instruction mergePoint, Func<object?[], GreenKey> keyOf, Func<Instruction, object?, bool> isObjectValueSite)
    {
        this.evaluator = evaluator;
        this.following = following;
        this.mergePoint = mergePoint;
        this.keyOf = keyOf;
        this.isObjectValueSite = isObjectValueSite;
        evaluator.BeforeCall = BeforeCall;
        evaluator.AfterCall = AfterCall;
        evaluator.Resuming = frame => Start(resumed[frame]);
        if (following.Enabled)
        {
            evaluator.GraphProvider = GraphOf;
            evaluator.DelegateGraphProvider = (call, target) => evaluator.Steps < CallFollowing.StepBudget ? following.DelegateGraph(call, target) : null;
            // A graph holding a ref struct the evaluator cannot hold (a span; string interpolation's handler it can) is called
            // for real, not followed: a learning step that reached the slot would fail the program with an EvaluationException.
        }
    }

    /// <summary>The site keys and positions of the frames the next <see cref="GraphEvaluator.Resume"/> runs, outermost first.</summary>
    public void Resuming(IReadOnlyList<(GreenKey Key, CallPath? Path)> frames) => resumed = frames;

    private GreenKey Current => activations[^1].Key;

    private CallPath? CurrentPath => activations[^1].Path;

    private PromotionSite SiteOf(Instruction call) => new(Current, call, CurrentPath);

    private void Start((GreenKey Key, CallPath? Path) frame)
    {
        activations.Clear();
        activations.Add((frame.Key, frame.Path, null, false, null));
        followed = 0;
    }

    private void BeforeCall(Instruction call, object?[] operands)
    {
        pendingCall = call;
        if (activations.Count == 0) return;
        if (HintNames.IsJitMethod(call.Method, HintNames.PromoteClass))
            Observed.Add((SiteOf(call), operands[0]?.GetType()));
        else if (operands.Length == 1 && isObjectValueSite(call, operands[0]))
            Observed.Add((SiteOf(call), operands[0]));
        else if (ReferenceEquals(call, mergePoint))
            activations[^1] = activations[^1] with { Key = keyOf(operands), Path = activations[^1].Callee ?? activations[^1].Path };
        else if (HintNames.IsJitMethod(call.Method, HintNames.CanEnterJit))
        {
            // A followed callee loops: never inlined (it gets a unit of its own), and too slow to run here again.
            for (int a = activations.Count - 1; a > 0; a--)
                if (activations[a].Followed)
                {
                    following.MarkLooping(new PromotionSite(activations[a - 1].Key, activations[a].Call!, activations[a - 1].Path));
                    break;
                }
        }
        else if (following.IsPortalCall(call))
        {
            followNext = following.Enabled && following.MayFollowAtDepth(followed + 1) && evaluator.Steps < CallFollowing.StepBudget
                && !following.Loops(SiteOf(call));
            activations.Add((Current, CurrentPath, call, followNext, new CallPath(CurrentPath, Current, call)));
            if (followNext) followed++;
        }
    }

    private void AfterCall(Instruction call)
    {
        followNext = false;
        if (activations.Count > 1 && ReferenceEquals(activations[^1].Call, call))
        {
            if (activations[^1].Followed) followed--;
            activations.RemoveAt(activations.Count - 1);
        }
    }

    private FlowGraph? GraphOf(MethodRef method)
    {
        if (followNext)
        {
            followNext = false;
            FollowedCalls++;
            return following.Portal;
        }
        // A helper that calls the portal or promotes, not the portal itself (followed or not, above).
        return evaluator.Steps < CallFollowing.StepBudget && pendingCall is { } call && !following.IsPortalCall(call) ? following.HelperGraph(call) : null;
    }

    /// <summary>The call <see cref="GraphEvaluator.BeforeCall"/> saw last: the one the evaluator asks <see cref="GraphOf"/> about next.</summary>
    private Instruction? pendingCall;
}

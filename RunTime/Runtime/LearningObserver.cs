using System.Reflection;
using PeJit.IR;
using PeJit.IR.Semantics;
using PeJit.Specializer.Engine;

namespace PeJit.Runtime;

/// <summary>
/// What a learning continuation (<see cref="ContinuationLearning"/>) reports to: the values it sees at its promotion hints,
/// noted as <see cref="StepLearner"/> notes the evaluator's, at the position of the frame being run.
/// </summary>
/// <remarks>
/// The observer of the running step is a [ThreadStatic]: a continuation is a static delegate shared by every thread, and the
/// same continuation serves the steps that do not learn, where no observer is set and a report costs a call and that read
/// (an <c>int</c> or <c>long</c> operand goes to an overload of its own, boxed only when observed). A step that does not learn
/// clears the observer while it runs (<see cref="Suspend"/>): it may run inside a learning step's frame (a call of the real
/// portal, whose unit leaves mid-step), and what it sees is not that frame's.
/// Values are noted in the evaluator's stack form (<see cref="ValueSemantics.Normalize"/> by the operand's IR type: a
/// <c>bool</c> or a <c>char</c> promoted is an <c>int</c> there), so that the cases learned are the evaluator's.
/// <para>
/// Interpreted calls and the helpers the learning evaluator follows into their graphs (<see cref="CallFollowing"/>) are made
/// through the observer while one is set (<see cref="CallPortal"/>, <see cref="CallHelper"/>): it keeps the activation stack
/// <see cref="StepLearner"/> keeps (each activation's step key and position, the call that made it, whether followed), decides
/// whether to follow as it does (units inline interpreted calls, depth within <c>MaxInlinedPortalDepth</c>, the position's
/// callee not seen to loop), and runs the callee's *learning twin* (<see cref="LearningCalls"/>: the whole method copied, its
/// merge points and <c>Jit.CanEnterJit</c> reporting too) or the real method. What it does not count is the evaluator's
/// instruction budget (<see cref="CallFollowing.StepBudget"/>): compiled code follows calls past it, where the evaluator would
/// stop following (a step of 200,000 instructions; none of the bundled programs' learning steps comes near).
/// </para>
/// </remarks>
internal sealed class LearningObserver(List<(PromotionSite Site, object? Seen)> observed, Func<Instruction, object?, bool> isValueSite, LearningCalls? calls = null)
{
    [ThreadStatic] private static LearningObserver? current;

    /// <summary>The reference a learning continuation calls <see cref="Seen(int, object)"/> through.</summary>
    public static readonly MethodRef SeenMethod = new($"System.Void {typeof(LearningObserver).FullName}::{nameof(Seen)}(System.Int32,System.Object)", hasThis: false,
        origin: typeof(LearningObserver).GetMethod(nameof(Seen), BindingFlags.Public | BindingFlags.Static, [typeof(int), typeof(object)]));

    /// <summary>The report of an <c>int</c> operand (<see cref="Seen(int, int)"/>): no box while no observer is set.</summary>
    public static readonly MethodRef SeenInt32Method = new($"System.Void {typeof(LearningObserver).FullName}::{nameof(Seen)}(System.Int32,System.Int32)", hasThis: false,
        origin: typeof(LearningObserver).GetMethod(nameof(Seen), BindingFlags.Public | BindingFlags.Static, [typeof(int), typeof(int)]));

    /// <summary>The report of a <c>long</c> operand (<see cref="Seen(int, long)"/>).</summary>
    public static readonly MethodRef SeenInt64Method = new($"System.Void {typeof(LearningObserver).FullName}::{nameof(Seen)}(System.Int32,System.Int64)", hasThis: false,
        origin: typeof(LearningObserver).GetMethod(nameof(Seen), BindingFlags.Public | BindingFlags.Static, [typeof(int), typeof(long)]));

    /// <summary>The reference of <see cref="Watching"/>.</summary>
    public static readonly MethodRef WatchingMethod = Static(nameof(Watching), "System.Boolean", []);

    /// <summary>The reference of <see cref="CallPortal"/>.</summary>
    public static readonly MethodRef CallPortalMethod = Static(nameof(CallPortal), "System.Object", [typeof(int), typeof(object[])]);

    /// <summary>The reference of <see cref="CallHelper"/>.</summary>
    public static readonly MethodRef CallHelperMethod = Static(nameof(CallHelper), "System.Object", [typeof(int), typeof(object[])]);

    /// <summary>The reference of <see cref="CallDelegate"/>.</summary>
    public static readonly MethodRef CallDelegateMethod = Static(nameof(CallDelegate), "System.Object", [typeof(int), typeof(object[])]);

    /// <summary>The reference of <see cref="AtMergePoint"/>.</summary>
    public static readonly MethodRef AtMergePointMethod = Static(nameof(AtMergePoint), "System.Void", [typeof(object[])]);

    /// <summary>The reference of <see cref="AtCanEnterJit"/>.</summary>
    public static readonly MethodRef AtCanEnterJitMethod = Static(nameof(AtCanEnterJit), "System.Void", []);

    private static MethodRef Static(string name, string returns, Type[] parameters)
    {
        var names = new string[parameters.Length];
        for (int i = 0; i < parameters.Length; i++) names[i] = parameters[i].FullName!;
        return new($"{returns} {typeof(LearningObserver).FullName}::{name}({string.Join(",", names)})", hasThis: false,
            origin: typeof(LearningObserver).GetMethod(name, BindingFlags.Public | BindingFlags.Static, parameters));
    }

    private static readonly object?[] NoOutput = new object?[1];

    // A field, not the primary constructor's parameter: the static entry points read it through the thread's observer.
    private readonly LearningCalls? calls = calls;

    // The code running now: its sites and dispatched calls (a frame's continuation, or a twin the observer runs).
    private ContinuationLearning? frame;

    // One entry per activation of the portal being run, innermost last, as StepLearner's: its current step's key and position,
    // the call that made it (null for the frame's own), whether followed, and the position its steps stand at once past its
    // merge point.
    private readonly List<(GreenKey Key, CallPath? Path, Instruction? Call, bool Followed, CallPath? Callee)> activations = [];
    private int followed;

    /// <summary>Interpreted calls run on the portal's twin (the log).</summary>
    public int FollowedCalls { get; private set; }

    /// <summary>The frame whose continuation runs next: its sites, and the key and position its steps stand at.</summary>
    public void Enter(ContinuationLearning sites, GreenKey key, CallPath? at)
    {
        frame = sites;
        activations.Clear();
        activations.Add((key, at, null, false, null));
        followed = 0;
    }

    /// <summary>Makes this the thread's observer until the result is disposed.</summary>
    public Scope Watch()
    {
        var before = current;
        current = this;
        return new Scope(before);
    }

    /// <summary>No observer until the result is disposed: a step that does not learn runs its continuations (they report to none).</summary>
    public static Scope Suspend()
    {
        var before = current;
        current = null;
        return new Scope(before);
    }

    /// <summary>Restores the observer before <see cref="Watch"/> or <see cref="Suspend"/>.</summary>
    public readonly struct Scope(LearningObserver? before) : IDisposable
    {
        public void Dispose() => current = before;
    }

    /// <summary>Called by a learning continuation before the promotion hint of site <paramref name="site"/>, with its operand.</summary>
    public static void Seen(int site, object? value) => current?.Note(site, value);

    /// <summary><see cref="Seen(int, object)"/> for an <c>int</c> operand, boxed only when an observer is set.</summary>
    public static void Seen(int site, int value)
    {
        if (current is { } observer) observer.Note(site, value);
    }

    /// <summary><see cref="Seen(int, object)"/> for a <c>long</c> operand, boxed only when an observer is set.</summary>
    public static void Seen(int site, long value)
    {
        if (current is { } observer) observer.Note(site, value);
    }

    private void Note(int site, object? value)
    {
        if (frame is null || activations.Count == 0) return;
        var (call, type) = frame.Sites[site];
        var (step, path, _, _, _) = activations[^1];
        if (HintNames.IsJitMethod(call.Method, HintNames.PromoteClass))
            observed.Add((new PromotionSite(step, call, path), value?.GetType()));
        else
        {
            var seen = ValueSemantics.Normalize(value, type);
            if (isValueSite(call, seen)) observed.Add((new PromotionSite(step, call, path), seen));
        }
    }

    /// <summary>Whether an observer is set: a dispatched call goes through it (<see cref="CallPortal"/>, <see cref="CallHelper"/>), else directly.</summary>
    public static bool Watching() => current is not null;

    /// <summary>
    /// An interpreted call (dispatched call <paramref name="call"/> of the running code) while an observer is set: an activation
    /// pushed as <see cref="StepLearner"/> pushes it, the portal's twin run when the learning evaluator would follow the call,
    /// the real portal otherwise; the activation popped after, returned or thrown. Returns the result, boxed (null for none).
    /// </summary>
    public static object? CallPortal(int call, object?[] arguments) => current!.Portal(call, arguments);

    /// <summary>A call of a helper the learning evaluator runs on its graph (dispatched call <paramref name="call"/>): its twin, at the running activation.</summary>
    public static object? CallHelper(int call, object?[] arguments) => current!.Helper(call, arguments);

    /// <summary>
    /// A delegate call (dispatched call <paramref name="call"/>, the delegate first in <paramref name="arguments"/>) whose target's
    /// graph the learning evaluator would run (<see cref="CallFollowing.DelegateGraph"/>): the target's twin, on the call's
    /// arguments (the delegate's target first when it is closed over one), as the evaluator passes them; the real call otherwise.
    /// </summary>
    public static object? CallDelegate(int call, object?[] arguments) => current!.Delegate(call, arguments);

    /// <summary>A twin passed the portal's merge point: the activation's step is the key of <paramref name="operands"/>, at its callee position.</summary>
    public static void AtMergePoint(object?[] operands) => current?.MergePoint(operands);

    private void MergePoint(object?[] operands)
    {
        if (activations.Count > 0 && calls is { } known)
            activations[^1] = activations[^1] with { Key = known.KeyOf(operands), Path = activations[^1].Callee ?? activations[^1].Path };
    }

    /// <summary>A twin reached <c>Jit.CanEnterJit</c>: the innermost followed callee loops (never inlined), and its call is made by the real method from now on.</summary>
    public static void AtCanEnterJit() => current?.Loops();

    private void Loops()
    {
        if (calls is null) return;
        for (int a = activations.Count - 1; a > 0; a--)
            if (activations[a].Followed)
            {
                calls.Following.MarkLooping(new PromotionSite(activations[a - 1].Key, activations[a].Call!, activations[a - 1].Path));
                break;
            }
    }

    private object? Portal(int index, object?[] arguments)
    {
        var call = frame!.Dispatched[index].Call;
        var known = calls!;
        var (key, path, _, _, _) = activations[^1];
        bool follow = known.Following.Enabled && known.Following.MayFollowAtDepth(followed + 1) && !known.Following.Loops(new PromotionSite(key, call, path));
        var twin = follow ? known.TwinOf(known.Following.Portal) : null;
        // A twin that could not be made (its continuation's makers refused it after this frame's was made): the real method.
        follow &= twin?.Code is not null && twin.Learning?.Refusal is null;
        activations.Add((key, path, call, follow, new CallPath(path, key, call)));
        if (follow)
        {
            followed++;
            FollowedCalls++;
        }
        var caller = frame;
        try
        {
            if (!follow) return known.Invoke(call, arguments);
            frame = twin!.Learning;
            return twin.Code!.Run(Inputs(arguments), NoOutput, null!);
        }
        finally
        {
            frame = caller;
            activations.RemoveAt(activations.Count - 1);
            if (follow) followed--;
        }
    }

    private object? Helper(int index, object?[] arguments)
    {
        var call = frame!.Dispatched[index].Call;
        var known = calls!;
        var twin = known.Following.HelperGraph(call) is { } graph ? known.TwinOf(graph) : null;
        // A graph the evaluator would not run (CalledForReal) or no twin: the real method, as the evaluator calls it.
        if (twin?.Code is null || twin.Learning?.Refusal is not null) return known.Invoke(call, arguments);
        var caller = frame;
        try
        {
            frame = twin.Learning;
            return twin.Code.Run(Inputs(arguments), NoOutput, null!);
        }
        finally
        {
            frame = caller;
        }
    }

    private object? Delegate(int index, object?[] arguments)
    {
        var call = frame!.Dispatched[index].Call;
        var known = calls!;
        if (arguments.Length > 0 && arguments[0] is System.Delegate { HasSingleTarget: true } called
            && known.Following.DelegateGraph(call, called) is { } graph && known.TwinOf(graph) is { Code: { } code, Learning: { Refusal: null } sites })
        {
            object?[] inputs;
            if (graph.Parameters.Count == arguments.Length)
            {
                inputs = (object?[])arguments.Clone();
                inputs[0] = called.Target;
            }
            else if (graph.Parameters.Count == arguments.Length - 1) inputs = arguments[1..];
            else return known.Invoke(call, arguments);
            var caller = frame;
            try
            {
                frame = sites;
                return code.Run(Inputs(inputs), NoOutput, null!);
            }
            finally
            {
                frame = caller;
            }
        }
        return known.Invoke(call, arguments);
    }

    /// <summary>A twin's input array (typed <c>object[]</c> as <see cref="PeJit.Backends.ICompiledCode.Run"/> takes it; its elements may be null).</summary>
    private static object[] Inputs(object?[] arguments) => (object[])arguments;
}

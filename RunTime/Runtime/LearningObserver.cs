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
/// The observer of the running step is a [ThreadStatic]: a continuation is a static delegate shared by every thread, and a
/// thread runs one step at a time (a continuation calls the real portal, never a learning step, inside it).
/// Values are noted in the evaluator's stack form (<see cref="ValueSemantics.Normalize"/> by the operand's IR type: a
/// <c>bool</c> or a <c>char</c> promoted is an <c>int</c> there), so that the cases learned are the evaluator's.
/// </remarks>
internal sealed class LearningObserver(List<(PromotionSite Site, object? Seen)> observed, Func<Instruction, object?, bool> isValueSite)
{
    [ThreadStatic] private static LearningObserver? current;

    /// <summary>The reference a learning continuation calls <see cref="Seen"/> through.</summary>
    public static readonly MethodRef SeenMethod = new($"System.Void {typeof(LearningObserver).FullName}::{nameof(Seen)}(System.Int32,System.Object)", hasThis: false,
        origin: typeof(LearningObserver).GetMethod(nameof(Seen), BindingFlags.Public | BindingFlags.Static));

    private ContinuationLearning? frame;
    private GreenKey step = null!;
    private CallPath? path;

    /// <summary>The frame whose continuation runs next: its sites, and the key and position its steps stand at.</summary>
    public void Enter(ContinuationLearning sites, GreenKey key, CallPath? at)
    {
        frame = sites;
        step = key;
        path = at;
    }

    /// <summary>Makes this the thread's observer until the result is disposed.</summary>
    public Scope Watch()
    {
        var before = current;
        current = this;
        return new Scope(before);
    }

    /// <summary>Restores the observer before <see cref="Watch"/>.</summary>
    public readonly struct Scope(LearningObserver? before) : IDisposable
    {
        public void Dispose() => current = before;
    }

    /// <summary>Called by a learning continuation before the promotion hint of site <paramref name="site"/>, with its operand.</summary>
    public static void Seen(int site, object? value) => current?.Note(site, value);

    private void Note(int site, object? value)
    {
        if (frame is null) return;
        var (call, type) = frame.Sites[site];
        if (HintNames.IsJitMethod(call.Method, HintNames.PromoteClass))
            observed.Add((new PromotionSite(step, call, path), value?.GetType()));
        else
        {
            var seen = ValueSemantics.Normalize(value, type);
            if (isValueSite(call, seen)) observed.Add((new PromotionSite(step, call, path), seen));
        }
    }
}

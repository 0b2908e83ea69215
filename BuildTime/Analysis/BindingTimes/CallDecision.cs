using PeJit.IR;
namespace PeJit.Analysis.BindingTimes;

/// <summary>What the analysis decided for one call, and why.</summary>
/// <param name="Treatment">Inline, residual, run while specializing, or a hint.</param>
/// <param name="Reason">Why, in words (for residual calls: the rule that kept the call).</param>
/// <param name="Targets">For inlined calls, the annotated graph of each possible target.</param>
public sealed record CallDecision(CallTreatment Treatment, string Reason, IReadOnlyList<AnnotatedGraph> Targets)
{
    /// <summary>A decision with no targets.</summary>
    public static CallDecision Of(CallTreatment treatment, string reason) => new(treatment, reason, []);

    /// <summary>For a call through a delegate: its family (<see cref="DelegateFamily"/>), whatever the treatment; null for other calls.</summary>
    public DelegateFamily? Family { get; init; }
}

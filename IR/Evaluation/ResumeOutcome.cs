namespace PeJit.IR.Evaluation;

/// <summary>How <see cref="GraphEvaluator.Resume"/> ended.</summary>
/// <param name="Returned">True when the outermost frame returned (<paramref name="Value"/> is its result, normalized).</param>
/// <param name="Value">The outermost frame's result, when it returned.</param>
/// <param name="StopOperands">The operands of the stop instruction (normalized), when it was reached.</param>
public sealed record ResumeOutcome(bool Returned, object? Value, object?[]? StopOperands)
{
    /// <summary>
    /// When the stop instruction was reached: the outermost frame's slots there (CLR values, by slot index), what a step
    /// started right after the stop must start with (a local whose address a helper took lives in one; so may a struct
    /// the next step only writes part of).
    /// </summary>
    public IReadOnlyList<object?>? StopSlots { get; init; }
}

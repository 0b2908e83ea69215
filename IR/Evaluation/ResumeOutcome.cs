namespace PeJit.IR.Evaluation;

/// <summary>How <see cref="GraphEvaluator.Resume"/> ended.</summary>
/// <param name="Returned">True when the outermost frame returned (<paramref name="Value"/> is its result, normalized).</param>
/// <param name="Value">The outermost frame's result, when it returned.</param>
/// <param name="StopOperands">The operands of the stop instruction (normalized), when it was reached.</param>
public sealed record ResumeOutcome(bool Returned, object? Value, object?[]? StopOperands);

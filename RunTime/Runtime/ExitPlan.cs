namespace PeJit.Runtime;

/// <summary>How the steps a mid-step exit leaves are finished: one continuation per frame (outermost first), or the evaluator and why.</summary>
internal sealed record ExitPlan(FramePlan[]? Frames, string? Refusal);

namespace PeJit.IR.Evaluation;

/// <summary>
/// A value of a <see cref="ResumeFrame"/> that is the address of a local of a frame outside it: a helper that took
/// <c>ref pc</c> from the portal and was left in the middle (a mid-step exit). <see cref="GraphEvaluator.Resume"/>
/// makes it the address of that frame's slot, so what the helper writes through it is what the caller reads.
/// </summary>
/// <param name="Depth">The index of the local's frame in the frames resumed (outermost 0); less than the holder's.</param>
/// <param name="Slot">The local, in that frame's graph.</param>
public sealed record ResumeFrameSlot(int Depth, Slot Slot);

using PeJit.IR;

namespace PeJit.Specializer.Engine;

/// <summary>
/// A place where compiled code leaves for the interpreter. At a merge point (a green key outside the unit,
/// or over a budget) the residual code writes the exit's number and every merge-point variable (greens
/// then reds, boxed) into the exit buffer, and the interpreter resumes there. In the middle of a step (a
/// value seen at <c>Jit.Promote</c> that the unit has no case for), it writes the live red values of every
/// frame; the driver finishes the step with the graph evaluator up to the next merge point.
/// </summary>
/// <param name="Index">The exit's number, written to slot 0 of the exit buffer.</param>
/// <param name="Key">The green key at the exit (for a mid-step exit, the unit's entry).</param>
/// <param name="Reason">Why the unit does not go on there.</param>
public sealed record CompiledExit(int Index, GreenKey Key, string Reason)
{
    /// <summary>For an exit in the middle of a step: the frames, outermost first; null at a merge point.</summary>
    public IReadOnlyList<ExitFrame>? Frames { get; init; }

    /// <summary>For an unseen promoted value: the <c>Jit.Promote</c> call and the key of the step that reached it (whose cases the value is counted for).</summary>
    public PromotionSite? PromoteSite { get; init; }

    /// <summary>For an unseen promoted value: the exit-buffer slot holding it.</summary>
    public int PromotedSlot { get; init; }

    /// <summary>The IR type of the promoted value.</summary>
    public IrType? PromotedType { get; init; }

    /// <summary>
    /// For an exit at <c>Jit.PromoteClass</c>: the case the runtime counts is the promoted value's class (its
    /// <see cref="Type"/>, or null for a null reference), not the value; a site may record one more class than
    /// <c>MaxCasesPerPromotion</c>, which specializes it with a generic path.
    /// </summary>
    public bool PromotesClass { get; init; }

    /// <summary>
    /// For the exit of a step's exception (a portal with exception regions): the exception is in the exit buffer
    /// after the merge-point variables of the step (at 1 + their count); the portal reloads the variables and
    /// throws it inside its own regions (<c>CanEnterJitStatus.Threw</c>), so that its handlers run as the
    /// interpreter's would have.
    /// </summary>
    public bool Threw { get; init; }

    /// <summary>
    /// The exit leaves the unit's loop for code that is on no cycle at all (code after the loop, not another loop):
    /// when it is taken often, the unit is specialized again with that code as its tail (<see cref="Unit.Tails"/>).
    /// </summary>
    public bool LeavesLoop { get; init; }
}

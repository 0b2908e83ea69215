using PeJit.IR;

namespace PeJit.Runtime;

/// <summary>
/// What <see cref="ContinuationGraph.Build"/> notes of a continuation (one per resume point, for the steps that learn and those
/// that do not): its promotion sites (the original hint calls, by the index the continuation reports them with, and their
/// operands' types) and every call it copies (whether the learning evaluator would have followed one is the caller's to decide:
/// <see cref="Continuations"/>).
/// </summary>
public sealed class ContinuationLearning
{
    /// <summary>The promotion hints copied, by report index: the original call and its operand's IR type.</summary>
    public List<(Instruction Site, IrType Type)> Sites { get; } = [];

    /// <summary>
    /// Whether a slot of this type is handed back at the stop (boxed into the output): not a ref struct's (string interpolation's
    /// handler, which no box can hold and whose content is dead at a merge point); such a slot's element stays null, what a
    /// step's first slots hold for it (<c>PortalRuntime.FirstStepSlots</c>).
    /// </summary>
    public Func<IrType, bool> HandsBack { get; init; } = _ => true;

    /// <summary>
    /// Why a learning step cannot run on this continuation though the steps that do not learn can (a slot its stop cannot hand
    /// back, a call the learning evaluator would follow, the merge point passed); null when it can. Set by
    /// <see cref="ContinuationGraph.Build"/> and <see cref="Continuations"/>.
    /// </summary>
    public string? Refusal { get; set; }

    /// <summary>The original call instructions the continuation copies.</summary>
    public List<Instruction> Calls { get; } = [];

    /// <summary>
    /// Which calls the copy makes through the observer while one is set (<see cref="LearningObserver.CallPortal"/>,
    /// <see cref="LearningObserver.CallHelper"/>: an interpreted call, a helper the learning evaluator runs on its graph), and
    /// directly otherwise: 1 for a call of the portal, 2 for a helper's, 3 for a delegate's, 0 for a call made directly always;
    /// null: none.
    /// </summary>
    public Func<Instruction, int>? Dispatches { get; init; }

    /// <summary>The calls made through the observer, by the index the copy passes it, and their kind (<see cref="Dispatches"/>).</summary>
    public List<(Instruction Call, int Kind)> Dispatched { get; } = [];

    /// <summary>
    /// Whether the copy is a method's learning twin (run whole by the observer for a followed call): its <c>Jit.CanEnterJit</c>
    /// calls report to the observer (<see cref="LearningObserver.AtCanEnterJit"/>) instead of being dropped.
    /// </summary>
    public bool Twin { get; init; }

    /// <summary>
    /// The portal's merge point: where the copy passes it (a twin, an inlined callee's frame), it reports the operands to the
    /// observer (<see cref="LearningObserver.AtMergePoint"/>: the activation's next step key) before the hint is dropped.
    /// </summary>
    public Instruction? MergePoint { get; init; }
}

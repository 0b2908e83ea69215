using PeJit.IR;

namespace PeJit.Runtime;

/// <summary>
/// What <see cref="ContinuationGraph.Build"/> notes of a continuation made for a learning step: its promotion sites (the
/// original hint calls, by the index the continuation reports them with, and their operands' types) and every call it copies
/// (whether the learning evaluator would have followed one is the caller's to decide: <see cref="Continuations"/>).
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

    /// <summary>The original call instructions the continuation copies.</summary>
    public List<Instruction> Calls { get; } = [];
}

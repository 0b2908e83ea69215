using PeJit.IR;
using PeJit.Specializer.Engine;

namespace PeJit.Runtime;

/// <summary>
/// What a <see cref="LearningObserver"/> needs to make the calls a learning continuation dispatches through it: which calls the
/// learning evaluator follows (<see cref="CallFollowing"/>), the step key of a merge point's operands, a graph's learning twin
/// (<see cref="Continuations.TwinOf"/>: the whole method as a continuation from its entry, reporting to the observer), and the
/// real method called by reflection (a call not followed, as the evaluator makes it).
/// </summary>
internal sealed record LearningCalls(CallFollowing Following, Func<object?[], GreenKey> KeyOf, Func<FlowGraph, Continuation> TwinOf, Func<Instruction, object?[], object?> Invoke);

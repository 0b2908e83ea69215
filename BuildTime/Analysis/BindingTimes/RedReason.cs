using PeJit.IR;

namespace PeJit.Analysis.BindingTimes;

/// <summary>
/// One step of the explanation of a red value: why it is red, and the red value it got its redness from
/// (null at a root). Following <see cref="Cause"/> gives the chain from the value back to a root.
/// </summary>
/// <param name="Kind">The kind of step.</param>
/// <param name="Message">The step in words, for people.</param>
/// <param name="Cause">The red value this one depends on, in the same annotated graph; null at a root.</param>
/// <param name="Location">Where the step happens.</param>
/// <param name="CauseGraph">The annotated graph <see cref="Cause"/> belongs to when it is another one (a caller
/// passing a red argument, a callee returning a red value); null for the same graph.</param>
public sealed record RedReason(RedReasonKind Kind, string Message, Value? Cause, SourceLocation Location, AnnotatedGraph? CauseGraph = null);

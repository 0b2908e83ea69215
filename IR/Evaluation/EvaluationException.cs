namespace PeJit.IR.Evaluation;

/// <summary>
/// The evaluator cannot go on: a construct it does not run (a call through a function pointer), or the
/// step limit. Not an exception of the evaluated program, which propagates as itself.
/// </summary>
public sealed class EvaluationException(string message, Exception? inner = null) : Exception(message, inner);

namespace PeJit.Runtime;

/// <summary>
/// <c>PEJIT_VERIFY=1</c> found a residual graph that breaks an invariant of the IR: a defect of the engine or of
/// the pass named, never of the interpreter. Not caught by the fallback to the interpreter, so that a test fails.
/// </summary>
public sealed class ResidualVerificationException(string message) : Exception(message);

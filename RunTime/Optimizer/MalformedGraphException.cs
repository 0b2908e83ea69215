namespace PeJit.Optimizer;

/// <summary>
/// The verifier rejected a residual graph between optimizer passes (<see cref="Pipeline.Run"/> with
/// <c>verify</c>: strict mode and <c>PEJIT_VERIFY=1</c>): a defect of the engine or of the pass named, never of
/// the interpreter. The runtime never turns it into a fallback to the interpreter, so that a test fails.
/// </summary>
public sealed class MalformedGraphException(string message) : InvalidOperationException(message);

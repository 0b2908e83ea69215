namespace PeJit.Specializer.Engine;

/// <summary>
/// A place where compiled code leaves for the interpreter: the merge point it reached with a green key
/// outside its unit (or over a budget). The residual code writes the exit's number and every merge-point
/// variable (greens then reds, boxed) into the exit buffer; the driver resumes the interpreter there.
/// </summary>
/// <param name="Index">The exit's number, written to slot 0 of the exit buffer.</param>
/// <param name="Key">The green key at the exit.</param>
/// <param name="Reason">Why the unit does not go on there.</param>
public sealed record CompiledExit(int Index, GreenKey Key, string Reason);

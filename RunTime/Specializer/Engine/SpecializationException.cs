namespace PeJit.Specializer.Engine;

/// <summary>
/// Specialization of a unit was abandoned (a construct the engine does not handle yet, or a budget); the
/// interpreter keeps running that part of the program. The message names the green key and the reason.
/// </summary>
public sealed class SpecializationException(string message, Exception? inner = null) : Exception(message, inner);

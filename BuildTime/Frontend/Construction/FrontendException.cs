namespace PeJit.Frontend.Construction;

/// <summary>
/// An error a user can cause with their input (a file that is not an assembly, a missing method, a reference
/// that cannot be resolved). The message says what is wrong, where, and what to do; tools print it as one line.
/// </summary>
public sealed class FrontendException(string message, Exception? inner = null) : Exception(message, inner);

namespace PeJit.Backends;

/// <summary>A graph uses something a backend cannot emit; the message names the graph and the construct.</summary>
public sealed class BackendException(string message, Exception? inner = null) : Exception(message, inner);

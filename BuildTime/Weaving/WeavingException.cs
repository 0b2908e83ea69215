namespace PeJit.Weaving;

/// <summary>The assembly cannot be JIT-enabled as it is; the message says where and what to change.</summary>
public sealed class WeavingException(string message) : Exception(message);

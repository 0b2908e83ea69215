namespace PeJit.Examples.Wasm;

/// <summary>A program that does not assemble (or arguments that do not fit it); the message says where and why.</summary>
public sealed class AssemblerException(string message) : Exception(message);

namespace PeJit.Examples.Wasm;

/// <summary>A trap of the running program (unreachable, stack exhausted).</summary>
public sealed class WasmTrap(string message) : Exception(message);

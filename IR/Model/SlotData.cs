namespace PeJit.IR;

/// <summary>A stack slot's type and, when it holds a source variable, its name.</summary>
/// <param name="Type">The type of the value stored.</param>
/// <param name="Name">The source variable, or null.</param>
public sealed record SlotData(IrType Type, string? Name);

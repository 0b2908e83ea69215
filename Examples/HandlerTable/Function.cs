namespace PeJit.Examples.HandlerTable;

/// <summary>A function of a program: where its code starts, how many arguments and locals it has.</summary>
/// <param name="Name">Its name in the source.</param>
/// <param name="Entry">Index of its first instruction in the code array.</param>
/// <param name="Arity">Number of arguments (the first locals).</param>
/// <param name="Locals">Number of locals, arguments included.</param>
public sealed record Function(string Name, int Entry, int Arity, int Locals);

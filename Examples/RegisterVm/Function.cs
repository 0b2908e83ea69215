namespace PeJit.Examples.RegisterVm;

/// <summary>A function of a program.</summary>
/// <param name="Name">Its name in the source.</param>
/// <param name="Entry">Index of its first instruction.</param>
/// <param name="Arity">Number of arguments, passed in its first registers.</param>
/// <param name="Registers">Number of registers its frame has.</param>
public sealed record Function(string Name, int Entry, int Arity, int Registers);

namespace PeJit.Examples.RegisterVm;

/// <summary>A program that does not assemble; the message names the line.</summary>
public sealed class AssemblerException(string message) : Exception(message);

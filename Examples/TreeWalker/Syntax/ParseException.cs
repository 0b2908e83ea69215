namespace PeJit.Examples.TreeWalker.Syntax;

/// <summary>A program that does not parse; the message names the line and column.</summary>
public sealed class ParseException(string message) : Exception(message);

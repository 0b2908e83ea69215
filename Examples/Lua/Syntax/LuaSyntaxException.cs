namespace PeJit.Examples.Lua.Syntax;

/// <summary>A program that does not lex, parse or compile: the message starts with the line.</summary>
public sealed class LuaSyntaxException(int line, string message) : Exception($"line {line}: {message}")
{
    /// <summary>The line of the error.</summary>
    public int Line { get; } = line;
}

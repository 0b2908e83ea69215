namespace PeJit.IR.Text;

/// <summary>Text that is not in the IR's form: where (line and column) and what was expected.</summary>
public sealed class IrParseException(int line, int column, string message) : Exception($"line {line}, column {column}: {message}")
{
    /// <summary>The 1-based line.</summary>
    public int Line { get; } = line;

    /// <summary>The 1-based column.</summary>
    public int Column { get; } = column;
}

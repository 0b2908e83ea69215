namespace PeJit.IR;

/// <summary>Where an instruction came from: its IL offset and, with a PDB, its source line.</summary>
/// <param name="ILOffset">Offset of the CIL instruction, or -1 when the instruction has none.</param>
/// <param name="Line">Source line (1-based), or 0 when unknown.</param>
public readonly record struct SourceLocation(int ILOffset, int Line)
{
    /// <summary>No location.</summary>
    public static readonly SourceLocation None = new(-1, 0);

    /// <summary>For a message: <c> at IL_001a line 42</c>, or nothing for an instruction with no location (one the optimizer made).</summary>
    public string At => ILOffset < 0 && Line <= 0 ? "" : $" at {this}";

    /// <summary>The text form used in trailing comments: <c>IL_001a line 42</c>.</summary>
    public override string ToString() =>
        ILOffset < 0 ? (Line > 0 ? $"line {Line}" : "") : Line > 0 ? $"IL_{ILOffset:x4} line {Line}" : $"IL_{ILOffset:x4}";
}

namespace PeJit.Analysis.Diagnostics;

/// <summary>
/// An error or warning about the interpreter, with where it is (method, IL offset, source line) and what to
/// do about it.
/// </summary>
/// <param name="Severity">Error or warning.</param>
/// <param name="Code">A stable identifier, <c>PJ0001</c>..., documented in Docs/diagnostics.md.</param>
/// <param name="Message">What is wrong.</param>
/// <param name="Method">Full name of the method it is in.</param>
/// <param name="ILOffset">IL offset, or -1.</param>
/// <param name="Line">Source line, or 0.</param>
/// <param name="Document">Source file, when the PDB names one.</param>
/// <param name="Advice">What to do next.</param>
/// <param name="Details">More lines, such as the reason chain of a red value; null when there are none.</param>
public sealed record Diagnostic(
    Severity Severity, string Code, string Message, string Method, int ILOffset, int Line, string? Document, string Advice,
    string? Details = null)
{
    /// <summary>
    /// The form compilers use, <c>file(line): error PJ0007: message [method IL_0012]</c>, then the details
    /// indented, then the advice on a line of its own.
    /// </summary>
    public override string ToString()
    {
        string where = Document is not null && Line > 0 ? $"{Document}({Line}): " : Line > 0 ? $"line {Line}: " : "";
        string offset = ILOffset >= 0 ? $" IL_{ILOffset:x4}" : "";
        string severity = Severity == Severity.Error ? "error" : "warning";
        string details = Details is null ? "" : "\n" + Details;
        return $"{where}{severity} {Code}: {Message} [{Method}{offset}]{details}\n    fix: {Advice}";
    }
}

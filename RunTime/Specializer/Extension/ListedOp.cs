namespace PeJit.Specializer.Extension;

/// <summary>
/// One op in the extension's text form: <c>green  v13:i9 = const ; Constant 1</c>. The tag says what the engine
/// does with it (<c>green</c>, <c>red</c>, <c>call</c>, <c>branch</c>, <c>error</c>); the note, after <c>;</c>, the
/// green operation or call treatment chosen when the extension was compiled.
/// </summary>
/// <param name="Tag">The tag, without padding.</param>
/// <param name="Result">The result's register, or null.</param>
/// <param name="Opcode">The interpreter instruction's opcode name.</param>
/// <param name="Operands">The operands' registers.</param>
/// <param name="Targets">For jumps and branches: the targets.</param>
/// <param name="Note">The text after <c>;</c>, or null.</param>
public sealed record ListedOp(string Tag, ListedRegister? Result, string Opcode, IReadOnlyList<ListedRegister> Operands,
    IReadOnlyList<ListedTarget> Targets, string? Note)
{
    /// <summary>The line as <see cref="ExtensionPrinter"/> writes it, without its indent.</summary>
    public override string ToString()
    {
        string body = $"{(Result is null ? "" : Result + " = ")}{Opcode}{(Operands.Count > 0 ? " " + string.Join(", ", Operands) : "")}";
        if (Targets.Count > 0) body += " -> " + string.Join(", ", Targets);
        string line = Tag.PadRight(6) + " " + body;
        return Note is null ? line : line.PadRight(60) + " ; " + Note;
    }

    /// <summary>
    /// For a call: the graphs it inlines, by name, as its note lists them (<c>Inline A | B via delegate call M</c>).
    /// </summary>
    public IReadOnlyList<string> Callees
    {
        get
        {
            if (Tag != "call" || Note is null || Note.IndexOf(' ') is var space && space < 0) return [];
            string rest = Note[(space + 1)..];
            int via = rest.IndexOf("via delegate ", StringComparison.Ordinal);
            if (via >= 0) rest = rest[..via].TrimEnd();
            return rest.Length == 0 ? [] : rest.Split(" | ");
        }
    }
}

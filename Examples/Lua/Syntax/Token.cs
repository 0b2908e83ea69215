namespace PeJit.Examples.Lua.Syntax;

/// <summary>A token: its kind, its text (for a literal, its value as text), its numeric value, and its line.</summary>
public readonly record struct Token(TokenKind Kind, string Text, int Line, long Integer = 0, double Float = 0)
{
    /// <summary>True for the keyword or symbol <paramref name="text"/>.</summary>
    public bool Is(string text) => Kind is TokenKind.Keyword or TokenKind.Symbol && Text == text;

    /// <inheritdoc/>
    public override string ToString() => Kind switch
    {
        TokenKind.End => "<eof>",
        TokenKind.String => $"\"{Text}\"",
        _ => Text,
    };
}

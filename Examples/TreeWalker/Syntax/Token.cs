namespace PeJit.Examples.TreeWalker.Syntax;

/// <summary>What a token is.</summary>
public enum TokenKind
{
    /// <summary>A decimal integer.</summary>
    Number,
    /// <summary>A name or a keyword.</summary>
    Name,
    /// <summary>An operator or punctuation: <c>( ) { } , ; = == != &lt; &lt;= &gt; &gt;= + - * / %</c>.</summary>
    Symbol,
    /// <summary>The end of the source.</summary>
    End,
}

/// <summary>A token of the source, with where it starts.</summary>
/// <param name="Kind">What it is.</param>
/// <param name="Text">Its text (empty at the end).</param>
/// <param name="Line">Its line, from 1.</param>
/// <param name="Column">Its column, from 1.</param>
public readonly record struct Token(TokenKind Kind, string Text, int Line, int Column)
{
    /// <summary>Where the token starts, for messages.</summary>
    public string Where => $"line {Line}, column {Column}";

    /// <summary>True for the symbol or keyword <paramref name="text"/>.</summary>
    public bool Is(string text) => Kind is TokenKind.Symbol or TokenKind.Name && Text == text;
}

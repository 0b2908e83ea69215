namespace PeJit.Examples.Lua.Syntax;

/// <summary>What a token is.</summary>
public enum TokenKind
{
    /// <summary>An identifier.</summary>
    Name,
    /// <summary>An integer literal.</summary>
    Integer,
    /// <summary>A float literal.</summary>
    Float,
    /// <summary>A string literal (its text without quotes, escapes resolved).</summary>
    String,
    /// <summary>A reserved word (<c>and</c>, <c>while</c>, ...).</summary>
    Keyword,
    /// <summary>An operator or punctuation (<c>+</c>, <c>..</c>, <c>(</c>, ...).</summary>
    Symbol,
    /// <summary>The end of the source.</summary>
    End,
}

namespace PeJit.Examples.TreeWalker.Syntax;

/// <summary>Splits a source into tokens: numbers, names, symbols; <c>//</c> comments and white space are skipped.</summary>
public static class Lexer
{
    private static readonly string[] TwoCharacterSymbols = ["==", "!=", "<=", ">="];
    private const string OneCharacterSymbols = "(){},;=<>+-*/%";

    /// <summary>The tokens of <paramref name="source"/>, ending with one <see cref="TokenKind.End"/>.</summary>
    /// <exception cref="ParseException">A character that starts no token.</exception>
    public static List<Token> Tokenize(string source)
    {
        var tokens = new List<Token>();
        int line = 1, lineStart = 0, i = 0;
        while (i < source.Length)
        {
            char c = source[i];
            int column = i - lineStart + 1;
            if (c == '\n')
            {
                i++;
                line++;
                lineStart = i;
            }
            else if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c == '/' && i + 1 < source.Length && source[i + 1] == '/')
            {
                while (i < source.Length && source[i] != '\n') i++;
            }
            else if (char.IsAsciiDigit(c))
            {
                int start = i;
                while (i < source.Length && char.IsAsciiDigit(source[i])) i++;
                tokens.Add(new Token(TokenKind.Number, source[start..i], line, column));
            }
            else if (char.IsAsciiLetter(c) || c == '_')
            {
                int start = i;
                while (i < source.Length && (char.IsAsciiLetterOrDigit(source[i]) || source[i] == '_')) i++;
                tokens.Add(new Token(TokenKind.Name, source[start..i], line, column));
            }
            else if (i + 1 < source.Length && TwoCharacterSymbols.Contains(source.Substring(i, 2)))
            {
                tokens.Add(new Token(TokenKind.Symbol, source.Substring(i, 2), line, column));
                i += 2;
            }
            else if (OneCharacterSymbols.Contains(c))
            {
                tokens.Add(new Token(TokenKind.Symbol, c.ToString(), line, column));
                i++;
            }
            else
            {
                throw new ParseException($"line {line}, column {column}: unexpected character '{c}'");
            }
        }
        tokens.Add(new Token(TokenKind.End, "", line, i - lineStart + 1));
        return tokens;
    }
}

using System.Globalization;
using System.Text;

namespace PeJit.Examples.Lua.Syntax;

/// <summary>Turns Lua source into tokens: names, keywords, numbers (decimal and hex), strings, operators; skips <c>--</c> comments.</summary>
public static class Lexer
{
    private static readonly HashSet<string> Keywords =
        ["and", "break", "do", "else", "elseif", "end", "false", "for", "function", "if", "in", "local", "nil", "not", "or", "repeat", "return", "then", "true", "until", "while"];

    // Longest first, so ".." wins over "." and "//" over "/".
    private static readonly string[] Symbols =
        ["...", "..", "==", "~=", "<=", ">=", "//", "+", "-", "*", "/", "%", "^", "#", "<", ">", "=", "(", ")", "{", "}", "[", "]", ";", ",", ".", ":"];

    /// <summary>The tokens of <paramref name="source"/>, ending with one <see cref="TokenKind.End"/>.</summary>
    public static List<Token> Tokenize(string source)
    {
        var tokens = new List<Token>();
        int position = 0, line = 1;
        while (true)
        {
            // Whitespace and comments.
            while (position < source.Length)
            {
                char c = source[position];
                if (c == '\n') { line++; position++; }
                else if (char.IsWhiteSpace(c)) position++;
                else if (c == '-' && position + 1 < source.Length && source[position + 1] == '-')
                {
                    position += 2;
                    if (source.AsSpan(position).StartsWith("[["))
                    {
                        int close = source.IndexOf("]]", position, StringComparison.Ordinal);
                        if (close < 0) throw new LuaSyntaxException(line, "unfinished long comment");
                        line += source.AsSpan(position, close - position).Count('\n');
                        position = close + 2;
                    }
                    else while (position < source.Length && source[position] != '\n') position++;
                }
                else break;
            }
            if (position >= source.Length)
            {
                tokens.Add(new Token(TokenKind.End, "", line));
                return tokens;
            }
            char first = source[position];
            if (char.IsLetter(first) || first == '_')
            {
                int start = position;
                while (position < source.Length && (char.IsLetterOrDigit(source[position]) || source[position] == '_')) position++;
                string word = source[start..position];
                tokens.Add(new Token(Keywords.Contains(word) ? TokenKind.Keyword : TokenKind.Name, word, line));
            }
            else if (char.IsDigit(first) || (first == '.' && position + 1 < source.Length && char.IsDigit(source[position + 1])))
                tokens.Add(Number(source, ref position, line));
            else if (first is '"' or '\'')
                tokens.Add(new Token(TokenKind.String, QuotedString(source, ref position, ref line), line));
            else if (source.AsSpan(position).StartsWith("[["))
            {
                int close = source.IndexOf("]]", position + 2, StringComparison.Ordinal);
                if (close < 0) throw new LuaSyntaxException(line, "unfinished long string");
                string text = source[(position + 2)..close];
                if (text.StartsWith('\n')) text = text[1..];
                tokens.Add(new Token(TokenKind.String, text, line));
                line += source.AsSpan(position, close - position).Count('\n');
                position = close + 2;
            }
            else
            {
                string? symbol = Symbols.FirstOrDefault(s => source.AsSpan(position).StartsWith(s));
                if (symbol is null) throw new LuaSyntaxException(line, $"unexpected symbol '{first}'");
                tokens.Add(new Token(TokenKind.Symbol, symbol, line));
                position += symbol.Length;
            }
        }
    }

    private static Token Number(string source, ref int position, int line)
    {
        int start = position;
        if (source.AsSpan(position).StartsWith("0x") || source.AsSpan(position).StartsWith("0X"))
        {
            position += 2;
            while (position < source.Length && Uri.IsHexDigit(source[position])) position++;
            string hex = source[(start + 2)..position];
            if (hex.Length == 0) throw new LuaSyntaxException(line, $"malformed number near '{source[start..position]}'");
            // Hex integers wrap around, as in Lua.
            ulong value = 0;
            foreach (char digit in hex) value = unchecked(value * 16 + (ulong)Convert.ToInt32(digit.ToString(), 16));
            return new Token(TokenKind.Integer, source[start..position], line, Integer: unchecked((long)value));
        }
        bool isFloat = false;
        while (position < source.Length && char.IsDigit(source[position])) position++;
        if (position < source.Length && source[position] == '.')
        {
            isFloat = true;
            position++;
            while (position < source.Length && char.IsDigit(source[position])) position++;
        }
        if (position < source.Length && source[position] is 'e' or 'E')
        {
            isFloat = true;
            position++;
            if (position < source.Length && source[position] is '+' or '-') position++;
            int digits = position;
            while (position < source.Length && char.IsDigit(source[position])) position++;
            if (digits == position) throw new LuaSyntaxException(line, $"malformed number near '{source[start..position]}'");
        }
        if (position < source.Length && (char.IsLetter(source[position]) || source[position] == '_'))
            throw new LuaSyntaxException(line, $"malformed number near '{source[start..(position + 1)]}'");
        string text = source[start..position];
        // A decimal integer too big for 64 bits is a float, as in Lua.
        if (!isFloat && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long integer))
            return new Token(TokenKind.Integer, text, line, Integer: integer);
        return new Token(TokenKind.Float, text, line, Float: double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture));
    }

    private static string QuotedString(string source, ref int position, ref int line)
    {
        char quote = source[position++];
        var text = new StringBuilder();
        while (true)
        {
            if (position >= source.Length || source[position] == '\n') throw new LuaSyntaxException(line, "unfinished string");
            char c = source[position++];
            if (c == quote) return text.ToString();
            if (c != '\\')
            {
                text.Append(c);
                continue;
            }
            if (position >= source.Length) throw new LuaSyntaxException(line, "unfinished string");
            char escape = source[position++];
            text.Append(escape switch
            {
                'n' => '\n',
                't' => '\t',
                'r' => '\r',
                '\\' => '\\',
                '"' => '"',
                '\'' => '\'',
                '\n' => '\n',
                _ => throw new LuaSyntaxException(line, $"invalid escape sequence '\\{escape}'"),
            });
            if (escape == '\n') line++;
        }
    }
}

using System.Text;

namespace PeJit.Specializer.Extension;

/// <summary>
/// The tokens of the stored extension program's lines (<see cref="ExtensionSerializer"/>, <see cref="MemberTable"/>):
/// words separated by spaces, where a word may hold double-quoted strings (backslash escapes as the IR's string
/// literals: <c>\"</c>, <c>\\</c>, <c>\n</c>, <c>\r</c>, <c>\t</c>, <c>\uXXXX</c>), so <c>message="a b"</c> is one word.
/// </summary>
internal static class ExtensionTokens
{
    /// <summary>A string as a quoted literal.</summary>
    public static string Quote(string text) => IR.Text.IrPrinter.QuoteLiteral(text);

    /// <summary>The words of <paramref name="line"/>.</summary>
    public static List<string> Split(string line, int lineNumber)
    {
        var words = new List<string>();
        int i = 0;
        while (i < line.Length)
        {
            if (line[i] == ' ') { i++; continue; }
            int start = i;
            bool quoted = false;
            for (; i < line.Length && (quoted || line[i] != ' '); i++)
            {
                if (line[i] == '\\' && quoted) i++;
                else if (line[i] == '"') quoted = !quoted;
            }
            if (quoted) throw Error(lineNumber, "a string is not closed");
            words.Add(line[start..i]);
        }
        return words;
    }

    /// <summary>The text of a quoted literal.</summary>
    public static string Unquote(string word, int lineNumber)
    {
        if (word.Length < 2 || word[0] != '"' || word[^1] != '"') throw Error(lineNumber, $"expected a quoted string, not '{word}'");
        var text = new StringBuilder(word.Length);
        for (int i = 1; i < word.Length - 1; i++)
        {
            char c = word[i];
            if (c != '\\') { text.Append(c); continue; }
            char escaped = word[++i];
            switch (escaped)
            {
                case 'n': text.Append('\n'); break;
                case 'r': text.Append('\r'); break;
                case 't': text.Append('\t'); break;
                case 'u':
                    text.Append((char)Convert.ToInt32(word.Substring(i + 1, 4), 16));
                    i += 4;
                    break;
                default: text.Append(escaped); break;
            }
        }
        return text.ToString();
    }

    /// <summary>An error at a line of the stored form, saying what was expected.</summary>
    public static FormatException Error(int line, string message) =>
        new($"line {line} of the stored extension program: {message}; the form is what ExtensionSerializer writes (RunTime/Specializer/README.md). Build the assembly again with pejit build.");
}

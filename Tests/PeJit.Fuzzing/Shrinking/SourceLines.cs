using System.Globalization;
using System.Text.RegularExpressions;

namespace PeJit.Fuzzing.Shrinking;

/// <summary>
/// Shrinking for languages written as source text, one statement a line (the tree-walker's and the Lua-like
/// language): the pieces are the lines that are not blank or comments, and a line gets simpler by making one
/// number smaller (0, 1, half) or by replacing one innermost parenthesized operation with its left operand. The
/// languages differ only in their comment marker and in what a number and an operation look like.
/// </summary>
public static class SourceLines
{
    /// <summary>The program's lines, without blank ones and those starting with <paramref name="comment"/>.</summary>
    public static IReadOnlyList<string> Split(string program, string comment) =>
        program.Split('\n').Where(l => l.Trim().Length > 0 && !l.TrimStart().StartsWith(comment, StringComparison.Ordinal)).ToList();

    /// <summary>The lines back into a program.</summary>
    public static string Join(IEnumerable<string> lines) => string.Concat(lines.Select(l => l + "\n"));

    /// <summary>
    /// Each simplification of one line: a <paramref name="number"/> match made smaller, or an
    /// <paramref name="operation"/> match replaced by its group 1 (the left operand).
    /// </summary>
    public static IEnumerable<string> Simplifications(string program, string comment, Regex number, Regex operation)
    {
        var lines = Split(program, comment);
        for (int i = 0; i < lines.Count; i++)
        {
            foreach (Match match in number.Matches(lines[i]))
            {
                if (!long.TryParse(match.Value, NumberStyles.None, CultureInfo.InvariantCulture, out long value) || value <= 1) continue;
                foreach (long simpler in new[] { 0, 1, value / 2 }.Distinct())
                    yield return Join(Replaced(lines, i, match, simpler.ToString(CultureInfo.InvariantCulture)));
            }
            foreach (Match match in operation.Matches(lines[i]))
                yield return Join(Replaced(lines, i, match, match.Groups[1].Value));
        }
    }

    private static List<string> Replaced(IReadOnlyList<string> lines, int line, Match match, string replacement)
    {
        var copy = lines.ToList();
        copy[line] = lines[line][..match.Index] + replacement + lines[line][(match.Index + match.Length)..];
        return copy;
    }
}

using System.Text;

namespace PeJit.TestSubjects;

/// <summary>Concatenation, interpolation, string methods, indexing, StringBuilder, null handling.</summary>
public static class Strings
{
    [Sample("hello", 3)] [Sample("", 0)]
    public static string Methods(string s, int n) =>
        s.ToUpperInvariant() + s.Length + (s.Length > 0 ? s[0] : '-') + s.Replace("l", "L") + $"[{n,3}]" + string.Concat(s, s).IndexOf('o');

    [Sample("abc")] [Sample((string?)null)]
    public static int Length(string? s) => s!.Length;

    [Sample(5)]
    public static string Builder(int n)
    {
        var builder = new StringBuilder();
        for (int i = 0; i < n; i++) builder.Append(i).Append(',');
        return builder.ToString().TrimEnd(',');
    }

    [Sample("b", "a")] [Sample("a", "a")]
    public static int Compare(string a, string b) => string.CompareOrdinal(a, b) + (a == b ? 10 : 0) + (a.Equals(b) ? 100 : 0);
}

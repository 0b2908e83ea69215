using System.Text;

namespace PeJit.Fuzzing.Differential;

/// <summary>
/// Everything a run of an interpreted program shows the outside: what it printed, what it returned or the
/// exception it threw (type and message), and the state it left in the objects the caller passed in. Two runs
/// of one program must give equal behaviours, whether the JIT compiled any of it or not.
/// </summary>
/// <param name="Output">What the program wrote.</param>
/// <param name="Result">The portal's result, formatted; null when it threw.</param>
/// <param name="Exception">The exception's type and message (<c>System.DivideByZeroException: ...</c>); null when it returned.</param>
/// <param name="State">The state left in the caller's objects, formatted by the language (the operand stack and locals, the tape).</param>
public sealed record Behaviour(string Output, string? Result, string? Exception, string State)
{
    /// <summary>The behaviour of a run that returned.</summary>
    public static Behaviour Returned(string output, object? result, string state) => new(output, result?.ToString() ?? "null", null, state);

    /// <summary>The behaviour of a run that threw <paramref name="exception"/>.</summary>
    public static Behaviour Threw(string output, Exception exception, string state) =>
        new(output, null, $"{exception.GetType().FullName}: {exception.Message}", state);

    /// <summary>How the run ended, in one short phrase: <c>returned 42</c> or the exception's type.</summary>
    public string Ending => Exception is null ? $"returned {Result}" : "threw " + Exception.Split(':')[0];

    /// <summary>The parts that differ from <paramref name="other"/>: output, result, exception, state (empty when equal).</summary>
    public IReadOnlyList<string> Differences(Behaviour other)
    {
        var parts = new List<string>();
        if (Output != other.Output) parts.Add("output");
        if (Result != other.Result) parts.Add("result");
        if (Exception != other.Exception) parts.Add("exception");
        if (State != other.State) parts.Add("state");
        return parts;
    }

    /// <summary>A readable description, each part cut at <paramref name="limit"/> characters.</summary>
    public string Describe(int limit = 2000)
    {
        var text = new StringBuilder();
        text.Append("output: ").AppendLine(Quote(Output, limit));
        text.AppendLine(Exception is null ? $"result: {Result}" : $"exception: {Exception}");
        text.Append("state: ").Append(Cut(State, limit));
        return text.ToString();
    }

    /// <summary>The text as a C# string literal, cut at <paramref name="limit"/> characters.</summary>
    public static string Quote(string text, int limit)
    {
        var quoted = new StringBuilder("\"");
        foreach (char c in text.Length > limit ? text[..limit] : text)
        {
            quoted.Append(c switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                '"' => "\\\"",
                '\\' => "\\\\",
                < ' ' or > '~' => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        }
        quoted.Append('"');
        if (text.Length > limit) quoted.Append($" ... ({text.Length} characters)");
        return quoted.ToString();
    }

    private static string Cut(string text, int limit) => text.Length > limit ? text[..limit] + $" ... ({text.Length} characters)" : text;
}

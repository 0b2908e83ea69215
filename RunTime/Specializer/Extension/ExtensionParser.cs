using System.Globalization;
using System.Text.RegularExpressions;

namespace PeJit.Specializer.Extension;

/// <summary>
/// Reads the extension's text form (what <see cref="ExtensionPrinter"/> writes) back into an
/// <see cref="ExtensionListing"/> that prints to the same text. Line by line:
/// <code>
/// ; generating extension: ...                                   the header (first line)
/// graph NAME (int N, float N, ref N) [params REG, ...]          a graph
/// blockN:                                                       its blocks, in order
///   TAG [REG =] OPCODE [REG, ...] [-> blockN(REG -> REG [red], ...), ...] [; NOTE]
/// </code>
/// where <c>REG</c> is <c>vN:</c> then <c>i</c>, <c>f</c> or <c>r</c> and the register number.
/// </summary>
public static partial class ExtensionParser
{
    /// <summary>Parses a whole printed extension.</summary>
    /// <exception cref="FormatException">The text is not in the form; the message gives the line and what was expected.</exception>
    public static ExtensionListing Parse(string text)
    {
        var lines = text.Replace("\r\n", "\n").Split('\n');
        if (lines.Length == 0 || !lines[0].StartsWith(';'))
            throw Error(1, "expected the header comment ('; generating extension: ...')");
        var graphs = new List<ListedGraph>();
        int n = 1;
        while (n < lines.Length)
        {
            if (lines[n].Length == 0) { n++; continue; }
            graphs.Add(ParseGraph(lines, ref n));
        }
        return new ExtensionListing(lines[0], graphs);
    }

    private static ListedGraph ParseGraph(string[] lines, ref int n)
    {
        int headerLine = n + 1;
        var header = GraphHeader().Match(lines[n]);
        if (!header.Success) throw Error(headerLine, "expected 'graph NAME (int N, float N, ref N) [params ...]'");
        var parameters = header.Groups["params"].Success
            ? header.Groups["params"].Value.Split(", ").Select(p => Register(p, headerLine)).ToList()
            : [];
        n++;
        var blocks = new List<IReadOnlyList<ListedOp>>();
        while (n < lines.Length && lines[n].StartsWith("block", StringComparison.Ordinal))
        {
            if (lines[n] != $"block{blocks.Count}:") throw Error(n + 1, $"expected 'block{blocks.Count}:' (blocks are printed in order)");
            n++;
            var ops = new List<ListedOp>();
            for (; n < lines.Length && lines[n].StartsWith("  ", StringComparison.Ordinal); n++) ops.Add(ParseOp(lines[n][2..], n + 1));
            blocks.Add(ops);
        }
        return new ListedGraph(header.Groups["name"].Value, Number(header.Groups["int"].Value), Number(header.Groups["float"].Value),
            Number(header.Groups["ref"].Value), parameters, blocks);
    }

    private static ListedOp ParseOp(string line, int lineNumber)
    {
        // The body holds no ';' (registers, an opcode name, targets), so the first " ; " starts the note.
        int semicolon = line.IndexOf(" ; ", StringComparison.Ordinal);
        string? note = semicolon < 0 ? null : line[(semicolon + 3)..];
        string code = (semicolon < 0 ? line : line[..semicolon]).TrimEnd();
        if (code.Length < 8 || code[6] != ' ') throw Error(lineNumber, "expected a tag padded to six characters, then the op");
        string tag = code[..6].TrimEnd();
        if (tag is not ("green" or "red" or "call" or "error" or "branch")) throw Error(lineNumber, $"'{tag}' is not a tag (green, red, call, error, branch)");
        string body = code[7..];

        int arrow = body.IndexOf(" -> ", StringComparison.Ordinal);
        var targets = arrow < 0 ? [] : ParseTargets(body[(arrow + 4)..], lineNumber);
        string instruction = arrow < 0 ? body : body[..arrow];
        ListedRegister? result = null;
        int equals = instruction.IndexOf(" = ", StringComparison.Ordinal);
        if (equals >= 0)
        {
            result = Register(instruction[..equals], lineNumber);
            instruction = instruction[(equals + 3)..];
        }
        int space = instruction.IndexOf(' ');
        string opcode = space < 0 ? instruction : instruction[..space];
        var operands = space < 0 ? [] : instruction[(space + 1)..].Split(", ").Select(o => Register(o, lineNumber)).ToList();
        return new ListedOp(tag, result, opcode, operands, targets, note);
    }

    private static List<ListedTarget> ParseTargets(string text, int lineNumber)
    {
        var targets = new List<ListedTarget>();
        foreach (Match match in Target().Matches(text))
        {
            var moves = match.Groups["moves"].Value is { Length: > 0 } list
                ? list.Split(", ").Select(m => Move(m, lineNumber)).ToList()
                : [];
            targets.Add(new ListedTarget(Number(match.Groups["block"].Value), moves));
        }
        // Every character must belong to a target: what the matches skipped is a malformed one.
        if (string.Join(", ", targets) != text) throw Error(lineNumber, $"expected targets 'blockN(ARG -> PARAM [red], ...)', not '{text}'");
        return targets;
    }

    private static ListedMove Move(string text, int lineNumber)
    {
        bool red = text.EndsWith(" red", StringComparison.Ordinal);
        var parts = (red ? text[..^4] : text).Split(" -> ");
        if (parts.Length != 2) throw Error(lineNumber, $"expected 'ARG -> PARAM [red]', not '{text}'");
        return new ListedMove(Register(parts[0], lineNumber), Register(parts[1], lineNumber), red);
    }

    private static ListedRegister Register(string text, int lineNumber)
    {
        var match = RegisterForm().Match(text);
        if (!match.Success) throw Error(lineNumber, $"expected a register such as 'v7:i3' (i, f or r), not '{text}'");
        var registerClass = match.Groups["class"].Value switch { "i" => RegisterClass.Int, "f" => RegisterClass.Float, _ => RegisterClass.Ref };
        return new ListedRegister(Number(match.Groups["value"].Value), registerClass, Number(match.Groups["number"].Value));
    }

    private static int Number(string text) => int.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);

    private static FormatException Error(int line, string message) =>
        new($"line {line} of the extension text: {message}; the form is what ExtensionPrinter writes (RunTime/Specializer/README.md)");

    [GeneratedRegex(@"^graph (?<name>.+) \(int (?<int>\d+), float (?<float>\d+), ref (?<ref>\d+)\)(?: params (?<params>.+))?$")]
    private static partial Regex GraphHeader();

    [GeneratedRegex(@"block(?<block>\d+)\((?<moves>[^()]*)\)")]
    private static partial Regex Target();

    [GeneratedRegex(@"^v(?<value>\d+):(?<class>[ifr])(?<number>\d+)$")]
    private static partial Regex RegisterForm();
}

using System.Globalization;

namespace PeJit.Examples.HandlerTable;

/// <summary>
/// Assembles the machine's text form: one operation per line, <c>label:</c> lines, <c>;</c> comments,
/// functions between <c>func NAME ARITY LOCALS</c> and <c>end</c>, and an optional <c>.args N ...</c> line
/// giving <c>main</c>'s default arguments.
/// </summary>
public static class Assembler
{
    private static readonly Dictionary<string, Op> Mnemonics = new()
    {
        ["push"] = Op.Push, ["pop"] = Op.Pop, ["dup"] = Op.Dup, ["add"] = Op.Add, ["sub"] = Op.Sub, ["mul"] = Op.Mul,
        ["div"] = Op.Div, ["mod"] = Op.Mod, ["eq"] = Op.Eq, ["lt"] = Op.Lt, ["gt"] = Op.Gt, ["jump"] = Op.Jump,
        ["jz"] = Op.JumpIfZero, ["jnz"] = Op.JumpIfNotZero, ["load"] = Op.Load, ["store"] = Op.Store,
        ["call"] = Op.Call, ["ret"] = Op.Return, ["print"] = Op.Print,
    };

    private static bool TakesOperand(Op op) =>
        op is Op.Push or Op.Jump or Op.JumpIfZero or Op.JumpIfNotZero or Op.Load or Op.Store or Op.Call;

    /// <summary>Assembles <paramref name="source"/>.</summary>
    /// <exception cref="AssemblerException">The source has an error; the message gives its line.</exception>
    public static Code Assemble(string source)
    {
        var lines = source.Split('\n').Select(l => l.Split(';')[0].Trim()).ToList();
        // Pass 1: functions and label addresses.
        var functions = new List<Function>();
        var labels = new Dictionary<string, int>();
        var defaults = Array.Empty<long>();
        int address = 0;
        string? function = null;
        for (int n = 0; n < lines.Count; n++)
        {
            var words = Words(lines[n]);
            if (words.Length == 0) continue;
            string where = $"line {n + 1}";
            if (words[0] == ".args") { defaults = words.Skip(1).Select(w => Number(w, where)).ToArray(); continue; }
            if (words[0] == "func")
            {
                if (words.Length != 4) throw new AssemblerException($"{where}: write 'func NAME ARITY LOCALS'");
                function = words[1];
                if (functions.Any(f => f.Name == function)) throw new AssemblerException($"{where}: function '{function}' is defined twice");
                int arity = (int)Number(words[2], where), locals = (int)Number(words[3], where);
                functions.Add(new Function(function, address, arity, Math.Max(arity, locals)));
                continue;
            }
            if (words[0] == "end") { function = null; continue; }
            if (function is null) throw new AssemblerException($"{where}: '{lines[n]}' is outside a function");
            if (words[0].EndsWith(':'))
            {
                if (!labels.TryAdd($"{function}.{words[0][..^1]}", address)) throw new AssemblerException($"{where}: label '{words[0][..^1]}' is defined twice");
                continue;
            }
            if (!Mnemonics.TryGetValue(words[0], out var op)) throw new AssemblerException($"{where}: unknown operation '{words[0]}'");
            if (TakesOperand(op) != (words.Length == 2)) throw new AssemblerException($"{where}: '{words[0]}' takes {(TakesOperand(op) ? "one operand" : "no operand")}");
            address += words.Length;
        }
        // Pass 2: code.
        var ops = new List<int>();
        function = null;
        for (int n = 0; n < lines.Count; n++)
        {
            var words = Words(lines[n]);
            if (words.Length == 0 || words[0] == ".args" || words[0].EndsWith(':') || words[0] == "end") continue;
            if (words[0] == "func") { function = words[1]; continue; }
            string where = $"line {n + 1}";
            var op = Mnemonics[words[0]];
            ops.Add((int)op);
            if (words.Length < 2) continue;
            ops.Add(op switch
            {
                Op.Jump or Op.JumpIfZero or Op.JumpIfNotZero => labels.TryGetValue($"{function}.{words[1]}", out int target)
                    ? target : throw new AssemblerException($"{where}: no label '{words[1]}' in function '{function}'"),
                Op.Call => functions.FindIndex(f => f.Name == words[1]) is var index and >= 0
                    ? index : throw new AssemblerException($"{where}: no function '{words[1]}'"),
                Op.Load or Op.Store => (int)Number(words[1], where) is var local and >= 0 && local < functions.First(f => f.Name == function).Locals
                    ? local : throw new AssemblerException($"{where}: '{function}' has no local {words[1]}"),
                _ => Number(words[1], where) is var value and >= int.MinValue and <= int.MaxValue
                    ? (int)value : throw new AssemblerException($"{where}: '{words[1]}' does not fit in 32 bits"),
            });
        }
        var code = new Code([.. ops], [.. functions], defaults);
        _ = code.Main;
        return code;
    }

    private static string[] Words(string line) => line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);

    private static long Number(string word, string where) =>
        long.TryParse(word, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long value)
            ? value : throw new AssemblerException($"{where}: '{word}' is not a number");
}

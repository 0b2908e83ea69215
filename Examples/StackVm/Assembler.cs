using System.Globalization;

namespace PeJit.Examples.StackVm;

/// <summary>
/// Assembles the stack VM's text form: one instruction per line, <c>label:</c> lines, <c>;</c> comments,
/// functions between <c>func NAME ARITY LOCALS</c> and <c>end</c>, and an optional <c>.args N ...</c> line
/// giving <c>main</c>'s default arguments.
/// </summary>
public static class Assembler
{
    private static readonly Dictionary<string, OpCode> Mnemonics = new()
    {
        ["push"] = OpCode.Push, ["pop"] = OpCode.Pop, ["dup"] = OpCode.Dup, ["swap"] = OpCode.Swap, ["over"] = OpCode.Over,
        ["add"] = OpCode.Add, ["sub"] = OpCode.Sub, ["mul"] = OpCode.Mul, ["div"] = OpCode.Div, ["mod"] = OpCode.Mod,
        ["neg"] = OpCode.Neg, ["eq"] = OpCode.Eq, ["lt"] = OpCode.Lt, ["gt"] = OpCode.Gt, ["jump"] = OpCode.Jump,
        ["jz"] = OpCode.JumpIfZero, ["jnz"] = OpCode.JumpIfNotZero, ["load"] = OpCode.Load, ["store"] = OpCode.Store,
        ["call"] = OpCode.Call, ["ret"] = OpCode.Return, ["print"] = OpCode.Print,
    };

    private static bool TakesOperand(OpCode op) =>
        op is OpCode.Push or OpCode.Jump or OpCode.JumpIfZero or OpCode.JumpIfNotZero or OpCode.Load or OpCode.Store or OpCode.Call;

    /// <summary>Assembles <paramref name="source"/>.</summary>
    /// <exception cref="AssemblerException">The source has an error; the message gives its line.</exception>
    public static Code Assemble(string source)
    {
        var lines = source.Split('\n').Select(l => l.Split(';')[0].Trim()).ToList();
        // Pass 1: function names and label addresses.
        var functions = new List<(string Name, int Arity, int Locals, int Entry)>();
        var labels = new Dictionary<string, int>();
        var defaults = Array.Empty<long>();
        int address = 0;
        string? function = null;
        for (int n = 0; n < lines.Count; n++)
        {
            var words = lines[n].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (words.Length == 0) continue;
            string where = $"line {n + 1}";
            if (words[0] == ".args") { defaults = words.Skip(1).Select(w => Number(w, where)).ToArray(); continue; }
            if (words[0] == "func")
            {
                if (words.Length != 4) throw new AssemblerException($"{where}: write 'func NAME ARITY LOCALS'");
                function = words[1];
                functions.Add((function, (int)Number(words[2], where), (int)Number(words[3], where), address));
                continue;
            }
            if (words[0] == "end") { function = null; continue; }
            if (function is null) throw new AssemblerException($"{where}: '{lines[n]}' is outside a function");
            if (words[0].EndsWith(':'))
            {
                labels[$"{function}.{words[0][..^1]}"] = address;
                continue;
            }
            if (!Mnemonics.TryGetValue(words[0], out var op)) throw new AssemblerException($"{where}: unknown instruction '{words[0]}'");
            if (TakesOperand(op) != (words.Length == 2)) throw new AssemblerException($"{where}: '{words[0]}' takes {(TakesOperand(op) ? "one operand" : "no operand")}");
            address += words.Length;
        }
        // Pass 2: code.
        var ops = new List<long>();
        function = null;
        for (int n = 0; n < lines.Count; n++)
        {
            var words = lines[n].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (words.Length == 0 || words[0] == ".args" || words[0].EndsWith(':')) continue;
            if (words[0] == "func") { function = words[1]; continue; }
            if (words[0] == "end") continue;
            string where = $"line {n + 1}";
            var op = Mnemonics[words[0]];
            ops.Add((long)op);
            if (words.Length < 2) continue;
            ops.Add(op switch
            {
                OpCode.Jump or OpCode.JumpIfZero or OpCode.JumpIfNotZero => labels.TryGetValue($"{function}.{words[1]}", out int target)
                    ? target : throw new AssemblerException($"{where}: no label '{words[1]}' in function '{function}'"),
                OpCode.Call => functions.FindIndex(f => f.Name == words[1]) is var index and >= 0
                    ? index : throw new AssemblerException($"{where}: no function '{words[1]}'"),
                _ => Number(words[1], where),
            });
        }
        var table = functions.Select(f => new Function(f.Name, f.Entry, f.Arity, Math.Max(f.Locals, f.Arity))).ToArray();
        var code = new Code(ops.ToArray(), table, defaults);
        _ = code.Main;
        return code;
    }

    private static long Number(string word, string where) =>
        long.TryParse(word, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long value)
            ? value : throw new AssemblerException($"{where}: '{word}' is not a number");
}

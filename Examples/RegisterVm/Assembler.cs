using System.Globalization;

namespace PeJit.Examples.RegisterVm;

/// <summary>
/// Assembles the register machine's text form: one instruction per line, operands separated by commas or
/// spaces (<c>add r2, r0, r1</c>), <c>label:</c> lines, <c>;</c> comments, functions between
/// <c>func NAME ARITY REGISTERS</c> and <c>end</c>, and an optional <c>.args N ...</c> line giving
/// <c>main</c>'s default arguments. <c>loadk rA, N</c> puts N in the constant pool (once per value).
/// </summary>
public static class Assembler
{
    private enum Operand { Register, Constant, Label, Function }

    private static readonly Dictionary<string, (Op Op, Operand[] Operands)> Mnemonics = new()
    {
        ["loadk"] = (Op.LoadConst, [Operand.Register, Operand.Constant]),
        ["move"] = (Op.Move, [Operand.Register, Operand.Register]),
        ["add"] = (Op.Add, [Operand.Register, Operand.Register, Operand.Register]),
        ["sub"] = (Op.Sub, [Operand.Register, Operand.Register, Operand.Register]),
        ["mul"] = (Op.Mul, [Operand.Register, Operand.Register, Operand.Register]),
        ["div"] = (Op.Div, [Operand.Register, Operand.Register, Operand.Register]),
        ["mod"] = (Op.Mod, [Operand.Register, Operand.Register, Operand.Register]),
        ["neg"] = (Op.Neg, [Operand.Register, Operand.Register]),
        ["eq"] = (Op.Eq, [Operand.Register, Operand.Register, Operand.Register]),
        ["lt"] = (Op.Lt, [Operand.Register, Operand.Register, Operand.Register]),
        ["le"] = (Op.Le, [Operand.Register, Operand.Register, Operand.Register]),
        ["jump"] = (Op.Jump, [Operand.Label]),
        ["jz"] = (Op.JumpIfZero, [Operand.Register, Operand.Label]),
        ["jnz"] = (Op.JumpIfNotZero, [Operand.Register, Operand.Label]),
        ["print"] = (Op.Print, [Operand.Register]),
        ["call"] = (Op.Call, [Operand.Register, Operand.Function, Operand.Register]),
        ["ret"] = (Op.Return, [Operand.Register]),
    };

    /// <summary>Assembles <paramref name="source"/>.</summary>
    /// <exception cref="AssemblerException">The source has an error; the message gives its line.</exception>
    public static Code Assemble(string source)
    {
        var lines = source.Split('\n').Select(l => l.Split(';')[0].Replace(',', ' ').Trim()).ToList();
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
                if (words.Length != 4) throw new AssemblerException($"{where}: write 'func NAME ARITY REGISTERS'");
                if (function is not null) throw new AssemblerException($"{where}: function '{function}' has no 'end'");
                function = words[1];
                if (functions.Any(f => f.Name == function)) throw new AssemblerException($"{where}: function '{function}' is defined twice");
                int arity = (int)Number(words[2], where), registers = (int)Number(words[3], where);
                if (arity < 0 || registers < arity) throw new AssemblerException($"{where}: a function needs at least as many registers as arguments");
                functions.Add(new Function(function, address, arity, registers));
                continue;
            }
            if (words[0] == "end") { function = null; continue; }
            if (function is null) throw new AssemblerException($"{where}: '{lines[n]}' is outside a function");
            if (words[0].EndsWith(':'))
            {
                if (!labels.TryAdd($"{function}.{words[0][..^1]}", address)) throw new AssemblerException($"{where}: label '{words[0][..^1]}' is defined twice");
                continue;
            }
            if (!Mnemonics.TryGetValue(words[0], out var form)) throw new AssemblerException($"{where}: unknown instruction '{words[0]}'");
            if (words.Length - 1 != form.Operands.Length)
                throw new AssemblerException($"{where}: '{words[0]}' takes {form.Operands.Length} operand(s): {string.Join(", ", form.Operands).ToLowerInvariant()}");
            address++;
        }
        if (function is not null) throw new AssemblerException($"function '{function}' has no 'end'");

        // Pass 2: instructions and constants.
        var instructions = new List<Instr>();
        var constants = new List<long>();
        var constantIndex = new Dictionary<long, int>();
        Function? current = null;
        for (int n = 0; n < lines.Count; n++)
        {
            var words = Words(lines[n]);
            if (words.Length == 0 || words[0] == ".args" || words[0].EndsWith(':') || words[0] == "end") continue;
            if (words[0] == "func") { current = functions.First(f => f.Name == words[1]); continue; }
            string where = $"line {n + 1}";
            var (op, operands) = Mnemonics[words[0]];
            var values = new int[3];
            for (int i = 0; i < operands.Length; i++)
            {
                string word = words[i + 1];
                values[i] = operands[i] switch
                {
                    Operand.Register => Register(word, current!, where),
                    Operand.Constant => ConstantIndex(Number(word, where)),
                    Operand.Label => labels.TryGetValue($"{current!.Name}.{word}", out int target)
                        ? target : throw new AssemblerException($"{where}: no label '{word}' in function '{current.Name}'"),
                    _ => functions.FindIndex(f => f.Name == word) is var index and >= 0
                        ? index : throw new AssemblerException($"{where}: no function '{word}'"),
                };
            }
            if (op == Op.Call && values[2] + functions[values[1]].Arity > current!.Registers)
                throw new AssemblerException($"{where}: '{functions[values[1]].Name}' takes {functions[values[1]].Arity} argument(s) from r{values[2]} on, past the last register");
            instructions.Add(new Instr(op, values[0], values[1], values[2]));
        }
        var code = new Code([.. instructions], [.. constants], [.. functions], defaults);
        _ = code.Main;
        return code;

        int ConstantIndex(long value)
        {
            if (!constantIndex.TryGetValue(value, out int index))
            {
                index = constants.Count;
                constants.Add(value);
                constantIndex.Add(value, index);
            }
            return index;
        }
    }

    private static string[] Words(string line) => line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);

    private static int Register(string word, Function function, string where) =>
        word.Length > 1 && word[0] == 'r' && int.TryParse(word[1..], NumberStyles.None, CultureInfo.InvariantCulture, out int register)
            ? register < function.Registers ? register
                : throw new AssemblerException($"{where}: '{word}' is past the last register of '{function.Name}' (r{function.Registers - 1})")
            : throw new AssemblerException($"{where}: '{word}' is not a register (write r0, r1, ...)");

    private static long Number(string word, string where) =>
        long.TryParse(word, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long value)
            ? value : throw new AssemblerException($"{where}: '{word}' is not a number");
}

using System.Globalization;

namespace PeJit.Examples.Wasm;

/// <summary>
/// Assembles the flat WebAssembly text format (one instruction a line, i64 only) into <see cref="Code"/>:
/// resolves named locals, labels and functions, and writes each block's matching <c>end</c> (and an <c>if</c>'s
/// <c>else</c>) into its instruction, as a wasm decoder's validation pass does. See README.md for the syntax.
/// </summary>
public static class Assembler
{
    private static readonly Dictionary<string, Op> Plain = new()
    {
        ["unreachable"] = Op.Unreachable, ["nop"] = Op.Nop, ["drop"] = Op.Drop, ["select"] = Op.Select,
        ["i64.add"] = Op.Add, ["i64.sub"] = Op.Sub, ["i64.mul"] = Op.Mul, ["i64.div_s"] = Op.DivS, ["i64.rem_s"] = Op.RemS,
        ["i64.and"] = Op.And, ["i64.or"] = Op.Or, ["i64.xor"] = Op.Xor, ["i64.shl"] = Op.Shl, ["i64.shr_s"] = Op.ShrS,
        ["i64.eqz"] = Op.Eqz, ["i64.eq"] = Op.Eq, ["i64.ne"] = Op.Ne, ["i64.lt_s"] = Op.LtS, ["i64.gt_s"] = Op.GtS,
        ["i64.le_s"] = Op.LeS, ["i64.ge_s"] = Op.GeS, ["print"] = Op.Print,
    };

    private sealed class Block(Op op, int start, string? name, int arity)
    {
        public readonly Op Op = op;
        public readonly int Start = start;
        public readonly string? Name = name;
        public readonly int Arity = arity;
        public int Else = -1;

        /// <summary>The value stack's height (from the function's base) when the block was entered.</summary>
        public int Height;

        /// <summary>Branches out of this block, to be given its end's pc once it is known: (instruction, or -1) and (table, entry).</summary>
        public readonly List<(int Instruction, int Table, int Entry)> Pending = [];
    }

    public static Code Assemble(string source)
    {
        var lines = source.Split('\n').Select((text, i) => (Number: i + 1, Tokens: Tokenize(text))).Where(l => l.Tokens.Length > 0).ToList();
        var functionIndex = new Dictionary<string, int>();
        var signatures = new List<(int Parameters, int Results)>();
        foreach (var (number, tokens) in lines)
            if (tokens[0] == "func")
            {
                string name = tokens.Length > 1 ? tokens[1] : throw Error(number, "'func' needs a name");
                if (!functionIndex.TryAdd(name, functionIndex.Count)) throw Error(number, $"function '{name}' is defined twice");
                int p = 0, r = 0;
                ParseSignature(number, tokens, 2, [], ref p, ref r);
                signatures.Add((p, r));
            }

        var instructions = new List<Instr>();
        var functions = new Function?[functionIndex.Count];
        var tables = new List<Instr[]>();
        int memoryWords = 0;
        long defaultArgument = 0;
        string? current = null;
        int entry = 0, parameters = 0, results = 0;
        Dictionary<string, int> locals = [];
        var blocks = new List<Block>();
        // The function's own label: `return` and branches to the outermost depth go to its closing `end`.
        var functionBranches = new List<(int Instruction, int Table, int Entry)>();
        // The value stack's height where the next instruction runs (validation's: every instruction has a fixed effect),
        // and whether it can run at all (code after br, return or unreachable cannot, up to the next else or end).
        int height = 0;
        bool reachable = true;

        foreach (var (number, tokens) in lines)
        {
            string op = tokens[0];
            if (current == null)
            {
                switch (op)
                {
                    case "memory": memoryWords = (int)Number(number, tokens, 1); continue;
                    case "args": defaultArgument = Number(number, tokens, 1); continue;
                    case "func":
                        current = tokens[1];
                        entry = instructions.Count;
                        locals = [];
                        parameters = results = 0;
                        ParseSignature(number, tokens, 2, locals, ref parameters, ref results);
                        blocks.Clear();
                        functionBranches.Clear();
                        height = 0;
                        reachable = true;
                        continue;
                    default: throw Error(number, $"'{op}' outside a function (expected 'func', 'memory' or 'args')");
                }
            }

            int Local(int at)
            {
                string name = Operand(number, tokens, at);
                if (locals.TryGetValue(name, out int index)) return index;
                if (int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out index) && index < locals.Count) return index;
                throw Error(number, $"no local '{name}' in function '{current}'");
            }
            int Depth(string name)
            {
                if (int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out int depth))
                    return depth <= blocks.Count ? depth : throw Error(number, $"label depth {depth} is past the function's outermost block");
                for (int i = blocks.Count - 1; i >= 0; i--)
                    if (blocks[i].Name == name) return blocks.Count - 1 - i;
                throw Error(number, $"no enclosing block, loop or if labelled '{name}'");
            }
            // A branch's target is worked out here, once, as a wasm engine's validation pass does: the loop's first
            // instruction, or the pc past the block's `end` (patched in when the `end` is read), or the function's `end`.
            Instr BranchTo(Op branch, int depth, int table, int entry)
            {
                int instruction = table < 0 ? instructions.Count : -1;
                int Drop(int kept) => reachable ? height - kept : 0;
                if (depth == blocks.Count)
                {
                    functionBranches.Add((instruction, table, entry));
                    return new Instr(branch, depth, 0, (int)LabelKind.Function, Drop(results), results);
                }
                var block = blocks[blocks.Count - 1 - depth];
                if (block.Op == Op.Loop) return new Instr(branch, depth, block.Start + 1, (int)LabelKind.Loop, Drop(block.Height), 0);
                block.Pending.Add((instruction, table, entry));
                return new Instr(branch, depth, 0, (int)(block.Op == Op.If ? LabelKind.If : LabelKind.Block), Drop(block.Height + block.Arity), block.Arity);
            }
            (string? Name, int Arity) BlockType(int at)
            {
                string? name = tokens.Length > at && tokens[at].StartsWith('$') ? tokens[at++] : null;
                int arity = tokens.Length > at && tokens[at] == "(result)" ? 1 : 0;
                return (name, arity);
            }

            if (Plain.TryGetValue(op, out var plain))
            {
                instructions.Add(new Instr(plain));
                height += plain switch
                {
                    Op.Nop or Op.Eqz or Op.Unreachable => 0,
                    Op.Select => -2,
                    _ => -1, // drop, print, and the binary operations
                };
                if (plain == Op.Unreachable) reachable = false;
                if (reachable && height < 0) throw Error(number, $"'{op}' pops a value the stack does not have");
                continue;
            }
            switch (op)
            {
                case "block":
                case "loop":
                case "if":
                {
                    var (name, arity) = BlockType(1);
                    if (op == "if") height--;
                    blocks.Add(new Block(op == "block" ? Op.Block : op == "loop" ? Op.Loop : Op.If, instructions.Count, name, arity) { Height = height });
                    instructions.Add(default);
                    break;
                }
                case "else":
                {
                    if (blocks.Count == 0 || blocks[^1].Op != Op.If || blocks[^1].Else >= 0) throw Error(number, "'else' without an 'if'");
                    blocks[^1].Else = instructions.Count;
                    instructions.Add(BranchTo(Op.Else, 0, -1, 0));
                    height = blocks[^1].Height;
                    reachable = true;
                    break;
                }
                case "end":
                {
                    int at = instructions.Count;
                    instructions.Add(new Instr(Op.End, 0, 0, (int)(blocks.Count == 0 ? LabelKind.Function : LabelKind.Block)));
                    if (blocks.Count == 0)
                    {
                        if (reachable && height != results)
                            throw Error(number, $"function '{current}' ends with {height} value(s) on the stack, not {results}");
                        Patch(instructions, tables, functionBranches, at);
                        functions[functionIndex[current]] = new Function(current, entry, at, parameters, locals.Count, results);
                        current = null;
                        break;
                    }
                    var block = blocks[^1];
                    blocks.RemoveAt(blocks.Count - 1);
                    Patch(instructions, tables, block.Pending, at + 1);
                    height = block.Height + block.Arity;
                    reachable = true;
                    instructions[block.Start] = block.Op switch
                    {
                        // A false condition goes to the else arm, or to this `end` (which pops the label) when there is none.
                        Op.If => new Instr(Op.If, at + 1, block.Arity, block.Else >= 0 ? block.Else + 1 : at),
                        _ => new Instr(block.Op, at + 1, block.Arity),
                    };
                    break;
                }
                case "br": instructions.Add(BranchTo(Op.Br, Depth(Operand(number, tokens, 1)), -1, 0)); reachable = false; break;
                case "br_if": height--; instructions.Add(BranchTo(Op.BrIf, Depth(Operand(number, tokens, 1)), -1, 0)); break;
                case "return": instructions.Add(BranchTo(Op.Return, blocks.Count, -1, 0)); reachable = false; break;
                case "br_table":
                {
                    if (tokens.Length < 2) throw Error(number, "'br_table' needs at least its default label");
                    height--;
                    int table = tables.Count;
                    tables.Add(tokens.Skip(1).Select((label, entry) => BranchTo(Op.Br, Depth(label), table, entry)).ToArray());
                    instructions.Add(new Instr(Op.BrTable, table));
                    reachable = false;
                    break;
                }
                case "call":
                {
                    string name = Operand(number, tokens, 1);
                    instructions.Add(new Instr(Op.Call, functionIndex.TryGetValue(name, out int index) ? index : throw Error(number, $"no function '{name}'")));
                    height += signatures[index].Results - signatures[index].Parameters;
                    break;
                }
                case "local.get": instructions.Add(new Instr(Op.LocalGet, Local(1))); height++; break;
                case "local.set": instructions.Add(new Instr(Op.LocalSet, Local(1))); height--; break;
                case "local.tee": instructions.Add(new Instr(Op.LocalTee, Local(1))); break;
                case "i64.const": instructions.Add(new Instr(Op.Const, Number(number, tokens, 1))); height++; break;
                case "i64.load": instructions.Add(new Instr(Op.Load, Offset(number, tokens))); break;
                case "i64.store": instructions.Add(new Instr(Op.Store, Offset(number, tokens))); height -= 2; break;
                default: throw Error(number, $"unknown instruction '{op}'");
            }
        }
        if (current != null) throw new AssemblerException($"function '{current}' has no 'end'");
        if (!functionIndex.TryGetValue("$main", out int main)) throw new AssemblerException("the program has no function '$main'");
        return new Code([.. instructions], functions!, [.. tables], main, memoryWords, defaultArgument);
    }

    /// <summary>Gives each pending branch its target <paramref name="pc"/> (in <see cref="Instr.B"/>).</summary>
    private static void Patch(List<Instr> instructions, List<Instr[]> tables, List<(int Instruction, int Table, int Entry)> pending, int pc)
    {
        static Instr With(Instr branch, int pc) => new(branch.Op, branch.A, pc, branch.C, branch.Drop, branch.Keep);
        foreach (var (instruction, table, entry) in pending)
            if (instruction >= 0) instructions[instruction] = With(instructions[instruction], pc);
            else tables[table][entry] = With(tables[table][entry], pc);
    }

    private static void ParseSignature(int number, string[] tokens, int at, Dictionary<string, int> locals, ref int parameters, ref int results)
    {
        // (param $a $b) (local $c) (result): each group is written together, as in the wasm text format.
        string rest = string.Join(' ', tokens.Skip(at));
        foreach (var group in rest.Split('(', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var words = group.TrimEnd(')').Split(' ', StringSplitOptions.RemoveEmptyEntries);
            switch (words.FirstOrDefault())
            {
                case "param":
                    if (locals.Count > parameters) throw Error(number, "(param ...) must come before (local ...)");
                    foreach (var w in words.Skip(1)) { if (!locals.TryAdd(w, locals.Count)) throw Error(number, $"local '{w}' is declared twice"); parameters++; }
                    break;
                case "local":
                    foreach (var w in words.Skip(1)) if (!locals.TryAdd(w, locals.Count)) throw Error(number, $"local '{w}' is declared twice");
                    break;
                case "result": results = 1; break;
                default: throw Error(number, $"unknown '({group}' in the function's signature (expected param, local or result)");
            }
        }
    }

    private static long Offset(int number, string[] tokens)
    {
        if (tokens.Length < 2) return 0;
        string text = tokens[1].StartsWith("offset=", StringComparison.Ordinal) ? tokens[1]["offset=".Length..] : tokens[1];
        return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long n) ? n : throw Error(number, $"'{tokens[1]}' is not an offset");
    }

    private static string Operand(int number, string[] tokens, int at) =>
        tokens.Length > at ? tokens[at] : throw Error(number, $"'{tokens[0]}' needs an operand");

    private static long Number(int number, string[] tokens, int at) =>
        long.TryParse(Operand(number, tokens, at), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long n) ? n
            : throw Error(number, $"'{tokens[at]}' is not a number");

    private static string[] Tokenize(string line)
    {
        int comment = line.IndexOf(";;", StringComparison.Ordinal);
        if (comment >= 0) line = line[..comment];
        return line.Split([' ', '\t', '\r'], StringSplitOptions.RemoveEmptyEntries);
    }

    private static AssemblerException Error(int line, string message) => new($"line {line}: {message}");
}

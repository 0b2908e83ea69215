using PeJit.Examples.Lua.Syntax;
using PeJit.Examples.Lua.Values;

namespace PeJit.Examples.Lua.Compiler;

/// <summary>
/// Compiles a parsed chunk to <see cref="Code"/>: each function separately (<see cref="FunctionCompiler"/>),
/// then laid out one after the other with their jump targets moved to where they land, sharing one constant pool.
/// </summary>
public sealed class BytecodeCompiler
{
    private readonly List<LuaValue> constants = [];
    private readonly Dictionary<LuaValue, int> constantIndex = [];
    private readonly List<FunctionCompiler.Compiled?> functions = [];

    /// <summary>Parses and compiles <paramref name="source"/>.</summary>
    public static Code Compile(string source) => Compile(Parser.Parse(source));

    /// <summary>Compiles a parsed chunk.</summary>
    public static Code Compile(FunctionBody chunk)
    {
        var compiler = new BytecodeCompiler();
        compiler.CompileFunction(chunk, null);
        return compiler.Link();
    }

    /// <summary>The index of a constant (numbers and strings; each value once).</summary>
    internal int Constant(LuaValue value)
    {
        if (constantIndex.TryGetValue(value, out int index)) return index;
        constants.Add(value);
        constantIndex[value] = constants.Count - 1;
        return constants.Count - 1;
    }

    /// <summary>Compiles a function (nested in <paramref name="parent"/>); returns its prototype index.</summary>
    internal int CompileFunction(FunctionBody body, FunctionCompiler? parent)
    {
        int index = functions.Count;
        functions.Add(null);
        functions[index] = new FunctionCompiler(this, body, parent).Compile();
        return index;
    }

    private Code Link()
    {
        var instructions = new List<Instruction>();
        var lines = new List<int>();
        var prototypes = new List<Prototype>();
        foreach (var function in functions)
        {
            int entry = instructions.Count;
            prototypes.Add(new Prototype(function!.Name, function.Line, entry, function.Parameters, function.Registers, function.Cells, function.Upvalues));
            foreach (var instruction in function.Instructions)
                instructions.Add(instruction.Op is OpCode.Jump or OpCode.JumpIfFalse or OpCode.JumpIfTrue or OpCode.ForPrepare or OpCode.ForLoop
                    ? instruction with { B = instruction.B + entry }
                    : instruction);
            lines.AddRange(function.Lines);
        }
        return new Code([.. instructions], [.. lines], [.. constants], [.. prototypes]);
    }
}

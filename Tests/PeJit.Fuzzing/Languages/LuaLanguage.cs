using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using PeJit.Examples.Lua;
using PeJit.Examples.Lua.Compiler;
using PeJit.Examples.Lua.Syntax;
using PeJit.Examples.Lua.Values;
using PeJit.Fuzzing.Differential;
using PeJit.Fuzzing.Shrinking;
using PeJit.Fuzzing.Generation;
using PeJit.Fuzzing.Termination;
using PeJit.Runtime;
using PeJit.Specializer.Engine;

namespace PeJit.Fuzzing.Languages;

/// <summary>
/// The Lua-like language (Examples/Lua): programs are source text, compiled to the example's register bytecode;
/// the portal is <c>Interpreter.Run(code, pc, frame)</c>, green the pc and the code object. What the caller
/// observes: the output, the exception (a <c>LuaError</c> whose message carries the line), and the chunk's
/// registers (numbers, strings, booleans by value, tables by content). A table's or a function's address
/// (<c>table: 0x...</c>, from its identity hash) differs from run to run, so it is left out wherever it shows.
/// </summary>
public sealed partial class LuaLanguage : FuzzLanguage
{
    /// <summary>Instructions a generated program may run; past it the generator tries again, smaller.</summary>
    public const long GenerationStepBudget = 100_000;

    private const string Fallback = "local n0 = 1\nfor i1 = 1, 5 do\n  n0 = n0 + i1\nend\nprint(n0)\n";

    /// <inheritdoc/>
    public override string Name => "lua";

    /// <inheritdoc/>
    public override string Extension => ".lua";

    /// <inheritdoc/>
    public override MethodInfo Portal => Runner.Portal;

    /// <inheritdoc/>
    public override IReadOnlyList<string> Operations { get; } = Enum.GetNames<OpCode>();

    /// <inheritdoc/>
    public override string Generate(Random random) =>
        GenerateEnding(random, LuaGenerator.Generate, GenerationStepBudget, Fallback);

    /// <inheritdoc/>
    public override BoundedRun? Check(string program)
    {
        try
        {
            return LuaStepCounter.Check(BytecodeCompiler.Compile(program), StepLimit, DepthLimit);
        }
        catch (LuaSyntaxException)
        {
            return null;
        }
    }

    /// <summary>The portal's arguments for <paramref name="code"/>, as <c>Runner.PortalArguments</c> makes them.</summary>
    private static object?[] Arguments(Code code, TextWriter output)
    {
        var state = new LuaState(code, output);
        var frame = new Frame(new LuaClosure(code.Main, []), state, [], 0, 0, 0);
        return [code, code.Main.Entry, frame];
    }

    /// <inheritdoc/>
    public override Behaviour RunPlain(string program)
    {
        var output = new StringWriter();
        var arguments = Arguments(BytecodeCompiler.Compile(program), output);
        return Outcome(output, arguments, () => Interpreter.Run((Code)arguments[0]!, (int)arguments[1]!, (Frame)arguments[2]!));
    }

    /// <inheritdoc/>
    public override Behaviour RunJitted(PortalJit jit, string program, ref object? green)
    {
        var code = green as Code ?? BytecodeCompiler.Compile(program);
        green = code;
        var output = new StringWriter();
        var arguments = Arguments(code, output);
        return Outcome(output, arguments, () => jit.Invoke(arguments));
    }

    /// <inheritdoc/>
    public override Behaviour RunWeaved(WeavedInterpreter weaved, string program, out object green)
    {
        var output = new StringWriter();
        var runner = weaved.TypeOf(typeof(Runner));
        var arguments = (object?[])runner.GetMethod(nameof(Runner.PortalArguments))!.Invoke(null, [program, output, null])!;
        green = arguments[0]!;
        return Outcome(output, arguments, () => weaved.Invoke(arguments));
    }

    private static Behaviour Outcome(StringWriter output, object?[] arguments, Action run)
    {
        var frame = arguments[2]!;
        Behaviour behaviour;
        try
        {
            run();
            behaviour = Behaviour.Returned(output.ToString(), null, State(frame));
        }
        catch (Exception e)
        {
            behaviour = Behaviour.Threw(output.ToString(), e, State(frame));
        }
        return behaviour with { Output = WithoutAddresses(behaviour.Output), Exception = behaviour.Exception is { } text ? WithoutAddresses(text) : null };
    }

    /// <summary><c>table: 0x1a2b3c4d</c> as <c>table: 0x?</c>: an identity hash, different in every run.</summary>
    private static string WithoutAddresses(string text) => Address().Replace(text, "$1: 0x?");

    [GeneratedRegex(@"\b(table|function): 0x[0-9a-f]+")]
    private static partial Regex Address();

    /// <summary>The chunk's registers. By reflection: a weaved run's values are of the weaved assembly's types.</summary>
    private static string State(object frame)
    {
        var registers = (Array)frame.GetType().GetField(nameof(Frame.Registers))!.GetValue(frame)!;
        var text = new StringBuilder("registers{");
        for (int i = 0; i < registers.Length; i++)
        {
            if (i > 0) text.Append(", ");
            Format(registers.GetValue(i), text, depth: 2);
        }
        return text.Append('}').ToString();
    }

    /// <summary>A value with its type: <c>3</c>, <c>3.0</c>, <c>"a"</c>, a table's array part and its hash part sorted by key.</summary>
    private static void Format(object? value, StringBuilder text, int depth)
    {
        switch (value?.GetType().Name)
        {
            case null: text.Append("null"); break;
            case nameof(LuaString): text.Append('"').Append(value).Append('"'); break;
            case nameof(LuaClosure) or nameof(LuaBuiltin): text.Append("function"); break;
            case nameof(LuaTable):
            {
                if (depth == 0)
                {
                    text.Append("table");
                    break;
                }
                var type = value.GetType();
                const BindingFlags Private = BindingFlags.NonPublic | BindingFlags.Instance;
                var array = (Array)type.GetField("array", Private)!.GetValue(value)!;
                int count = (int)type.GetField("count", Private)!.GetValue(value)!;
                text.Append('{');
                for (int i = 0; i < count; i++)
                {
                    if (i > 0) text.Append(", ");
                    Format(array.GetValue(i), text, depth - 1);
                }
                if (type.GetField("hash", Private)!.GetValue(value) is IDictionary hash)
                {
                    var entries = new List<string>();
                    foreach (DictionaryEntry entry in hash)
                    {
                        var key = new StringBuilder();
                        Format(entry.Key, key, 0);
                        key.Append('=');
                        Format(entry.Value, key, depth - 1);
                        entries.Add(key.ToString());
                    }
                    entries.Sort(StringComparer.Ordinal);
                    text.Append("; ").AppendJoin(", ", entries);
                }
                text.Append('}');
                break;
            }
            default: text.Append(WithoutAddresses(Convert.ToString(value, CultureInfo.InvariantCulture) ?? "")); break;
        }
    }

    /// <inheritdoc/>
    public override IEnumerable<string> OperationsIn(string program) => BytecodeCompiler.Compile(program).Instructions.Select(i => i.Op.ToString());

    /// <inheritdoc/>
    public override string? OperationAt(GreenKey key) =>
        key.Values is [int pc, { } code, ..] && FuzzLanguage.Element(code, nameof(Code.Instructions), pc) is { } instruction
            ? instruction.GetType().GetProperty(nameof(Instruction.Op))?.GetValue(instruction)?.ToString() : null;

    /// <inheritdoc/>
    public override IReadOnlyList<string> Split(string program) => SourceLines.Split(program, "--");

    /// <inheritdoc/>
    public override string Join(IEnumerable<string> pieces) => SourceLines.Join(pieces);

    /// <summary>One number of one line made smaller (0, 1, half), or one parenthesized operation replaced by its left operand.</summary>
    public override IEnumerable<string> Simplifications(string program) => SourceLines.Simplifications(program, "--", Number(), InnerOperation());

    [GeneratedRegex(@"(?<![\w.])\d+(?![\w.])")]
    private static partial Regex Number();

    /// <summary>An operation whose operands hold no parentheses: <c>(n1 + 3)</c>; group 1 the left operand.</summary>
    [GeneratedRegex(@"\((-?[\w.]+) (?:[-+*/%^<>]|//|\.\.|[=~<>]=) -?[\w.]+\)")]
    private static partial Regex InnerOperation();

    /// <summary>
    /// One comment line, the text's lines joined by <c> | </c>: errors carry the line they happen on, so a
    /// header of several lines would change what the program prints. <c>[[</c> would start a long comment.
    /// </summary>
    public override string Comment(string text) =>
        "-- " + string.Join(" | ", text.Replace("[[", "[ [").Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0)) + "\n";
}

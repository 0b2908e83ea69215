using System.Reflection;
using System.Text;
using PeJit.Examples.Brainfuck;
using PeJit.Fuzzing.Differential;
using PeJit.Fuzzing.Generation;
using PeJit.Fuzzing.Termination;
using PeJit.Runtime;
using PeJit.Specializer.Engine;

namespace PeJit.Fuzzing.Languages;

/// <summary>Brainfuck (Examples/Brainfuck): programs are text; characters other than the eight commands are comments.</summary>
public sealed class BrainfuckLanguage : FuzzLanguage
{
    /// <summary>Steps a generated program may take; past it the generator tries again, smaller.</summary>
    public const long GenerationStepBudget = 300_000;

    /// <summary>
    /// What every program reads: a few letters, then characters past 255, which the interpreter truncates to a
    /// byte; after it, end of input (0).
    /// </summary>
    public const string Input = "PeJit\n\u00ff\u0100\u20ac\uffff!";

    private const string Commands = "+-<>[].,";

    /// <inheritdoc/>
    public override string Name => "brainfuck";

    /// <inheritdoc/>
    public override string Extension => ".bf";

    /// <inheritdoc/>
    public override MethodInfo Portal => Runner.Portal;

    /// <inheritdoc/>
    public override IReadOnlyList<string> Operations { get; } = Enum.GetNames<BfOp>();

    /// <inheritdoc/>
    public override string Generate(Random random) =>
        GenerateEnding(random, BrainfuckGenerator.Generate, GenerationStepBudget, "++++++++[>++++++<-]>.\n");

    /// <inheritdoc/>
    public override BoundedRun? Check(string program)
    {
        try
        {
            return BrainfuckStepCounter.Check(BfCompiler.Compile(program), Runner.TapeLength, Input, StepLimit);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <inheritdoc/>
    public override Behaviour RunPlain(string program)
    {
        var output = new StringWriter();
        var arguments = Runner.PortalArguments(program, output, new StringReader(Input));
        return Outcome(output, arguments, () => Interpreter.Run((BfProgram)arguments[0]!, (byte[])arguments[1]!, output, (TextReader)arguments[3]!));
    }

    /// <inheritdoc/>
    public override Behaviour RunJitted(PortalJit jit, string program, ref object? green)
    {
        var output = new StringWriter();
        var arguments = Runner.PortalArguments(program, output, new StringReader(Input));
        if (green is BfProgram again) arguments[0] = again;
        green = arguments[0]!;
        return Outcome(output, arguments, () => jit.Invoke(arguments));
    }

    /// <inheritdoc/>
    public override Behaviour RunWeaved(WeavedInterpreter weaved, string program, out object green)
    {
        var output = new StringWriter();
        var runner = weaved.TypeOf(typeof(Runner));
        var arguments = (object?[])runner.GetMethod(nameof(Runner.PortalArguments))!.Invoke(null, [program, output, new StringReader(Input)])!;
        green = arguments[0]!;
        return Outcome(output, arguments, () => weaved.Invoke(arguments));
    }

    private static Behaviour Outcome(StringWriter output, object?[] arguments, Func<object?> run)
    {
        var tape = (byte[])arguments[1]!;
        var input = (TextReader)arguments[3]!;
        try
        {
            object? result = run();
            return Behaviour.Returned(output.ToString(), result, State(tape, input));
        }
        catch (Exception e)
        {
            return Behaviour.Threw(output.ToString(), e, State(tape, input));
        }
    }

    /// <summary>The tape, and how much input is left unread.</summary>
    private static string State(byte[] tape, TextReader input) => StateText.NonZero("tape", tape) + $" unread{{{input.ReadToEnd().Length}}}";

    /// <inheritdoc/>
    public override IEnumerable<string> OperationsIn(string program) => BfCompiler.Compile(program).Ops.Select(o => o.ToString());

    /// <inheritdoc/>
    public override string? OperationAt(GreenKey key) =>
        key.Values is [int pc, { } program, ..] ? FuzzLanguage.Element(program, nameof(BfProgram.Ops), pc)?.ToString() : null;

    /// <inheritdoc/>
    public override IReadOnlyList<string> Split(string program) =>
        program.Where(c => Commands.Contains(c)).Select(c => c.ToString()).ToList();

    /// <inheritdoc/>
    public override string Join(IEnumerable<string> pieces) => BrainfuckGenerator.Wrap(string.Concat(pieces));

    /// <summary>Each loop without its brackets, and without everything in it.</summary>
    public override IEnumerable<string> Simplifications(string program)
    {
        var commands = string.Concat(Split(program));
        var open = new Stack<int>();
        var pairs = new List<(int Open, int Close)>();
        for (int i = 0; i < commands.Length; i++)
        {
            if (commands[i] == '[') open.Push(i);
            else if (commands[i] == ']' && open.Count > 0) pairs.Add((open.Pop(), i));
        }
        foreach (var (start, end) in pairs.OrderByDescending(p => p.Close - p.Open))
            yield return Join([commands[..start], commands[(end + 1)..]]);
        foreach (var (start, end) in pairs)
            yield return Join([commands[..start], commands[(start + 1)..end], commands[(end + 1)..]]);
    }

    /// <summary>
    /// Comment lines, the commands in them replaced by look-alikes that are not commands (a comment must not
    /// change the program).
    /// </summary>
    public override string Comment(string text)
    {
        var safe = new StringBuilder();
        foreach (char c in text)
        {
            safe.Append(c switch
            {
                '+' => '\uff0b', '-' => '\u2010', '<' => '\u2039', '>' => '\u203a',
                '[' => '\u27e6', ']' => '\u27e7', '.' => '\u00b7', ',' => '\u201a',
                _ => c,
            });
        }
        return string.Concat(safe.ToString().Split('\n').Select(l => "# " + l + "\n"));
    }
}

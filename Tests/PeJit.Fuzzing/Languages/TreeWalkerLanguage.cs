using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using PeJit.Examples.TreeWalker;
using PeJit.Examples.TreeWalker.Ast;
using PeJit.Examples.TreeWalker.Syntax;
using PeJit.Fuzzing.Differential;
using PeJit.Fuzzing.Shrinking;
using PeJit.Fuzzing.Generation;
using PeJit.Fuzzing.Termination;
using PeJit.Runtime;
using PeJit.Specializer.Engine;

namespace PeJit.Fuzzing.Languages;

/// <summary>
/// The tree-walker (Examples/TreeWalker) with one of its two evaluators: <c>treewalker</c> the switch on the
/// node kind (portal <c>SwitchEvaluator.RunWhile</c>), <c>treewalker-virtual</c> the nodes' virtual
/// <c>Execute</c> (portal <c>WhileNode.Loop</c>). The portal is a loop of the program, its green the loop node:
/// a <see cref="PortalJit"/> runs <c>main</c>'s own statements in the plain evaluator and each of its loops
/// through the portal (as the example's tests do; loops nested in them and in the functions they call run
/// JIT-enabled once the enclosing loop's unit calls the portal, plain before); the <c>weaved</c>
/// configuration runs every loop of the program JIT-enabled. What the caller observes: the output, what
/// <c>main</c> returned (its result slot) or the exception, and <c>main</c>'s variables.
/// </summary>
public sealed partial class TreeWalkerLanguage(Evaluator evaluator) : FuzzLanguage
{
    /// <summary>Nodes a generated program may evaluate; past it the generator tries again, smaller.</summary>
    public const long GenerationStepBudget = 200_000;

    private const string Fallback = "func main() {\n    var v0 = 1;\n    print v0;\n    return v0;\n}\n";

    /// <summary>Which evaluator runs the tree.</summary>
    public Evaluator Evaluator { get; } = evaluator;

    /// <inheritdoc/>
    public override string Name => Evaluator == Evaluator.Switch ? "treewalker" : "treewalker-virtual";

    /// <inheritdoc/>
    public override string Extension => ".tw";

    /// <inheritdoc/>
    public override MethodInfo Portal => Evaluator == Evaluator.Switch ? Runner.SwitchPortal : Runner.VirtualPortal;

    /// <inheritdoc/>
    public override IReadOnlyList<string> Operations { get; } = Enum.GetNames<NodeKind>();

    /// <inheritdoc/>
    public override string Generate(Random random) =>
        GenerateEnding(random, TreeWalkerGenerator.Generate, GenerationStepBudget, Fallback);

    /// <inheritdoc/>
    public override BoundedRun? Check(string program)
    {
        try
        {
            var main = Parser.Parse(program).Main;
            if (main is null) return null;
            return TreeWalkerStepCounter.Check(main, Runner.Environment(main), StepLimit, DepthLimit);
        }
        catch (ParseException)
        {
            return null;
        }
    }

    /// <inheritdoc/>
    public override Behaviour RunPlain(string program)
    {
        var main = Parser.Parse(program).Main!;
        var env = Runner.Environment(main);
        var output = new StringWriter();
        return Outcome(output, env, main.ResultSlot, () =>
        {
            if (Evaluator == Evaluator.Switch) SwitchEvaluator.Exec(main.Body, env, output);
            else main.Body.Execute(env, output);
        });
    }

    /// <inheritdoc/>
    public override Behaviour RunJitted(PortalJit jit, string program, ref object? green)
    {
        var parsed = green as TreeWalkerProgram ?? new TreeWalkerProgram(Parser.Parse(program).Main!);
        green = parsed;
        var main = (Function)parsed.Main;
        var env = Runner.Environment(main);
        var output = new StringWriter();
        return Outcome(output, env, main.ResultSlot, () =>
        {
            foreach (var statement in main.Body.Statements)
            {
                bool returned = statement is WhileNode loop ? (bool)jit.Invoke(loop, env, output)!
                    : Evaluator == Evaluator.Switch ? SwitchEvaluator.Exec(statement, env, output) : statement.Execute(env, output);
                if (returned) break;
            }
        });
    }

    /// <inheritdoc/>
    public override Behaviour RunWeaved(WeavedInterpreter weaved, string program, out object green)
    {
        // The weaved assembly's own parser, so that its nodes are of its types and its portal runs every loop.
        var script = Call(weaved.TypeOf(typeof(Parser)), nameof(Parser.Parse), program)!;
        var main = script.GetType().GetProperty(nameof(Script.Main))!.GetValue(script)!;
        green = new TreeWalkerProgram(main);
        var env = (long[])Call(weaved.TypeOf(typeof(Runner)), nameof(Runner.Environment), main, Array.Empty<long>())!;
        int resultSlot = (int)main.GetType().GetProperty(nameof(Function.ResultSlot))!.GetValue(main)!;
        var body = main.GetType().GetField(nameof(Function.Body))!.GetValue(main)!;
        var output = new StringWriter();
        return Outcome(output, env, resultSlot, () =>
        {
            if (Evaluator == Evaluator.Switch) Call(weaved.TypeOf(typeof(SwitchEvaluator)), nameof(SwitchEvaluator.Exec), body, env, output);
            else body.GetType().GetMethod(nameof(Statement.Execute))!.Invoke(body, BindingFlags.DoNotWrapExceptions, null, [env, output], null);
        });
    }

    private static object? Call(Type type, string name, params object?[] arguments) =>
        type.GetMethod(name, BindingFlags.Public | BindingFlags.Static)!.Invoke(null, BindingFlags.DoNotWrapExceptions, null, arguments, null);

    private static Behaviour Outcome(StringWriter output, long[] env, int resultSlot, Action run)
    {
        try
        {
            run();
            return Behaviour.Returned(output.ToString(), env[resultSlot], StateText.NonZero("env", env));
        }
        catch (Exception e)
        {
            return Behaviour.Threw(output.ToString(), e, StateText.NonZero("env", env));
        }
    }

    /// <inheritdoc/>
    public override IEnumerable<string> OperationsIn(string program) => TreeWalkerProgram.Kinds(Parser.Parse(program).Main!);

    /// <inheritdoc/>
    public override string? OperationAt(GreenKey key) => key.Values is [{ } loop, ..] ? loop.GetType().GetField("Kind")?.GetValue(loop)?.ToString() : null;

    /// <summary>Every node kind under the loop the key names (its condition, its body, the functions they call): the unit unfolds them.</summary>
    public override IEnumerable<string> OperationsAt(GreenKey key) => key.Values is [{ } loop, ..] ? TreeWalkerProgram.Kinds(loop) : [];

    /// <inheritdoc/>
    public override bool Owns(object green, GreenKey entry) =>
        green is TreeWalkerProgram program && entry.Values is [{ } loop, ..] && program.Loops.Contains(loop);

    /// <inheritdoc/>
    public override IReadOnlyList<string> Split(string program) => SourceLines.Split(program, "//");

    /// <inheritdoc/>
    public override string Join(IEnumerable<string> pieces) => SourceLines.Join(pieces);

    /// <summary>One number of one line made smaller (0, 1, half), or one parenthesized operation replaced by its left operand.</summary>
    public override IEnumerable<string> Simplifications(string program) => SourceLines.Simplifications(program, "//", Number(), InnerOperation());

    [GeneratedRegex(@"\b\d+\b")]
    private static partial Regex Number();

    /// <summary>An operation whose operands hold no parentheses: <c>(a + 3)</c>; group 1 the left operand.</summary>
    [GeneratedRegex(@"\((-?\w+) (?:[-+*/%<>]|[=!<>]=) -?\w+\)")]
    private static partial Regex InnerOperation();

    /// <inheritdoc/>
    public override string Comment(string text) => string.Concat(text.Split('\n').Select(l => "// " + l + "\n"));
}

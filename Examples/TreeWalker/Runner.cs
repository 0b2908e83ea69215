using System.Reflection;
using PeJit.Examples.TreeWalker.Ast;
using PeJit.Examples.TreeWalker.Syntax;

namespace PeJit.Examples.TreeWalker;

/// <summary>Which of the two evaluators runs the tree.</summary>
public enum Evaluator
{
    /// <summary><see cref="SwitchEvaluator"/>: one switch on the node kind.</summary>
    Switch,
    /// <summary>The nodes' own <c>Execute</c> methods (virtual dispatch).</summary>
    Virtual,
}

/// <summary>Parses and runs a program's <c>main</c>.</summary>
public static class Runner
{
    /// <summary>The switch evaluator's portal: <see cref="SwitchEvaluator.RunWhile"/>.</summary>
    public static MethodInfo SwitchPortal { get; } = typeof(SwitchEvaluator).GetMethod(nameof(SwitchEvaluator.RunWhile))!;

    /// <summary>The virtual evaluator's portal: <see cref="WhileNode.Loop"/>.</summary>
    public static MethodInfo VirtualPortal { get; } = typeof(WhileNode).GetMethod(nameof(WhileNode.Loop))!;

    /// <summary>
    /// The variable array for running <paramref name="main"/> with <paramref name="args"/>: the given
    /// arguments first, the parameters' defaults for the rest.
    /// </summary>
    /// <exception cref="ParseException">Too many arguments, or a missing one without a default.</exception>
    public static long[] Environment(Function main, params long[] args)
    {
        if (args.Length > main.Arity) throw new ParseException($"'{main.Name}' takes {main.Arity} argument(s), {args.Length} given");
        var env = new long[main.Slots];
        for (int i = 0; i < main.Arity; i++)
            env[i] = i < args.Length ? args[i]
                : main.Defaults[i] ?? throw new ParseException($"'{main.Name}' needs a value for '{main.Parameters[i]}', which has no default");
        return env;
    }

    /// <summary>Runs <c>main</c> of <paramref name="source"/> with <paramref name="evaluator"/>; returns what it returns (0 without <c>return</c>).</summary>
    /// <exception cref="ParseException">The source has an error, or has no <c>main</c>, or the arguments do not fit.</exception>
    public static long Run(string source, TextWriter output, Evaluator evaluator, params long[] args)
    {
        var main = Parser.Parse(source).Main ?? throw new ParseException("the program has no function 'main'");
        var env = Environment(main, args);
        if (evaluator == Evaluator.Switch) SwitchEvaluator.Exec(main.Body, env, output);
        else main.Body.Execute(env, output);
        return env[main.ResultSlot];
    }
}

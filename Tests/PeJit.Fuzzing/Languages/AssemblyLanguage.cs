using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using PeJit.Fuzzing.Differential;
using PeJit.Fuzzing.Termination;
using PeJit.Runtime;

namespace PeJit.Fuzzing.Languages;

/// <summary>
/// What the fuzzers' assembly languages share (the stack VM's, the register machine's, the handler table's):
/// programs are text, one instruction a line with <c>;</c> comments; a static
/// <c>Runner.PortalArguments(source, output, args)</c> assembles one into the portal's arguments, the first of
/// them <c>code</c>, the program object the green keys hold, and one of them (<see cref="StateArgument"/>; the frame of
/// <c>(code, pc, frame)</c> by default) what the caller can observe afterwards; a generator is retried smaller when its program runs too long; the
/// shrinker simplifies the constants of one instruction. A subclass says only what differs.
/// </summary>
/// <typeparam name="TCode">The assembled program (the portal's first argument).</typeparam>
/// <typeparam name="TAssemblerError">What the language's assembler throws for a program it rejects.</typeparam>
public abstract class AssemblyLanguage<TCode, TAssemblerError> : FuzzLanguage
    where TCode : class
    where TAssemblerError : Exception
{
    /// <summary>Steps a generated program may take; past it the generator tries again, smaller.</summary>
    public const long GenerationStepBudget = 300_000;

    /// <summary>The example's <c>Runner.PortalArguments</c>: a static method, so that a weaved run can call the weaved assembly's own by name.</summary>
    protected abstract Func<string, TextWriter, long[], object?[]> PortalArguments { get; }

    /// <summary>One program from the generator; <paramref name="scale"/> (0 to 1) shrinks its loops and sizes.</summary>
    protected abstract string GenerateOnce(Random random, double scale);

    /// <summary>A program that ends at once: what <see cref="Generate"/> gives when every try ran too long.</summary>
    protected abstract string Fallback { get; }

    /// <summary>Runs the step-counting model on the portal's <paramref name="arguments"/> (the first, <paramref name="code"/>, cast).</summary>
    protected abstract BoundedRun Count(TCode code, object?[] arguments);

    /// <summary>Which of the portal's arguments holds what a run leaves for the caller to observe (the frame; the machine).</summary>
    protected virtual int StateArgument => 2;

    /// <summary>What the frame holds after a run, as text; by name, since a weaved run's frame is of the weaved assembly's type.</summary>
    protected abstract string StateOf(object frame);

    /// <summary>
    /// A line whose constant the shrinker may make smaller: group 1 the text before the constant, group 2 the
    /// constant, nothing after it.
    /// </summary>
    protected abstract Regex ConstantLine { get; }

    /// <inheritdoc/>
    public override string Generate(Random random) =>
        GenerateEnding(random, GenerateOnce, GenerationStepBudget, Fallback);

    /// <inheritdoc/>
    public override BoundedRun? Check(string program)
    {
        try
        {
            var arguments = PortalArguments(program, TextWriter.Null, []);
            return Count((TCode)arguments[0]!, arguments);
        }
        catch (TAssemblerError)
        {
            return null;
        }
    }

    /// <inheritdoc/>
    public override Behaviour RunPlain(string program)
    {
        var output = new StringWriter();
        var arguments = PortalArguments(program, output, []);
        return Outcome(output, arguments, () => Portal.Invoke(null, BindingFlags.DoNotWrapExceptions, null, arguments, null));
    }

    /// <inheritdoc/>
    public override Behaviour RunJitted(PortalJit jit, string program, ref object? green)
    {
        var output = new StringWriter();
        var arguments = PortalArguments(program, output, []);
        if (green is TCode again) arguments[0] = again;
        green = arguments[0]!;
        return Outcome(output, arguments, () => jit.Invoke(arguments));
    }

    /// <inheritdoc/>
    public override Behaviour RunWeaved(WeavedInterpreter weaved, string program, out object green)
    {
        var output = new StringWriter();
        var method = PortalArguments.Method;
        var runner = weaved.TypeOf(method.DeclaringType!);
        var arguments = (object?[])runner.GetMethod(method.Name)!.Invoke(null, [program, output, Array.Empty<long>()])!;
        green = arguments[0]!;
        return Outcome(output, arguments, () => weaved.Invoke(arguments));
    }

    private Behaviour Outcome(StringWriter output, object?[] arguments, Func<object?> run)
    {
        var frame = arguments[StateArgument]!;
        try
        {
            object? result = run();
            return Behaviour.Returned(output.ToString(), result, StateOf(frame));
        }
        catch (Exception e)
        {
            return Behaviour.Threw(output.ToString(), e, StateOf(frame));
        }
    }

    /// <summary>The <c>long[]</c> in the field <paramref name="name"/> of <paramref name="frame"/>.</summary>
    protected static long[] LongArray(object frame, string name) => (long[])frame.GetType().GetField(name)!.GetValue(frame)!;

    /// <inheritdoc/>
    public override IReadOnlyList<string> Split(string program) =>
        program.Split('\n').Where(l => l.Trim().Length > 0 && !l.TrimStart().StartsWith(';')).ToList();

    /// <inheritdoc/>
    public override string Join(IEnumerable<string> pieces) => string.Concat(pieces.Select(p => p + "\n"));

    /// <inheritdoc/>
    public override IEnumerable<string> Simplifications(string program)
    {
        var lines = Split(program);
        for (int i = 0; i < lines.Count; i++)
        {
            var match = ConstantLine.Match(lines[i]);
            if (!match.Success) continue;
            long value = long.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture);
            foreach (long simpler in new[] { 0, 1, value / 2, value < 0 ? -value : 0 }.Distinct())
            {
                if (Magnitude(simpler) >= Magnitude(value)) continue;
                var copy = lines.ToList();
                copy[i] = match.Groups[1].Value + simpler;
                yield return Join(copy);
            }
        }
    }

    private static ulong Magnitude(long value) => value < 0 ? (ulong)(-(value + 1)) + 1 : (ulong)value;

    /// <inheritdoc/>
    public override string Comment(string text) => string.Concat(text.Split('\n').Select(l => "; " + l + "\n"));
}

using System.Reflection;
using System.Text.RegularExpressions;
using PeJit.Examples.RegisterVm;
using PeJit.Fuzzing.Differential;
using PeJit.Fuzzing.Generation;
using PeJit.Fuzzing.Termination;
using PeJit.Runtime;
using PeJit.Specializer.Engine;

namespace PeJit.Fuzzing.Languages;

/// <summary>The register machine's assembly language (Examples/RegisterVm): programs are text, one instruction a line.</summary>
public sealed partial class RegisterVmLanguage : FuzzLanguage
{
    /// <summary>Steps a generated program may take; past it the generator tries again, smaller.</summary>
    public const long GenerationStepBudget = 300_000;

    /// <inheritdoc/>
    public override string Name => "registervm";

    /// <inheritdoc/>
    public override string Extension => ".rvm";

    /// <inheritdoc/>
    public override MethodInfo Portal => Runner.Portal;

    /// <inheritdoc/>
    public override IReadOnlyList<string> Operations { get; } = Enum.GetNames<Op>();

    /// <inheritdoc/>
    public override string Generate(Random random)
    {
        double scale = 1.0;
        for (int attempt = 0; attempt < 40; attempt++, scale *= 0.8)
        {
            string program = RegisterVmGenerator.Generate(random, scale);
            if (Check(program) is { Ends: true, Steps: <= GenerationStepBudget }) return program;
        }
        return "func main 0 2\n    loadk r0, 1\n    print r0\n    ret r0\nend\n";
    }

    /// <inheritdoc/>
    public override BoundedRun? Check(string program)
    {
        try
        {
            var arguments = Runner.PortalArguments(program, TextWriter.Null);
            var code = (Code)arguments[0]!;
            var frame = (Frame)arguments[2]!;
            return RegisterVmStepCounter.Check(code, frame.Registers[..code.Main.Arity], StepLimit, DepthLimit);
        }
        catch (AssemblerException)
        {
            return null;
        }
    }

    /// <inheritdoc/>
    public override Behaviour RunPlain(string program)
    {
        var output = new StringWriter();
        var arguments = Runner.PortalArguments(program, output);
        return Outcome(output, arguments, () => Interpreter.Run((Code)arguments[0]!, (int)arguments[1]!, (Frame)arguments[2]!));
    }

    /// <inheritdoc/>
    public override Behaviour RunJitted(PortalJit jit, string program, ref object? green)
    {
        var output = new StringWriter();
        var arguments = Runner.PortalArguments(program, output);
        if (green is Code again) arguments[0] = again;
        green = arguments[0]!;
        return Outcome(output, arguments, () => jit.Invoke(arguments));
    }

    /// <inheritdoc/>
    public override Behaviour RunWeaved(WeavedInterpreter weaved, string program, out object green)
    {
        var output = new StringWriter();
        var runner = weaved.TypeOf(typeof(Runner));
        var arguments = (object?[])runner.GetMethod(nameof(Runner.PortalArguments))!.Invoke(null, [program, output, Array.Empty<long>()])!;
        green = arguments[0]!;
        return Outcome(output, arguments, () => weaved.Invoke(arguments));
    }

    private static Behaviour Outcome(StringWriter output, object?[] arguments, Func<object?> run)
    {
        // The frame's type is the weaved assembly's own in a weaved run: its registers are read by name.
        var frame = arguments[2]!;
        string State() => StateText.NonZero("registers", (long[])frame.GetType().GetField(nameof(Frame.Registers))!.GetValue(frame)!);
        try
        {
            object? result = run();
            return Behaviour.Returned(output.ToString(), result, State());
        }
        catch (Exception e)
        {
            return Behaviour.Threw(output.ToString(), e, State());
        }
    }

    /// <inheritdoc/>
    public override IEnumerable<string> OperationsIn(string program) =>
        Assembler.Assemble(program).Instructions.Select(i => i.Op.ToString());

    /// <inheritdoc/>
    public override string? OperationAt(GreenKey key) =>
        key.Values is [int pc, { } code, ..] && FuzzLanguage.Element(code, nameof(Code.Instructions), pc) is { } instruction
            ? instruction.GetType().GetProperty(nameof(Instr.Op))?.GetValue(instruction)?.ToString()
            : null;

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
            var match = LoadConstantLine().Match(lines[i]);
            if (!match.Success) continue;
            long value = long.Parse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
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

    [GeneratedRegex(@"^(\s*loadk\s+r\d+\s*,?\s*)(-?\d+)\s*$")]
    private static partial Regex LoadConstantLine();

    /// <inheritdoc/>
    public override string Comment(string text) => string.Concat(text.Split('\n').Select(l => "; " + l + "\n"));
}

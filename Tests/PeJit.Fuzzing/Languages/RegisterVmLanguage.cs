using System.Reflection;
using System.Text.RegularExpressions;
using PeJit.Examples.RegisterVm;
using PeJit.Fuzzing.Generation;
using PeJit.Fuzzing.Termination;
using PeJit.Specializer.Engine;

namespace PeJit.Fuzzing.Languages;

/// <summary>The register machine's assembly language (Examples/RegisterVm): programs are text, one instruction a line.</summary>
public sealed partial class RegisterVmLanguage : AssemblyLanguage<Code, AssemblerException>
{
    /// <inheritdoc/>
    public override string Name => "registervm";

    /// <inheritdoc/>
    public override string Extension => ".rvm";

    /// <inheritdoc/>
    public override MethodInfo Portal => Runner.Portal;

    /// <inheritdoc/>
    public override IReadOnlyList<string> Operations { get; } = Enum.GetNames<Op>();

    /// <inheritdoc/>
    protected override Func<string, TextWriter, long[], object?[]> PortalArguments => Runner.PortalArguments;

    /// <inheritdoc/>
    protected override string GenerateOnce(Random random, double scale) => RegisterVmGenerator.Generate(random, scale);

    /// <inheritdoc/>
    protected override string Fallback => "func main 0 2\n    loadk r0, 1\n    print r0\n    ret r0\nend\n";

    /// <inheritdoc/>
    protected override BoundedRun Count(Code code, object?[] arguments) =>
        RegisterVmStepCounter.Check(code, ((Frame)arguments[2]!).Registers[..code.Main.Arity], StepLimit, DepthLimit);

    /// <inheritdoc/>
    protected override Regex ConstantLine => LoadConstantLine();

    [GeneratedRegex(@"^(\s*loadk\s+r\d+\s*,?\s*)(-?\d+)\s*$")]
    private static partial Regex LoadConstantLine();

    /// <summary>The registers of <c>main</c>'s frame.</summary>
    protected override string StateOf(object frame) => StateText.NonZero("registers", LongArray(frame, nameof(Frame.Registers)));

    /// <inheritdoc/>
    public override IEnumerable<string> OperationsIn(string program) =>
        Assembler.Assemble(program).Instructions.Select(i => i.Op.ToString());

    /// <inheritdoc/>
    public override string? OperationAt(GreenKey key) =>
        key.Values is [int pc, { } code, ..] && FuzzLanguage.Element(code, nameof(Code.Instructions), pc) is { } instruction
            ? instruction.GetType().GetProperty(nameof(Instr.Op))?.GetValue(instruction)?.ToString()
            : null;
}

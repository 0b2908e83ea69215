using System.Reflection;
using System.Text.RegularExpressions;
using PeJit.Examples.StackVm;
using PeJit.Fuzzing.Generation;
using PeJit.Fuzzing.Termination;
using PeJit.Specializer.Engine;

namespace PeJit.Fuzzing.Languages;

/// <summary>The stack VM's assembly language (Examples/StackVm): programs are text, one instruction a line.</summary>
public sealed partial class StackVmLanguage : AssemblyLanguage<Code, AssemblerException>
{
    private static readonly Dictionary<OpCode, string> Mnemonics = new()
    {
        [OpCode.Push] = "push", [OpCode.Pop] = "pop", [OpCode.Dup] = "dup", [OpCode.Swap] = "swap", [OpCode.Over] = "over",
        [OpCode.Add] = "add", [OpCode.Sub] = "sub", [OpCode.Mul] = "mul", [OpCode.Div] = "div", [OpCode.Mod] = "mod",
        [OpCode.Neg] = "neg", [OpCode.Eq] = "eq", [OpCode.Lt] = "lt", [OpCode.Gt] = "gt", [OpCode.Jump] = "jump",
        [OpCode.JumpIfZero] = "jz", [OpCode.JumpIfNotZero] = "jnz", [OpCode.Load] = "load", [OpCode.Store] = "store",
        [OpCode.Call] = "call", [OpCode.Return] = "ret", [OpCode.Print] = "print",
    };

    /// <inheritdoc/>
    public override string Name => "stackvm";

    /// <inheritdoc/>
    public override string Extension => ".svm";

    /// <inheritdoc/>
    public override MethodInfo Portal => Runner.Portal;

    /// <inheritdoc/>
    public override IReadOnlyList<string> Operations { get; } = Enum.GetValues<OpCode>().Select(o => Mnemonics[o]).ToList();

    /// <inheritdoc/>
    protected override Func<string, TextWriter, long[], object?[]> PortalArguments => Runner.PortalArguments;

    /// <inheritdoc/>
    protected override string GenerateOnce(Random random, double scale) => StackVmGenerator.Generate(random, scale);

    /// <inheritdoc/>
    protected override string Fallback => "func main 0 1\n    push 1\n    print\n    ret\nend\n";

    /// <inheritdoc/>
    protected override BoundedRun Count(Code code, object?[] arguments) =>
        StackVmStepCounter.Check(code, ((Frame)arguments[2]!).Locals[..code.Main.Arity], StepLimit, DepthLimit);

    /// <inheritdoc/>
    protected override Regex ConstantLine => PushLine();

    [GeneratedRegex(@"^(\s*push\s+)(-?\d+)\s*$")]
    private static partial Regex PushLine();

    /// <summary>What <c>main</c>'s frame holds: the operand stack (values above the top included: they are in the array) and the locals.</summary>
    protected override string StateOf(object frame) =>
        StateText.NonZero("stack", LongArray(frame, nameof(Frame.Stack))) + " " + StateText.NonZero("locals", LongArray(frame, nameof(Frame.Locals)));

    /// <inheritdoc/>
    public override IEnumerable<string> OperationsIn(string program)
    {
        var code = Assembler.Assemble(program);
        for (int pc = 0; pc < code.Ops.Length; pc += TakesOperand((OpCode)code.Ops[pc]) ? 2 : 1)
            yield return Mnemonics[(OpCode)code.Ops[pc]];
    }

    private static bool TakesOperand(OpCode op) =>
        op is OpCode.Push or OpCode.Jump or OpCode.JumpIfZero or OpCode.JumpIfNotZero or OpCode.Load or OpCode.Store or OpCode.Call;

    /// <inheritdoc/>
    public override string? OperationAt(GreenKey key) =>
        key.Values is [int pc, { } code, ..] && FuzzLanguage.Element(code, nameof(Code.Ops), pc) is long op && Mnemonics.TryGetValue((OpCode)op, out var name) ? name : null;
}

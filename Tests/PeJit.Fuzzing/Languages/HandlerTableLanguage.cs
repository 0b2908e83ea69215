using System.Reflection;
using System.Text.RegularExpressions;
using PeJit.Examples.HandlerTable;
using PeJit.Fuzzing.Generation;
using PeJit.Fuzzing.Termination;
using PeJit.Specializer.Engine;

namespace PeJit.Fuzzing.Languages;

/// <summary>
/// The handler-table machine's assembly language (Examples/HandlerTable): the stack VM's without <c>swap</c>,
/// <c>over</c> and <c>neg</c>, with 32-bit <c>push</c>; its dispatch calls a delegate from a static table.
/// </summary>
public sealed partial class HandlerTableLanguage : AssemblyLanguage<Code, AssemblerException>
{
    private static readonly Dictionary<Op, string> Mnemonics = new()
    {
        [Op.Push] = "push", [Op.Pop] = "pop", [Op.Dup] = "dup", [Op.Add] = "add", [Op.Sub] = "sub", [Op.Mul] = "mul",
        [Op.Div] = "div", [Op.Mod] = "mod", [Op.Eq] = "eq", [Op.Lt] = "lt", [Op.Gt] = "gt", [Op.Jump] = "jump",
        [Op.JumpIfZero] = "jz", [Op.JumpIfNotZero] = "jnz", [Op.Load] = "load", [Op.Store] = "store",
        [Op.Call] = "call", [Op.Return] = "ret", [Op.Print] = "print",
    };

    /// <inheritdoc/>
    public override string Name => "handlertable";

    /// <inheritdoc/>
    public override string Extension => ".hvm";

    /// <inheritdoc/>
    public override MethodInfo Portal => Runner.Portal;

    /// <inheritdoc/>
    public override IReadOnlyList<string> Operations { get; } = Enum.GetValues<Op>().Select(o => Mnemonics[o]).ToList();

    /// <inheritdoc/>
    protected override Func<string, TextWriter, long[], object?[]> PortalArguments => Runner.PortalArguments;

    /// <inheritdoc/>
    protected override string GenerateOnce(Random random, double scale) => StackVmGenerator.Generate(random, scale, StackInstructionSet.HandlerTable);

    /// <inheritdoc/>
    protected override string Fallback => "func main 0 1\n    push 1\n    print\n    ret\nend\n";

    /// <inheritdoc/>
    protected override BoundedRun Count(Code code, object?[] arguments) =>
        HandlerTableStepCounter.Check(code, ((State)arguments[2]!).Locals[..code.Main.Arity], StepLimit, DepthLimit);

    /// <inheritdoc/>
    protected override Regex ConstantLine => PushLine();

    [GeneratedRegex(@"^(\s*push\s+)(-?\d+)\s*$")]
    private static partial Regex PushLine();

    /// <summary>What <c>main</c>'s state holds: the stack pointer, the operand stack (values above the top included) and the locals.</summary>
    protected override string StateOf(object frame) =>
        $"sp={frame.GetType().GetField(nameof(State.Sp))!.GetValue(frame)} " +
        StateText.NonZero("stack", LongArray(frame, nameof(State.Stack))) + " " + StateText.NonZero("locals", LongArray(frame, nameof(State.Locals)));

    /// <inheritdoc/>
    public override IEnumerable<string> OperationsIn(string program)
    {
        var code = Assembler.Assemble(program);
        for (int pc = 0; pc < code.Ops.Length; pc += TakesOperand((Op)code.Ops[pc]) ? 2 : 1)
            yield return Mnemonics[(Op)code.Ops[pc]];
    }

    private static bool TakesOperand(Op op) =>
        op is Op.Push or Op.Jump or Op.JumpIfZero or Op.JumpIfNotZero or Op.Load or Op.Store or Op.Call;

    /// <inheritdoc/>
    public override string? OperationAt(GreenKey key) =>
        key.Values is [int pc, { } code, ..] && FuzzLanguage.Element(code, nameof(Code.Ops), pc) is int op && Mnemonics.TryGetValue((Op)op, out var name) ? name : null;
}

using System.Reflection;
using System.Text.RegularExpressions;
using PeJit.Examples.Wasm;
using PeJit.Fuzzing.Generation;
using PeJit.Fuzzing.Termination;
using PeJit.Specializer.Engine;

namespace PeJit.Fuzzing.Languages;

/// <summary>
/// The WebAssembly-style VM's flat text format (Examples/Wasm): structured control flow over a value stack and a
/// label stack, calls that stay in the dispatch loop. What a run leaves for the caller is the machine: its linear
/// memory, its value stack (values above the top included) and its label stack.
/// </summary>
public sealed partial class WasmLanguage : AssemblyLanguage<Code, AssemblerException>
{
    private static readonly Dictionary<Op, string> Mnemonics = new()
    {
        [Op.Unreachable] = "unreachable", [Op.Nop] = "nop", [Op.Block] = "block", [Op.Loop] = "loop", [Op.If] = "if",
        [Op.Else] = "else", [Op.End] = "end", [Op.Br] = "br", [Op.BrIf] = "br_if", [Op.BrTable] = "br_table",
        [Op.Call] = "call", [Op.Return] = "return", [Op.Drop] = "drop", [Op.Select] = "select",
        [Op.LocalGet] = "local.get", [Op.LocalSet] = "local.set", [Op.LocalTee] = "local.tee", [Op.Const] = "i64.const",
        [Op.Load] = "i64.load", [Op.Store] = "i64.store", [Op.Add] = "i64.add", [Op.Sub] = "i64.sub", [Op.Mul] = "i64.mul",
        [Op.DivS] = "i64.div_s", [Op.RemS] = "i64.rem_s", [Op.And] = "i64.and", [Op.Or] = "i64.or", [Op.Xor] = "i64.xor",
        [Op.Shl] = "i64.shl", [Op.ShrS] = "i64.shr_s", [Op.Eqz] = "i64.eqz", [Op.Eq] = "i64.eq", [Op.Ne] = "i64.ne",
        [Op.LtS] = "i64.lt_s", [Op.GtS] = "i64.gt_s", [Op.LeS] = "i64.le_s", [Op.GeS] = "i64.ge_s", [Op.Print] = "print",
    };

    /// <inheritdoc/>
    public override string Name => "wasm";

    /// <inheritdoc/>
    public override string Extension => ".wat";

    /// <inheritdoc/>
    public override MethodInfo Portal => Runner.Portal;

    /// <inheritdoc/>
    public override IReadOnlyList<string> Operations { get; } = Enum.GetValues<Op>().Select(o => Mnemonics[o]).ToList();

    /// <inheritdoc/>
    protected override Func<string, TextWriter, long[], object?[]> PortalArguments => Runner.PortalArguments;

    /// <summary>The portal's arguments are <c>(code, machine, argument)</c>: the machine is what the caller sees.</summary>
    protected override int StateArgument => 1;

    /// <inheritdoc/>
    protected override string GenerateOnce(Random random, double scale) => WasmGenerator.Generate(random, scale);

    /// <inheritdoc/>
    protected override string Fallback => "func $main (param $n) (result)\n  i64.const 1\n  print\n  i64.const 0\nend\n";

    /// <inheritdoc/>
    protected override BoundedRun Count(Code code, object?[] arguments) => WasmStepCounter.Check(code, (long)arguments[2]!, StepLimit, DepthLimit);

    /// <inheritdoc/>
    protected override Regex ConstantLine => ConstLine();

    [GeneratedRegex(@"^(\s*i64\.const\s+)(-?\d+)\s*$")]
    private static partial Regex ConstLine();

    /// <summary>The memory, the value stack and the label stack (its entries up to the first never written); by name, for a weaved run's machine.</summary>
    protected override string StateOf(object frame)
    {
        var labels = new List<string>();
        foreach (object? label in (Array)frame.GetType().GetField(nameof(Machine.Labels))!.GetValue(frame)!)
        {
            var type = label!.GetType();
            var fields = new[] { nameof(Label.Kind), nameof(Label.Target), nameof(Label.Height), nameof(Label.Arity) }
                .Select(f => Convert.ToInt64(type.GetField(f)!.GetValue(label), System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            if (fields.All(f => f == 0)) break;
            labels.Add(string.Join('/', fields));
        }
        return StateText.NonZero("memory", LongArray(frame, nameof(Machine.Memory))) + " " + StateText.NonZero("stack", LongArray(frame, nameof(Machine.Stack)))
            + $" labels[{string.Join(' ', labels)}]";
    }

    /// <inheritdoc/>
    public override IEnumerable<string> OperationsIn(string program)
    {
        var code = Assembler.Assemble(program);
        return code.Instructions.Select(i => Mnemonics[i.Op]);
    }

    /// <inheritdoc/>
    public override string? OperationAt(GreenKey key) =>
        key.Values is [int pc, { } code, ..] && FuzzLanguage.Element(code, nameof(Code.Instructions), pc) is { } instruction
        && instruction.GetType().GetField(nameof(Instr.Op))?.GetValue(instruction) is { } op && Mnemonics.TryGetValue((Op)Convert.ToByte(op, System.Globalization.CultureInfo.InvariantCulture), out var name)
            ? name : null;

    /// <summary>Comment lines of the text format (<c>;;</c>): a single <c>;</c> is no comment there.</summary>
    public override string Comment(string text) => string.Concat(text.Split('\n').Select(l => ";; " + l + "\n"));
}

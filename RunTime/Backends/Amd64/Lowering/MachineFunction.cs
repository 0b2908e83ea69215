using System.Text;
using PeJit.IR;

namespace PeJit.Backends.Amd64.Lowering;

/// <summary>
/// A residual graph lowered to the machine-level form: blocks in the residual layout, the argument words the
/// managed stub passes, and the guards' exits. Printed by <see cref="ToString"/> (the textual dump).
/// </summary>
public sealed class MachineFunction(string name, IrType returnType)
{
    /// <summary>The residual graph's name.</summary>
    public string Name { get; } = name;

    /// <summary>The residual graph's return type.</summary>
    public IrType ReturnType { get; } = returnType;

    /// <summary>The blocks, by number; block 0 is the entry.</summary>
    public List<MachineBlock> Blocks { get; } = [];

    /// <summary>The words of the argument block, in order.</summary>
    public List<MachineArgument> Arguments { get; } = [];

    /// <summary>Words the argument block holds: the arguments, or a transition's stored values, whichever is more (at least one, the result).</summary>
    public int BlockWords => Math.Max(1, Math.Max(Arguments.Count, Exits.Count == 0 ? 0 : Exits.Max(e => e.Values.Count)));

    /// <summary>The exits; an exit's number is its index plus one (status 0 is a return).</summary>
    public List<MachineExit> Exits { get; } = [];

    /// <summary>The residual calls of static helpers native code makes, by call site (<see cref="MachineOpcode.CallHelper"/>'s <c>ArgumentIndex</c>).</summary>
    public List<Instruction> Calls { get; } = [];

    /// <summary>The most words a helper call passes (at least 1: the result comes back in the first).</summary>
    public int CallWords => Blocks.SelectMany(b => b.Instructions).Where(i => i.Opcode == MachineOpcode.CallHelper).Select(i => i.Operands.Count).DefaultIfEmpty(0).Max() is var n && Calls.Count > 0 ? Math.Max(1, n) : 0;

    /// <summary>Virtual registers made so far.</summary>
    public int RegisterCount { get; private set; }

    /// <summary>A fresh virtual register.</summary>
    public VirtualRegister NewRegister() => new(RegisterCount++);

    /// <summary>A new exit for a guard of <paramref name="instruction"/>.</summary>
    public MachineExit NewExit(ExitReason reason, string instruction)
    {
        var exit = new MachineExit(Exits.Count + 1, reason, instruction);
        Exits.Add(exit);
        return exit;
    }

    /// <summary>A new transition to the tail <paramref name="target"/>, storing <paramref name="values"/> (the residual <paramref name="stored"/>).</summary>
    public MachineExit NewTransition(Block target, IReadOnlyList<MachineOperand> values, IReadOnlyList<Value> stored, IReadOnlyList<(Value, Value)> parameters, string instruction)
    {
        var exit = new MachineExit(Exits.Count + 1, ExitReason.Transition, instruction) { Target = target, Values = values, Stored = stored, Parameters = parameters };
        Exits.Add(exit);
        return exit;
    }

    /// <inheritdoc/>
    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append("machine ").Append(IrType.Quote(Name)).Append(" -> ").Append(ReturnType).AppendLine(" {");
        text.Append("    arguments: ").AppendLine(string.Join(", ", Arguments.Select(a => $"{a.Kind.ToString().ToLowerInvariant()} {a.Value}")));
        foreach (var block in Blocks)
        {
            text.Append("block").Append(block.Number);
            if (block.Parameters.Count > 0) text.Append('(').Append(string.Join(", ", block.Parameters)).Append(')');
            text.AppendLine(":");
            foreach (var instruction in block.Instructions)
            {
                if (instruction.Origin is { } origin)
                    foreach (var line in origin.Split('\n')) text.Append("    ; ").AppendLine(line);
                text.Append("    ").AppendLine(instruction.ToString());
            }
        }
        foreach (var exit in Exits) text.Append("    ; ").AppendLine(exit.ToString());
        return text.Append('}').AppendLine().ToString();
    }
}

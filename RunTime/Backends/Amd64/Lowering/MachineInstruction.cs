using System.Text;

namespace PeJit.Backends.Amd64.Lowering;

/// <summary>
/// One instruction of the machine-level form: three-address over virtual registers (the emitter makes it
/// two-address), with immediates folded into operands where x86-64 encodes them, explicit addresses, and
/// compares fused with branches.
/// </summary>
public sealed class MachineInstruction(MachineOpcode opcode)
{
    /// <summary>The operation.</summary>
    public MachineOpcode Opcode { get; } = opcode;

    /// <summary>The register defined, if any.</summary>
    public VirtualRegister? Result { get; init; }

    /// <summary>The source operands, in order (a, b).</summary>
    public IReadOnlyList<MachineOperand> Operands { get; init; } = [];

    /// <summary>The memory address of a load or store.</summary>
    public MemoryAddress? Address { get; init; }

    /// <summary>The operation's width in bits: 32 or 64 for arithmetic, 8 to 64 for memory and extensions.</summary>
    public int Width { get; init; } = 64;

    /// <summary>Loads and extensions: sign-extend (else zero-extend) to 64 bits.</summary>
    public bool Signed { get; init; }

    /// <summary>
    /// A 32-bit operation whose one use narrows it to 8 or 16 bits next: its result's upper half may be left as the
    /// 32-bit operation leaves it (the narrowing extension reads only the low bits), saving the sign extension.
    /// </summary>
    public bool Narrowed { get; set; }

    /// <summary>The condition of a compare (or of an arithmetic overflow check).</summary>
    public Condition Condition { get; init; }

    /// <summary>Where a branch goes; for checked arithmetic, the overflow exit.</summary>
    public MachineEdge? Edge { get; init; }

    /// <summary>The exits of a guarded division: by zero, then MinValue / -1 (signed only).</summary>
    public IReadOnlyList<MachineExit> Exits { get; init; } = [];

    /// <summary><see cref="MachineOpcode.LoadArgument"/>: the word's index.</summary>
    public int ArgumentIndex { get; init; }

    /// <summary>The residual instruction this one came from, printed above its machine code by <c>PEJIT_LOG=asm</c>; set on the first of its group.</summary>
    public string? Origin { get; set; }

    /// <summary>Every register read, in operand order then address order then edge arguments.</summary>
    public IEnumerable<VirtualRegister> Uses()
    {
        foreach (var operand in Operands)
            if (operand.Register is { } register) yield return register;
        if (Address is { } address)
        {
            yield return address.Base;
            if (address.Index is { } index) yield return index;
        }
        if (Edge?.Exit is { } exit)
            foreach (var value in exit.Values)
                if (value.Register is { } register) yield return register;
    }

    /// <inheritdoc/>
    public override string ToString()
    {
        var text = new StringBuilder();
        if (Result is { } result) text.Append(result).Append(" = ");
        text.Append(Opcode switch
        {
            MachineOpcode.CompareBranch => "branch." + Condition.ToString().ToLowerInvariant(),
            MachineOpcode.SetCondition => "set." + Condition.ToString().ToLowerInvariant(),
            MachineOpcode.CallHelper => "call.helper" + ArgumentIndex.ToString(System.Globalization.CultureInfo.InvariantCulture),
            _ => Opcode.ToString().ToLowerInvariant(),
        });
        if (Opcode is not (MachineOpcode.Jump or MachineOpcode.Return or MachineOpcode.LoadArgument or MachineOpcode.Move or MachineOpcode.CallHelper))
            text.Append('.').Append(Signed && Opcode is MachineOpcode.Load or MachineOpcode.Extend ? "s" : "").Append(Width);
        var parts = new List<string>();
        if (Opcode == MachineOpcode.LoadArgument) parts.Add(ArgumentIndex.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (Address is { } address) parts.Add(address.ToString());
        parts.AddRange(Operands.Select(o => o.ToString()));
        if (parts.Count > 0) text.Append(' ').Append(string.Join(", ", parts));
        if (Edge is { } edge) text.Append(Opcode == MachineOpcode.Jump ? " " : " -> ").Append(edge);
        if (Exits.Count > 0) text.Append(" guards ").Append(string.Join(", ", Exits.Select(e => "exit" + e.Number)));
        return text.ToString();
    }
}

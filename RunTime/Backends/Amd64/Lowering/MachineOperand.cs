namespace PeJit.Backends.Amd64.Lowering;

/// <summary>
/// A source operand: a virtual register, or an immediate folded in from a residual constant. Integer values of
/// the CLR's int32 stack class are kept sign-extended to 64 bits in registers and immediates alike, so a compare
/// of two of them is one 64-bit compare whatever their declared width.
/// </summary>
public readonly record struct MachineOperand(VirtualRegister? Register, long Immediate)
{
    /// <summary>An operand read from <paramref name="register"/>.</summary>
    public static MachineOperand Of(VirtualRegister register) => new(register, 0);

    /// <summary>The constant <paramref name="value"/>.</summary>
    public static MachineOperand Constant(long value) => new(null, value);

    /// <summary>True for an immediate.</summary>
    public bool IsImmediate => Register is null;

    /// <summary>True for an immediate that x86-64 can encode in an instruction (a sign-extended 32-bit one).</summary>
    public bool IsSmallImmediate => IsImmediate && Immediate is >= int.MinValue and <= int.MaxValue;

    /// <inheritdoc/>
    public override string ToString() => Register?.ToString() ?? Immediate.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

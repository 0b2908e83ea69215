namespace PeJit.Tests.Specializer;

/// <summary>
/// A frame whose registers the optimizer's file tests declare virtualizable (<c>virtualizable</c> lines in
/// <c>FileTests/promote/virtualizable*.ir</c>): a loop keeps its registers in SSA values across <see cref="Opaque"/>, which
/// cannot reach them, and writes them back before <see cref="Touch"/>, which reads and writes them through the frame.
/// </summary>
public sealed class VirtualFrame
{
    /// <summary>Makes a frame with these registers.</summary>
    public VirtualFrame(long[] registers) => Registers = registers;

    /// <summary>The registers (readonly, as <c>[Virtualizable("Registers[*]")]</c> requires).</summary>
    public readonly long[] Registers;

    /// <summary>How many times <see cref="Opaque"/> ran: a side effect, so that no optimizer takes it for pure.</summary>
    public static long OpaqueCalls;

    /// <summary>A call the optimizer knows nothing of, given no frame: it returns its argument.</summary>
    public static long Opaque(long value)
    {
        OpaqueCalls++;
        return value;
    }

    /// <summary>Reads and writes the frame's registers, as an interpreter's builtin given the frame does: adds register 1 to register 0.</summary>
    public static void Touch(VirtualFrame frame) => frame.Registers[0] += frame.Registers[1];

    /// <inheritdoc/>
    public override string ToString() => $"{{Registers={FileTestValues.Describe(Registers)}}}";
}

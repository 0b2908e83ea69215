namespace PeJit.Backends.Amd64.Lowering;

/// <summary>An explicit address <c>[base + index*scale + offset]</c>, as x86-64 encodes it in one operand.</summary>
public readonly record struct MemoryAddress(VirtualRegister Base, VirtualRegister? Index, int Scale, int Offset)
{
    /// <inheritdoc/>
    public override string ToString() =>
        $"[{Base}{(Index is { } index ? $" + {index}*{Scale}" : "")}{(Offset != 0 ? $" + {Offset}" : "")}]";
}

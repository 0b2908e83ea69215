namespace PeJit.Backends.Amd64.Lowering;

/// <summary>A 64-bit virtual register of the machine-level form, printed <c>r12</c>; the allocator maps it to a physical register or a stack slot.</summary>
public readonly record struct VirtualRegister(int Index)
{
    /// <inheritdoc/>
    public override string ToString() => "r" + Index;
}

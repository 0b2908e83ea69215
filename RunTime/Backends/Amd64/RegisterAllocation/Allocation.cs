using Iced.Intel;
using PeJit.Backends.Amd64.Lowering;

namespace PeJit.Backends.Amd64.RegisterAllocation;

/// <summary>The allocator's answer: a location per virtual register, the stack slots used, the callee-saved registers written.</summary>
public sealed class Allocation(Location[] locations, int slots, IReadOnlyList<Register> calleeSaved)
{
    /// <summary>The location of <paramref name="register"/>.</summary>
    public Location this[VirtualRegister register] => locations[register.Index];

    /// <summary>Stack slots of spilled registers.</summary>
    public int SpillSlots { get; } = slots;

    /// <summary>Callee-saved registers the code writes, which the prologue saves and the epilogue restores.</summary>
    public IReadOnlyList<Register> CalleeSaved { get; } = calleeSaved;

    /// <summary>Every register's location, one per line (the allocation's dump).</summary>
    public override string ToString() =>
        string.Join(Environment.NewLine, locations.Select((l, i) => $"r{i} -> {l}")) + Environment.NewLine;
}

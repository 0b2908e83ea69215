namespace PeJit.Backends.Amd64.Lowering;

/// <summary>A block of the machine-level form: the residual block of the same number, its parameters as registers.</summary>
public sealed class MachineBlock(int number)
{
    /// <summary>The block's number (the residual block's).</summary>
    public int Number { get; } = number;

    /// <summary>How many natural loops of the residual graph hold the block (0 outside loops): the register allocator weighs uses by it.</summary>
    public int LoopDepth { get; set; }

    /// <summary>Registers the incoming edges' parallel moves write.</summary>
    public List<VirtualRegister> Parameters { get; } = [];

    /// <summary>The instructions; the last is a <see cref="MachineOpcode.Jump"/> or a <see cref="MachineOpcode.Return"/>.</summary>
    public List<MachineInstruction> Instructions { get; } = [];

    /// <summary>Every edge leaving the block, in instruction order (conditional branches, exits, the terminator's).</summary>
    public IEnumerable<MachineEdge> Edges() => Instructions.Where(i => i.Edge is not null).Select(i => i.Edge!);
}

namespace PeJit.Backends.Amd64.Lowering;

/// <summary>
/// Where a branch goes: a block with the arguments for its parameters (a parallel move on the edge), or a
/// guard's exit (<see cref="Exit"/> set, no arguments).
/// </summary>
public sealed record MachineEdge(int Target, IReadOnlyList<MachineOperand> Arguments, MachineExit? Exit = null)
{
    /// <summary>An edge that leaves native code at <paramref name="exit"/>.</summary>
    public static MachineEdge ToExit(MachineExit exit) => new(-1, [], exit);

    /// <inheritdoc/>
    public override string ToString() =>
        Exit is { } exit ? $"exit{exit.Number}" : $"block{Target}" + (Arguments.Count == 0 ? "" : $"({string.Join(", ", Arguments)})");
}

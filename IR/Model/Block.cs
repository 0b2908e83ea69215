namespace PeJit.IR;

/// <summary>A basic block: a dense index into its <see cref="FlowGraph"/>'s block table, printed <c>block3</c>.</summary>
public readonly record struct Block(int Index)
{
    /// <inheritdoc/>
    /// <remarks>Concatenated, not interpolated: a pass may name a block in a process's first unit, and the first interpolated string sets up the shared char ArrayPool (Docs/PERFORMANCE.md, "Cold warm-up").</remarks>
    public override string ToString() => "block" + Index.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

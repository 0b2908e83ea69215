namespace PeJit.IR;

/// <summary>A basic block: a dense index into its <see cref="FlowGraph"/>'s block table, printed <c>block3</c>.</summary>
public readonly record struct Block(int Index)
{
    /// <inheritdoc/>
    public override string ToString() => $"block{Index}";
}

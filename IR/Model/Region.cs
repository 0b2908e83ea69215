namespace PeJit.IR;

/// <summary>A protected (try) region: a dense index into its <see cref="FlowGraph"/>'s region table, printed <c>region2</c>.</summary>
public readonly record struct Region(int Index)
{
    /// <inheritdoc/>
    public override string ToString() => $"region{Index}";
}

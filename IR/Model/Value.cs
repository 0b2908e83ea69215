namespace PeJit.IR;

/// <summary>An SSA value: a dense index into its <see cref="FlowGraph"/>'s value table, printed <c>v12</c>.</summary>
public readonly record struct Value(int Index)
{
    /// <inheritdoc/>
    public override string ToString() => $"v{Index}";
}

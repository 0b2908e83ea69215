namespace PeJit.Specializer.Extension;

/// <summary>A branch target in the extension's text form: <c>block1(v20:i15 -> v4:i2, v14:i10 -> v5:i3 red)</c>.</summary>
/// <param name="Block">The target block's index.</param>
/// <param name="Moves">The arguments, each with the parameter that receives it.</param>
public sealed record ListedTarget(int Block, IReadOnlyList<ListedMove> Moves)
{
    /// <inheritdoc/>
    public override string ToString() => $"block{Block}(" + string.Join(", ", Moves) + ")";
}

namespace PeJit.Specializer.Extension;

/// <summary>One argument of a branch target in the extension's text form: <c>v20:i15 -> v4:i2 red</c>.</summary>
/// <param name="Argument">The value passed.</param>
/// <param name="Parameter">The target block's parameter that receives it.</param>
/// <param name="Red">The parameter is red (a green argument is lifted).</param>
public sealed record ListedMove(ListedRegister Argument, ListedRegister Parameter, bool Red)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Argument} -> {Parameter}{(Red ? " red" : "")}";
}

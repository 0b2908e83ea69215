namespace PeJit.Specializer.Extension;

/// <summary>A value and its register, as the extension's text form prints it: <c>v7:i3</c> is value 7 in integer register 3.</summary>
/// <param name="Value">The value's index in its graph.</param>
/// <param name="Class">The register file: <c>i</c>, <c>f</c> or <c>r</c>.</param>
/// <param name="Number">The register's number in that file.</param>
public sealed record ListedRegister(int Value, RegisterClass Class, int Number)
{
    /// <inheritdoc/>
    public override string ToString() =>
        $"v{Value}:{Class switch { RegisterClass.Int => 'i', RegisterClass.Float => 'f', _ => 'r' }}{Number}";
}

using PeJit.IR;

namespace PeJit.Specializer.Engine;

/// <summary>
/// What the specializer knows of an interpreter value: its concrete value (green), or the residual value
/// that will hold it when the compiled code runs (red).
/// </summary>
internal readonly record struct Known(bool IsGreen, object? Green, Value Red)
{
    /// <summary>A value known while specializing.</summary>
    public static Known OfGreen(object? value) => new(true, value, default);

    /// <summary>A value of the residual code.</summary>
    public static Known OfRed(Value value) => new(false, null, value);

    /// <inheritdoc/>
    public override string ToString() => IsGreen ? $"green {Green ?? "null"}" : $"red {Red}";
}

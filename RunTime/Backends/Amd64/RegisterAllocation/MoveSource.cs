namespace PeJit.Backends.Amd64.RegisterAllocation;

/// <summary>What a parallel move reads: a location, or a constant folded in from the residual graph.</summary>
public readonly record struct MoveSource(Location Location, long Immediate, bool IsImmediate)
{
    /// <summary>Reads <paramref name="location"/>.</summary>
    public static MoveSource From(Location location) => new(location, 0, false);

    /// <summary>The constant <paramref name="value"/>.</summary>
    public static MoveSource Constant(long value) => new(default, value, true);

    /// <inheritdoc/>
    public override string ToString() => IsImmediate ? Immediate.ToString(System.Globalization.CultureInfo.InvariantCulture) : Location.ToString();
}

namespace PeJit.Backends.Amd64.Bridges;

/// <summary>The kinds of <see cref="BridgeSource"/>.</summary>
public enum BridgeSourceKind
{
    /// <summary>One of the exit's values, where the unit's allocation put it (a register or a spill slot).</summary>
    Stored,
    /// <summary>One of the unit's own argument words (a pinned array's base or length, an object's presence, an integer the stub passed).</summary>
    Argument,
    /// <summary>A constant.</summary>
    Immediate,
}

namespace PeJit.Backends.Amd64.Bridges;

/// <summary>Where one argument word of a bridge comes from when an exit enters it natively (<see cref="BridgePlan"/>).</summary>
/// <param name="Kind">Which of the three it is.</param>
/// <param name="Index">The exit's stored value (<see cref="BridgeSourceKind.Stored"/>) or the unit's argument word (<see cref="BridgeSourceKind.Argument"/>).</param>
/// <param name="Immediate">The constant (<see cref="BridgeSourceKind.Immediate"/>).</param>
public readonly record struct BridgeSource(BridgeSourceKind Kind, int Index, long Immediate);

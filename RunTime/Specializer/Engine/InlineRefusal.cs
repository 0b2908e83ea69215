namespace PeJit.Specializer.Engine;

/// <summary>
/// Thrown inside a specialization run when a callee inlined at an interpreted call turns out not to be
/// inlinable (it loops, or it is over the inlining budget): code was already emitted for it on several paths, so
/// the run is given up, and <c>UnitSpecializer.Specialize</c> runs again with the callee's key refused (its calls
/// then stay calls). Specialization is deterministic, so the second run differs only there.
/// </summary>
public sealed class InlineRefusal(GreenKey key, string reason) : Exception($"the call of {key} is not inlined: {reason}")
{
    /// <summary>The callee's key at its entry.</summary>
    public GreenKey Key { get; } = key;

    /// <summary>Why, for the unit's notes.</summary>
    public string Reason { get; } = reason;
}

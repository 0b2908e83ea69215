namespace PeJit.Specializer.Engine;

/// <summary>
/// An activation of the portal inlined into a unit at an interpreted call (<c>UnitSpecializer.PortalInlining.cs</c>):
/// the callee's green key, the keys its path has passed so far (in order; the last is the step it runs now), and
/// how many residual instructions the unit held when it was entered (the inlining budget counts from there).
/// Immutable: a path that splits inside the callee shares it, and each path's next key makes a new one.
/// </summary>
/// <param name="Entry">The callee's key at its entry (the function of the interpreted program it runs).</param>
/// <param name="Keys">The keys passed, <paramref name="Entry"/> first.</param>
/// <param name="StartInstructions">The unit's residual instructions when the callee was entered.</param>
public sealed record InlinedPortal(GreenKey Entry, GreenKey[] Keys, int StartInstructions)
{
    /// <summary>
    /// The other portal this is an activation of (its keys lead with it); null for the unit's own portal. Inside one, a
    /// mid-step exit is refused (the runtime resumes steps of the unit's own portal only).
    /// </summary>
    public OtherPortal? Other { get; init; }

    /// <summary>Where it was called (<see cref="PromotionSite.Path"/> of its promotions).</summary>
    public CallPath? Position { get; init; }

    /// <summary>The key of the step the callee runs now (the site key of its promotions).</summary>
    public GreenKey Current => Keys[^1];

    /// <summary>Whether the path already passed <paramref name="key"/> in this activation: the callee loops.</summary>
    public bool Passed(GreenKey key) => Array.IndexOf(Keys, key) >= 0;

    /// <summary>The activation after its path passed the merge point at <paramref name="key"/>.</summary>
    public InlinedPortal After(GreenKey key) => this with { Keys = [.. Keys, key] };
}

using PeJit.Specializer.Engine;

namespace PeJit.Runtime;

/// <summary>
/// A value seen at a promotion site without a case there, the key of a unit's counts (<see cref="CompiledUnit"/>): a class,
/// not a <c>(PromotionSite, GreenKey)</c> tuple, so that the concurrent dictionary of counts is one whose code is shared and
/// precompiled; over the tuple, its enumerator and the tuple's default comparer were code .NET compiled in every process that
/// specializes a unit again (Docs/PERFORMANCE.md, "cold7"). Equality and hash as the tuple's.
/// </summary>
/// <param name="site">The site.</param>
/// <param name="value">The value seen there, as a one-value key.</param>
internal sealed class SeenPromotion(PromotionSite site, GreenKey value) : IEquatable<SeenPromotion>
{
    /// <summary>The site.</summary>
    public PromotionSite Site { get; } = site;

    /// <summary>The value seen there, as a one-value key.</summary>
    public GreenKey Value { get; } = value;

    /// <inheritdoc/>
    public bool Equals(SeenPromotion? other) => other is not null && Site.Equals(other.Site) && Value.Equals(other.Value);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as SeenPromotion);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Site.GetHashCode(), Value.GetHashCode());
}

namespace PeJit.Specializer.Engine;

/// <summary>
/// Equality of promotion sites as <see cref="PromotionSite"/>'s own (its record equality and hash), for the dictionaries of
/// cases the runtime keeps per site: without it each lookup goes through <c>EqualityComparer&lt;PromotionSite&gt;.Default</c>,
/// code .NET compiles in every process that specializes a unit again (Docs/PERFORMANCE.md, "cold7"). Same equality, same hash: no lookup and no order changes.
/// </summary>
public sealed class PromotionSiteComparer : IEqualityComparer<PromotionSite>
{
    /// <summary>The one instance.</summary>
    public static readonly PromotionSiteComparer Instance = new();

    private PromotionSiteComparer()
    {
    }

    /// <inheritdoc/>
    public bool Equals(PromotionSite x, PromotionSite y) => x.Equals(y);

    /// <inheritdoc/>
    public int GetHashCode(PromotionSite site) => site.GetHashCode();

    /// <summary>The cases of <paramref name="cases"/> at <paramref name="site"/>, or null: a lookup without LINQ's or the interface's generic code over the site.</summary>
    public static IReadOnlyList<object?>? CasesAt(IReadOnlyDictionary<PromotionSite, IReadOnlyList<object?>> cases, PromotionSite site)
    {
        if (cases is Dictionary<PromotionSite, IReadOnlyList<object?>> dictionary) return dictionary.TryGetValue(site, out var found) ? found : null;
        return cases.TryGetValue(site, out var any) ? any : null;
    }

    /// <summary>
    /// Adds <paramref name="value"/> to <paramref name="site"/>'s cases in <paramref name="cases"/>, unless it is one of them or
    /// the site has <paramref name="budget"/> cases already (<see cref="SpecializationSettings.CaseBudget(PromotionSite)"/>); whether it did.
    /// </summary>
    public static bool AddCase(Dictionary<PromotionSite, IReadOnlyList<object?>> cases, PromotionSite site, object? value, int budget)
    {
        var known = cases.TryGetValue(site, out var siteCases) ? siteCases : [];
        if (known.Contains(value) || known.Count >= budget) return false;
        cases[site] = [.. known, value];
        return true;
    }

    /// <summary>
    /// <paramref name="cases"/> as the dictionary it is, enumerated in its order without the interface's boxed enumerator
    /// (code .NET compiles); a copy, in the same order, for another kind of dictionary.
    /// </summary>
    public static Dictionary<PromotionSite, IReadOnlyList<object?>> Entries(IReadOnlyDictionary<PromotionSite, IReadOnlyList<object?>> cases)
    {
        if (cases is Dictionary<PromotionSite, IReadOnlyList<object?>> dictionary) return dictionary;
        var copy = new Dictionary<PromotionSite, IReadOnlyList<object?>>(Instance);
        foreach (var (site, siteCases) in cases) copy.Add(site, siteCases);
        return copy;
    }
}

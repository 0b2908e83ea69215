using Mono.Cecil;

namespace PeJit.Frontend.Construction;

/// <summary>
/// The base library's collection methods the analysis knows, each with what a call of it does: one table, read by
/// <see cref="KnownPureCalls"/> (pure), <see cref="MethodEffects"/> (reads only) and <see cref="KeyComparisons"/> (which
/// type's comparison it runs).
/// </summary>
/// <remarks>
/// A lookup that compares keys (<see cref="CollectionTraits.ComparesKeys"/>) runs the key type's <c>Equals</c> and
/// <c>GetHashCode</c>, or a comparer the collection was made with: the program's code, perhaps, which may write. So it is
/// pure only when the keys compare with the framework's own code, and reads only when the program's comparison does
/// (<see cref="KeyComparisons"/> decides); a method that compares nothing (<c>List.get_Item</c>) is what its row says
/// whatever the type arguments. A method with an out parameter (<c>TryGetValue</c>) is never pure: the optimizer could not
/// merge two calls of it.
/// </remarks>
public static class CollectionMethods
{
    private const CollectionTraits Pure = CollectionTraits.Pure | CollectionTraits.ReadsOnly;
    private const CollectionTraits Lookup = CollectionTraits.ComparesKeys | CollectionTraits.ReadsOnly;

    // By the generic type's full name, then the method's simple name.
    private static readonly Dictionary<string, Dictionary<string, CollectionTraits>> Table = new(StringComparer.Ordinal)
    {
        ["System.Collections.Generic.Dictionary`2"] = new(StringComparer.Ordinal)
        {
            ["get_Item"] = Lookup | Pure, ["ContainsKey"] = Lookup | Pure, ["TryGetValue"] = Lookup, ["get_Count"] = Pure,
        },
        ["System.Collections.Generic.HashSet`1"] = new(StringComparer.Ordinal) { ["Contains"] = Lookup, ["get_Count"] = CollectionTraits.ReadsOnly },
        ["System.Collections.Generic.List`1"] = new(StringComparer.Ordinal)
        {
            ["get_Item"] = Pure, ["get_Count"] = Pure, ["Contains"] = Lookup, ["IndexOf"] = Lookup,
        },
        ["System.Collections.Immutable.ImmutableArray`1"] = new(StringComparer.Ordinal) { ["get_Item"] = Pure, ["get_Length"] = Pure },
    };

    /// <summary>What a call of <paramref name="method"/> does; <see cref="CollectionTraits.None"/> for a method not in the table.</summary>
    public static CollectionTraits Of(MethodReference method) =>
        method.DeclaringType is GenericInstanceType generic && Table.TryGetValue(generic.ElementType.FullName, out var methods)
            && methods.TryGetValue(method.Name, out var traits) ? traits : CollectionTraits.None;

    /// <summary>
    /// The type whose comparison a call of <paramref name="method"/> runs: the key or element type (the first type argument)
    /// of a lookup that compares keys; null for any other method.
    /// </summary>
    public static TypeReference? ComparedType(MethodReference method) =>
        Of(method).HasFlag(CollectionTraits.ComparesKeys) ? ((GenericInstanceType)method.DeclaringType).GenericArguments[0] : null;
}

using Mono.Cecil;
using PeJit.IR.Semantics;

namespace PeJit.Frontend.Construction;

/// <summary>
/// Whether a call of a base-library method is pure (<see cref="IR.MethodRef.IsPure"/>), decided at build time where the
/// type arguments are known: a method of <see cref="KnownPureMethods"/>' table; a collection method that compares nothing
/// and is pure (<see cref="CollectionMethods"/>: <c>List.get_Item</c>); or a pure lookup that compares keys
/// (<c>Dictionary.get_Item</c>, <c>ContainsKey</c>) when its key type compares
/// with the framework's own code (<see cref="KeyComparisons"/>: primitives, enums, strings, reference equality). A
/// dictionary keyed by a class whose <c>Equals</c> or <c>GetHashCode</c> the program overrides is not pure: it reads only
/// when the overrides read only (<see cref="MethodEffects"/>), and is an ordinary call otherwise. The runtime reads the
/// decision from the IR's flags and decides nothing again.
/// </summary>
public static class KnownPureCalls
{
    /// <summary>True when a call of <paramref name="method"/> (a reference as the caller's IL names it) is known to be pure.</summary>
    public static bool IsPure(MethodReference method)
    {
        string type = method.DeclaringType.FullName;
        if (KnownPureMethods.Contains(type, method.Name, !method.HasThis)) return true;
        var traits = CollectionMethods.Of(method);
        if (!traits.HasFlag(CollectionTraits.Pure)) return false;
        return CollectionMethods.ComparedType(method) is not { } key || KeyComparisons.Of(key, method.Module) == KeyComparison.Framework;
    }
}

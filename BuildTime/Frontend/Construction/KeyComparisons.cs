using System.Collections.Concurrent;
using Mono.Cecil;

namespace PeJit.Frontend.Construction;

/// <summary>
/// How a base-library collection compares keys (a dictionary's or a set's key, a list's element; which methods compare
/// which type: <see cref="CollectionMethods"/>): the one rule that decides whether a lookup is pure (<see cref="KnownPureCalls"/>), reads only (<see cref="MethodEffects"/>), or is an ordinary call.
/// </summary>
/// <remarks>
/// <para>The collections compare with the key type's default comparer, or with one the collection was made with.
/// <see cref="KeyComparison.Framework"/>: the framework's own code over values with no state to change: a primitive, an
/// enum, a string, or a class of the program that overrides neither <c>Equals</c> nor <c>GetHashCode</c> (reference
/// equality), nor does any class it derives from or any class of its module that derives from it.
/// <see cref="KeyComparison.ReadsOnly"/>: a class of the program whose overrides read only (<see cref="MethodEffects"/>,
/// all its module's overrides analyzed, since the comparer calls them virtually). Otherwise (overrides that write or call
/// something opaque, a value type of the program, which the framework may compare by reflection, an interface, a framework
/// class, a generic parameter) <see cref="KeyComparison.Ordinary"/>.</para>
/// <para>A comparer of the program's own (a class of the calling module that implements <c>IEqualityComparer</c> or derives
/// from <c>EqualityComparer</c>, for the key type or any) may be the one a collection was made with: then no lookup with
/// that key type in that module is <see cref="KeyComparison.Framework"/>, and it reads only when the comparer's methods read only.</para>
/// </remarks>
public static class KeyComparisons
{
    private static readonly ConcurrentDictionary<string, KeyComparison> Cache = new(StringComparer.Ordinal);

    /// <summary>How a lookup made by code of <paramref name="caller"/> compares keys of <paramref name="type"/> (see the remarks).</summary>
    public static KeyComparison Of(TypeReference type, ModuleDefinition? caller) =>
        Cache.GetOrAdd($"{caller?.FileName}|{type.FullName}", _ => Decide(type, caller));

    private static KeyComparison Decide(TypeReference type, ModuleDefinition? caller)
    {
        bool ownComparer = caller is not null && ProgramComparers(caller, type).Any();
        if (!ownComparer && IsFrameworkCompared(type)) return KeyComparison.Framework;
        var definition = TypeMapper.TryResolve(type);
        if (!ownComparer && definition is { IsValueType: false, IsInterface: false } && !MethodEffects.IsFramework(definition.Module)
            && Related(definition).All(t => !Overrides(t).Any()))
            return KeyComparison.Framework;
        return FirstWrite(type, caller, MethodEffects.BodyFirstWrite) is null ? KeyComparison.ReadsOnly : KeyComparison.Ordinary;
    }

    /// <summary>
    /// The first write the comparison of keys of <paramref name="type"/> may make (with the comparers of
    /// <paramref name="caller"/>'s module), or null when it reads only; <paramref name="firstWrite"/> analyzes a method.
    /// </summary>
    internal static MethodEffects.Write? FirstWrite(TypeReference type, ModuleDefinition? caller, Func<MethodDefinition, MethodEffects.Write?> firstWrite)
    {
        foreach (var comparer in caller is null ? [] : ProgramComparers(caller, type))
            foreach (var method in Overrides(comparer))
                if (firstWrite(method) is { } write) return write;
        if (IsFrameworkCompared(type)) return null;
        var definition = TypeMapper.TryResolve(type);
        if (definition is null || definition.IsValueType || definition.IsInterface || MethodEffects.IsFramework(definition.Module))
            return new MethodEffects.Write(type.FullName, 0, "a comparison of keys of a type the framework does not compare itself");
        foreach (var method in Related(definition).SelectMany(Overrides))
            if (firstWrite(method) is { } write) return write;
        return null;
    }

    private static bool IsFrameworkCompared(TypeReference type) =>
        type.IsPrimitive || type.FullName == "System.String" || TypeMapper.TryResolve(type) is { IsEnum: true };

    // The class, the classes it derives from below System.Object, and every class of its module that derives from it.
    private static IEnumerable<TypeDefinition> Related(TypeDefinition definition)
    {
        for (var at = definition; at is not null && at.FullName != "System.Object"; at = at.BaseType is null ? null : TypeMapper.TryResolve(at.BaseType))
            yield return at;
        foreach (var candidate in definition.Module.GetTypes())
            if (candidate != definition && ClassHierarchy.DerivesFrom(candidate, definition)) yield return candidate;
    }

    // The bodies a comparer may call on the class: its Equals and GetHashCode (IEquatable's Equals included).
    private static IEnumerable<MethodDefinition> Overrides(TypeDefinition type) =>
        type.Methods.Where(m => !m.IsStatic && m.IsVirtual && m.Name is "Equals" or "GetHashCode");

    // The classes of the caller's module that compare keys of the type (or of any type): they may be a collection's comparer.
    private static IEnumerable<TypeDefinition> ProgramComparers(ModuleDefinition caller, TypeReference type) =>
        Comparers.GetOrAdd(caller, FindComparers)
            .Where(c => c.Key is null || c.Key.IsGenericParameter || c.Key.FullName == type.FullName).Select(c => c.Type);

    private static readonly ConcurrentDictionary<ModuleDefinition, List<(TypeDefinition Type, TypeReference? Key)>> Comparers = new();

    // The module's classes that implement IEqualityComparer (Key null: any key) or IEqualityComparer<K>, or derive from EqualityComparer<K>.
    private static List<(TypeDefinition Type, TypeReference? Key)> FindComparers(ModuleDefinition module)
    {
        var found = new List<(TypeDefinition, TypeReference?)>();
        foreach (var candidate in module.GetTypes().Where(t => t.IsClass))
            foreach (var implemented in candidate.Interfaces.Select(i => i.InterfaceType).Append(candidate.BaseType))
            {
                if (implemented?.FullName == "System.Collections.IEqualityComparer") found.Add((candidate, null));
                else if (implemented is GenericInstanceType generic && generic.ElementType.FullName
                             is "System.Collections.Generic.IEqualityComparer`1" or "System.Collections.Generic.EqualityComparer`1")
                    found.Add((candidate, generic.GenericArguments[0]));
            }
        return found;
    }
}

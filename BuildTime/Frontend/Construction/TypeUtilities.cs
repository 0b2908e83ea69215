using Mono.Cecil;
using PeJit.IR;

namespace PeJit.Frontend.Construction;

/// <summary>Questions about types that need Cecil: array element types and common base classes.</summary>
internal static class TypeUtilities
{
    /// <summary>The element type of a one-dimensional array type, or null when it is not known to be one.</summary>
    public static IrType? ArrayElement(IrType array, TypeMapper types) =>
        array.Cecil is ArrayType { IsVector: true } arrayType ? types.Map(arrayType.ElementType) : null;

    /// <summary>
    /// The most derived class every one of <paramref name="candidates"/> derives from (interfaces are not
    /// considered), or object when that cannot be told.
    /// </summary>
    public static IrType CommonBase(IReadOnlyList<IrType> candidates, TypeMapper types)
    {
        var chains = new List<List<string>>();
        TypeReference? first = null;
        foreach (var candidate in candidates)
        {
            if (candidate.Cecil is not { } cecil || cecil is ArrayType || cecil.IsGenericInstance) return IrType.Object;
            first ??= cecil;
            chains.Add(BaseChain(cecil));
        }
        var firstChain = BaseChain(first!, out var references);
        for (int i = 0; i < firstChain.Count; i++)
            if (chains.All(chain => chain.Contains(firstChain[i])))
                return types.Map(references[i]);
        return IrType.Object;
    }

    private static List<string> BaseChain(TypeReference type) => BaseChain(type, out _);

    private static List<string> BaseChain(TypeReference type, out List<TypeReference> references)
    {
        var names = new List<string>();
        references = [];
        for (TypeReference? t = type; t is not null;)
        {
            names.Add(t.FullName);
            references.Add(t);
            var definition = TypeMapper.TryResolve(t);
            if (definition is null || definition.BaseType is null || definition.BaseType.IsGenericInstance) break;
            t = definition.BaseType;
        }
        return names;
    }
}

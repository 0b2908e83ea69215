using Mono.Cecil;

namespace PeJit.Frontend.Construction;

/// <summary>
/// Replaces generic parameters in a member's signature types by the arguments of the generic instance the
/// member is referenced through: <c>!0</c> from the declaring type, <c>!!0</c> from the method.
/// </summary>
internal static class GenericSubstitution
{
    /// <summary>Substitutes in <paramref name="type"/> the arguments of <paramref name="declaringType"/> and <paramref name="method"/>.</summary>
    public static TypeReference Substitute(TypeReference type, TypeReference? declaringType, MethodReference? method)
    {
        var typeArguments = (declaringType as GenericInstanceType)?.GenericArguments;
        var methodArguments = (method as GenericInstanceMethod)?.GenericArguments;
        if (typeArguments is null && methodArguments is null) return type;
        return Walk(type);

        TypeReference Walk(TypeReference t) => t switch
        {
            GenericParameter { Type: GenericParameterType.Type } p when typeArguments is not null && p.Position < typeArguments.Count
                => typeArguments[p.Position],
            GenericParameter { Type: GenericParameterType.Method } p when methodArguments is not null && p.Position < methodArguments.Count
                => methodArguments[p.Position],
            ByReferenceType r => new ByReferenceType(Walk(r.ElementType)),
            PointerType p => new PointerType(Walk(p.ElementType)),
            PinnedType p => Walk(p.ElementType),
            RequiredModifierType m => Walk(m.ElementType),
            OptionalModifierType m => Walk(m.ElementType),
            ArrayType a => a.IsVector ? new ArrayType(Walk(a.ElementType)) : new ArrayType(Walk(a.ElementType), a.Rank),
            GenericInstanceType g => Instantiate(g),
            _ => t,
        };

        GenericInstanceType Instantiate(GenericInstanceType g)
        {
            var result = new GenericInstanceType(g.ElementType);
            foreach (var argument in g.GenericArguments) result.GenericArguments.Add(Walk(argument));
            return result;
        }
    }

    /// <summary>The return type of <paramref name="method"/> as seen through its generic instance.</summary>
    public static TypeReference ReturnType(MethodReference method) =>
        Substitute(method.ReturnType, method.DeclaringType, method);

    /// <summary>The type of <paramref name="field"/> as seen through its declaring generic instance.</summary>
    public static TypeReference FieldType(FieldReference field) =>
        Substitute(field.FieldType, field.DeclaringType, null);

    /// <summary>The type of parameter <paramref name="index"/> of <paramref name="method"/> as seen through its generic instance.</summary>
    public static TypeReference ParameterType(MethodReference method, int index) =>
        Substitute(method.Parameters[index].ParameterType, method.DeclaringType, method);
}

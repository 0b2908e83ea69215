using Mono.Cecil;

namespace PeJit.Frontend.Construction;

/// <summary>
/// Class-hierarchy questions over Cecil definitions, answered without throwing when a referenced assembly
/// is missing: resolving references, subtyping, and which methods override a virtual method.
/// </summary>
public static class ClassHierarchy
{
    /// <summary>Resolves a method reference, or null when its assembly cannot be found.</summary>
    public static MethodDefinition? TryResolve(MethodReference method)
    {
        try
        {
            return method.Resolve();
        }
        catch (AssemblyResolutionException)
        {
            return null;
        }
    }

    /// <summary>Resolves a field reference, or null when its assembly cannot be found.</summary>
    public static FieldDefinition? TryResolve(FieldReference field)
    {
        try
        {
            return field.Resolve();
        }
        catch (AssemblyResolutionException)
        {
            return null;
        }
    }

    /// <summary>True when <paramref name="type"/> is <paramref name="ancestor"/>, derives from it, or implements it.</summary>
    public static bool DerivesFrom(TypeDefinition type, TypeDefinition ancestor)
    {
        for (TypeDefinition? t = type; t is not null; t = t.BaseType is null ? null : TypeMapper.TryResolve(t.BaseType))
        {
            if (t == ancestor) return true;
            if (ancestor.IsInterface && t.Interfaces.Any(i => TypeMapper.TryResolve(i.InterfaceType) is { } resolved
                    && (resolved == ancestor || DerivesFrom(resolved, ancestor))))
                return true;
        }
        return false;
    }

    /// <summary>
    /// True when <paramref name="candidate"/> overrides or implements <paramref name="method"/>: explicitly, or
    /// by name and parameter types.
    /// </summary>
    public static bool Overrides(MethodDefinition candidate, MethodDefinition method)
    {
        if (candidate.Overrides.Any(o => TryResolve(o) == method)) return true;
        if (candidate.Name != method.Name || candidate.Parameters.Count != method.Parameters.Count
            || candidate.GenericParameters.Count != method.GenericParameters.Count)
            return false;
        for (int i = 0; i < method.Parameters.Count; i++)
            if (!SameParameterType(candidate.Parameters[i].ParameterType, method.Parameters[i].ParameterType))
                return false;
        return true;
    }

    /// <summary>
    /// Whether an override's parameter type matches the overridden method's. A generic parameter of the overridden
    /// method's class matches anything (a subclass of <c>Base&lt;int&gt;</c> overrides <c>Foo(T)</c> with <c>Foo(int)</c>);
    /// one of the method itself only the parameter at its position (<c>Accept&lt;R&gt;(IVisitor&lt;R&gt;)</c> is not
    /// overridden by a non-generic <c>Accept(IVisitor)</c> beside it).
    /// </summary>
    private static bool SameParameterType(TypeReference candidate, TypeReference overridden) => overridden switch
    {
        _ when !overridden.ContainsGenericParameter => candidate.FullName == overridden.FullName,
        GenericParameter { Type: GenericParameterType.Type } => true,
        GenericParameter { Type: GenericParameterType.Method } parameter =>
            candidate is GenericParameter { Type: GenericParameterType.Method } other && other.Position == parameter.Position,
        GenericInstanceType instance => candidate is GenericInstanceType candidateInstance
            && candidateInstance.ElementType.FullName == instance.ElementType.FullName
            && candidateInstance.GenericArguments.Count == instance.GenericArguments.Count
            && instance.GenericArguments.Select((argument, i) => SameParameterType(candidateInstance.GenericArguments[i], argument)).All(same => same),
        TypeSpecification specification when candidate is TypeSpecification candidateSpecification && candidate.GetType() == overridden.GetType() =>
            SameParameterType(candidateSpecification.ElementType, specification.ElementType),
        _ => candidate.FullName == overridden.FullName,
    };

    /// <summary>
    /// The methods with bodies in <paramref name="modules"/> that a virtual call of <paramref name="method"/> may
    /// reach: the method itself when it has a body, and every override (class hierarchy analysis).
    /// </summary>
    public static IEnumerable<MethodDefinition> PossibleTargets(MethodDefinition method, IEnumerable<ModuleDefinition> modules)
    {
        if (method.HasBody) yield return method;
        if (!method.IsVirtual || method.IsFinal || method.DeclaringType.IsSealed) yield break;
        foreach (var module in modules)
            foreach (var type in module.GetTypes())
            {
                if (type == method.DeclaringType || !DerivesFrom(type, method.DeclaringType)) continue;
                foreach (var candidate in type.Methods)
                    if (candidate.IsVirtual && candidate.HasBody && Overrides(candidate, method)) yield return candidate;
            }
    }
}

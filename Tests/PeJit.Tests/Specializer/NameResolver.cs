using PeJit.Frontend.Resolution;
using System.Reflection;
using PeJit.IR.Evaluation;
using PeJit.IR.Semantics;
using PeJit.IR;

namespace PeJit.Tests.Specializer;

/// <summary>
/// Resolves members of graphs read from text, which name them without a Cecil reference: types by full name
/// in the loaded assemblies, fields and methods by name among their declaring type's (methods also by their
/// parameter types). Anything with a Cecil reference goes to <see cref="CecilReflectionResolver"/>.
/// </summary>
internal sealed class NameResolver : IMemberResolver
{
    private const BindingFlags Everything = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance;
    private readonly CecilReflectionResolver cecil = new();

    /// <inheritdoc/>
    public Type ResolveType(IrType type) =>
        type.Kind is TypeKind.Class or TypeKind.ValueType && type.Cecil is null ? TypeNamed(type.Name)
        // The address of a named struct (a slot's, in structs/*.ir): its element by name.
        : type is { Kind: TypeKind.ByRef, Element: { Kind: TypeKind.Class or TypeKind.ValueType } element } && element.Cecil is null ? ResolveType(element).MakeByRefType()
        : cecil.ResolveType(type);

    /// <inheritdoc/>
    public FieldInfo ResolveField(FieldRef field)
    {
        if (field.Cecil is not null) return cecil.ResolveField(field);
        var (declaring, name) = Split(field.FullName[(field.FullName.IndexOf(' ') + 1)..]);
        return TypeNamed(declaring).GetField(name, Everything) ?? throw new InvalidOperationException($"no field {field.FullName}");
    }

    /// <inheritdoc/>
    public MethodBase ResolveMethod(MethodRef method)
    {
        if (method.Cecil is not null) return cecil.ResolveMethod(method);
        string full = method.FullName;
        int open = full.IndexOf('(');
        var (declaring, name) = Split(full[(full.LastIndexOf(' ', full.IndexOf("::", StringComparison.Ordinal)) + 1)..open]);
        var parameters = full[(open + 1)..^1].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        // A generic method instance (Array::Fill<System.Int64>): the definition with that many type parameters, made with them.
        if (name.IndexOf('<') is var angle and > 0 && name.EndsWith('>'))
        {
            var arguments = SplitArguments(name[(angle + 1)..^1]).Select(TypeNamed).ToArray();
            string plain = name[..angle];
            return TypeNamed(declaring).GetMethods(Everything)
                .Single(m => m.Name == plain && m.IsGenericMethodDefinition && m.GetGenericArguments().Length == arguments.Length
                    && m.GetParameters().Length == parameters.Length
                    && m.GetParameters().Zip(parameters).All(p => p.Second.StartsWith('!') || p.First.ParameterType.FullName == p.Second))
                .MakeGenericMethod(arguments);
        }
        return TypeNamed(declaring).GetMethods(Everything).Cast<MethodBase>().Concat(TypeNamed(declaring).GetConstructors(Everything))
            .Single(m => m.Name == name && m.GetParameters().Length == parameters.Length
                && m.GetParameters().Zip(parameters).All(p => p.Second.StartsWith('!') || p.First.ParameterType.FullName == p.Second));
    }

    private static (string Declaring, string Name) Split(string member)
    {
        int colons = member.IndexOf("::", StringComparison.Ordinal);
        return (member[..colons], member[(colons + 2)..]);
    }

    private static Type TypeNamed(string name)
    {
        // Cecil's name of a generic instance: System.Nullable`1<System.Double>.
        int open = name.IndexOf('<');
        if (open > 0 && name.EndsWith('>'))
        {
            var arguments = SplitArguments(name[(open + 1)..^1]).Select(TypeNamed).ToArray();
            return TypeNamed(name[..open]).MakeGenericType(arguments);
        }
        return Plain(name);
    }

    private static IEnumerable<string> SplitArguments(string list)
    {
        int depth = 0, start = 0;
        for (int i = 0; i < list.Length; i++)
        {
            if (list[i] == '<') depth++;
            else if (list[i] == '>') depth--;
            else if (list[i] == ',' && depth == 0)
            {
                yield return list[start..i].Trim();
                start = i + 1;
            }
        }
        yield return list[start..].Trim();
    }

    private static Type Plain(string name) =>
        Type.GetType(name) ?? AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetType(name)).FirstOrDefault(t => t is not null)
        ?? throw new InvalidOperationException($"no loaded type named {name}");
}

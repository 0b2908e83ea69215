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
        type.Kind is TypeKind.Class or TypeKind.ValueType && type.Cecil is null ? TypeNamed(type.Name) : cecil.ResolveType(type);

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
        return TypeNamed(declaring).GetMethods(Everything).Cast<MethodBase>().Concat(TypeNamed(declaring).GetConstructors(Everything))
            .Single(m => m.Name == name && m.GetParameters().Select(p => p.ParameterType.FullName).SequenceEqual(parameters));
    }

    private static (string Declaring, string Name) Split(string member)
    {
        int colons = member.IndexOf("::", StringComparison.Ordinal);
        return (member[..colons], member[(colons + 2)..]);
    }

    private static Type TypeNamed(string name) =>
        Type.GetType(name) ?? AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetType(name)).FirstOrDefault(t => t is not null)
        ?? throw new InvalidOperationException($"no loaded type named {name}");
}

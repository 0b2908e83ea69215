using PeJit.IR.Semantics;
using System.Collections.Concurrent;
using System.Reflection;
using Mono.Cecil;
using PeJit.IR;

namespace PeJit.Frontend.Resolution;

/// <summary>
/// Resolves IR types and members through the Cecil references the frontend keeps: the Cecil definition's
/// metadata token, looked up in the loaded assembly of the same name, then instantiated with the
/// reference's generic arguments. Results are cached by full name.
/// </summary>
public sealed class CecilReflectionResolver : IMemberResolver
{
    private readonly Assembly? home;

    /// <summary>Resolves into the assemblies loaded in the process, by name.</summary>
    public CecilReflectionResolver()
    {
    }

    /// <summary>
    /// Resolves the assembly named like <paramref name="home"/> to it, and other assemblies in its load
    /// context: a JIT-enabled interpreter may be loaded twice under one name (in a plugin context, next to its
    /// plain build), and its code must bind to its own copy.
    /// </summary>
    public CecilReflectionResolver(Assembly home) => this.home = home;

    private readonly ConcurrentDictionary<string, Type> types = new();
    private readonly ConcurrentDictionary<string, MethodBase> methods = new();
    private readonly ConcurrentDictionary<string, FieldInfo> fields = new();

    /// <inheritdoc/>
    public Type ResolveType(IrType type) => PrimitiveTypes.Of(type.Kind) ?? type.Kind switch
    {
        TypeKind.ByRef => ResolveType(type.Element!).MakeByRefType(),
        TypeKind.Pointer => ResolveType(type.Element!).MakePointerType(),
        _ => type.Origin is Type reflected ? reflected   // a run-time type residual code names (the typeof a class guard compares with)
            : type.Cecil is { } cecil
            ? ResolveType(cecil)
            : KnownByName(type.Name) ?? throw new InvalidOperationException($"the type {type} has no Cecil reference to resolve it by"),
    };

    private static Type? KnownByName(string name) => Type.GetType(name, throwOnError: false);

    /// <summary>The run-time type of a Cecil type reference.</summary>
    public Type ResolveType(TypeReference type) => types.GetOrAdd(type.FullName, _ => ResolveTypeUncached(type));

    private Type ResolveTypeUncached(TypeReference type)
    {
        switch (type)
        {
            case ByReferenceType byReference: return ResolveType(byReference.ElementType).MakeByRefType();
            case PointerType pointer: return ResolveType(pointer.ElementType).MakePointerType();
            case ArrayType array: return array.IsVector ? ResolveType(array.ElementType).MakeArrayType() : ResolveType(array.ElementType).MakeArrayType(array.Rank);
            case GenericInstanceType instance:
                return ResolveType(instance.ElementType).MakeGenericType(instance.GenericArguments.Select(ResolveType).ToArray());
            case RequiredModifierType modified: return ResolveType(modified.ElementType);
            case OptionalModifierType modified: return ResolveType(modified.ElementType);
            case PinnedType pinned: return ResolveType(pinned.ElementType);
            case GenericParameter parameter:
                throw new InvalidOperationException($"the generic parameter {parameter.Name} has no run-time type here");
        }
        var definition = type.Resolve() ?? throw new InvalidOperationException($"Cecil cannot resolve {type.FullName}");
        return AssemblyOf(definition.Module).ManifestModule.ResolveType(definition.MetadataToken.ToInt32());
    }

    /// <inheritdoc/>
    public MethodBase ResolveMethod(MethodRef method) =>
        method.Origin is MethodBase reflected ? reflected   // a run-time helper residual code calls (CallCell.Enter, a class guard's GetType)
        : method.Cecil is { } cecil ? ResolveMethod(cecil) : throw new InvalidOperationException($"the method {method.FullName} has no Cecil reference to resolve it by");

    /// <summary>The run-time method of a Cecil method reference.</summary>
    public MethodBase ResolveMethod(MethodReference method) =>
        methods.GetOrAdd(method.FullName + (method is GenericInstanceMethod ? "" : "@" + method.DeclaringType.FullName), _ => ResolveMethodUncached(method));

    private MethodBase ResolveMethodUncached(MethodReference method)
    {
        var declaring = ResolveType(method.DeclaringType);
        if (declaring.IsArray)
        {
            // Get/Set/Address of multi-dimensional arrays are provided by the runtime, not in metadata.
            var candidates = declaring.GetMember(method.Name, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance);
            if (method.Name == ".ctor")
                return declaring.GetConstructors().First(c => c.GetParameters().Length == method.Parameters.Count);
            return candidates.OfType<MethodInfo>().First(m => m.GetParameters().Length == method.Parameters.Count);
        }
        var elementMethod = method is GenericInstanceMethod generic ? generic.ElementMethod : method;
        var definition = elementMethod.Resolve() ?? throw new InvalidOperationException($"Cecil cannot resolve {method.FullName}");
        var open = AssemblyOf(definition.Module).ManifestModule.ResolveMethod(definition.MetadataToken.ToInt32())
            ?? throw new InvalidOperationException($"no run-time method for {method.FullName}");
        var resolved = declaring.IsConstructedGenericType
            ? (MethodBase)declaring.GetMemberWithSameMetadataDefinitionAs(open)
            : open;
        if (method is GenericInstanceMethod instance)
            resolved = ((MethodInfo)resolved).MakeGenericMethod(instance.GenericArguments.Select(ResolveType).ToArray());
        return resolved;
    }

    /// <inheritdoc/>
    public FieldInfo ResolveField(FieldRef field) =>
        field.Origin is FieldInfo reflected ? reflected   // a field of an inlined generic class, instantiated by the specializer
        : field.Cecil is { } cecil ? ResolveField(cecil) : throw new InvalidOperationException($"the field {field.FullName} has no Cecil reference to resolve it by");

    /// <summary>The run-time field of a Cecil field reference.</summary>
    public FieldInfo ResolveField(FieldReference field) =>
        fields.GetOrAdd(field.FullName + "@" + field.DeclaringType.FullName, _ =>
        {
            var declaring = ResolveType(field.DeclaringType);
            var definition = field.Resolve() ?? throw new InvalidOperationException($"Cecil cannot resolve {field.FullName}");
            var open = AssemblyOf(definition.Module).ManifestModule.ResolveField(definition.MetadataToken.ToInt32())
                ?? throw new InvalidOperationException($"no run-time field for {field.FullName}");
            return declaring.IsConstructedGenericType ? (FieldInfo)declaring.GetMemberWithSameMetadataDefinitionAs(open) : open;
        });

    private Assembly AssemblyOf(ModuleDefinition module)
    {
        string name = module.Assembly.Name.Name;
        if (home is not null)
        {
            if (home.GetName().Name == name) return home;
            var context = System.Runtime.Loader.AssemblyLoadContext.GetLoadContext(home);
            if (context is not null) return context.LoadFromAssemblyName(new AssemblyName(module.Assembly.Name.FullName));
        }
        return AppDomain.CurrentDomain.GetAssemblies().FirstOrDefault(a => a.GetName().Name == name)
            ?? Assembly.Load(new AssemblyName(module.Assembly.Name.FullName));
    }
}

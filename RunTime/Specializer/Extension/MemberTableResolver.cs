using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.Loader;
using PeJit.IR;
using PeJit.IR.Semantics;

namespace PeJit.Specializer.Extension;

/// <summary>
/// Resolves the IR's types and members through a <see cref="MemberTable"/>, by name and signature: the run-time
/// resolver of a JIT-enabled process, which has no Cecil references. Assembly names resolve to the
/// JIT-enabled assembly itself when they name it (it is loaded already: the rewritten copy, not the original),
/// else in its load context. Results are cached; thread-safe.
/// </summary>
/// <remarks>
/// A name missing from the table (a type an optimizer pass made up, such as an array's element type) is
/// looked up by its IR name in the home assembly and then in the loaded ones.
/// </remarks>
public sealed class MemberTableResolver : IMemberResolver
{
    private const BindingFlags Everything = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly;
    private readonly MemberTable table;
    private readonly Assembly home;
    // One instantiation for the three caches (MemberInfo, cast back when read): each distinct ConcurrentDictionary<string, X>
    // is about ten types for .NET to load while a portal is prepared (Docs/PERFORMANCE.md, "Cold warm-up").
    private readonly ConcurrentDictionary<string, MemberInfo> types = new();
    private readonly ConcurrentDictionary<string, MemberInfo> methods = new();
    private readonly ConcurrentDictionary<string, MemberInfo> fields = new();

    /// <summary>A resolver for the members <paramref name="table"/> describes, in the load context of <paramref name="home"/>.</summary>
    public MemberTableResolver(MemberTable table, Assembly home)
    {
        this.table = table;
        this.home = home;
    }

    /// <inheritdoc/>
    /// <remarks>A type the engine made from a run-time type (its <see cref="IrType.Origin"/> is the type: a <c>typeof</c> a class guard compares with) is that type.</remarks>
    public Type ResolveType(IrType type) => PrimitiveTypes.Of(type.Kind) ?? (type.Origin as Type) ?? type.Kind switch
    {
        TypeKind.ByRef => ResolveType(type.Element!).MakeByRefType(),
        TypeKind.Pointer => ResolveType(type.Element!).MakePointerType(),
        TypeKind.GenericParameter => throw new InvalidOperationException($"the generic parameter {type.Name} has no run-time type here"),
        _ => TypeNamed(type.Name),
    };

    private Type TypeNamed(string name) => (Type)types.GetOrAdd(name, n =>
        table.Types.TryGetValue(n, out var qualified) ? Load(qualified) : ByIrName(n));

    /// <summary>A type by its assembly-qualified reflection name, its assemblies bound as <see cref="Assembly"/> describes.</summary>
    private Type Load(string stored)
    {
        if (ByToken(stored, out string qualified) is { } type) return type;
        if (CorePrimitive(qualified) is { } primitive) return primitive;
        return PlainType(qualified) ?? Type.GetType(qualified, AssemblyNamed, null, throwOnError: false)
            ?? throw new InvalidOperationException($"no run-time type {qualified}: is the assembly that defines it beside the JIT-enabled one?");
    }

    /// <summary>
    /// A primitive type of the core library, or an array of one (<c>System.Int64[], System.Private.CoreLib, ...</c>), found without
    /// parsing its name; null for any other.
    /// </summary>
    private Type? CorePrimitive(string qualified)
    {
        int typeEnd = qualified.IndexOf(',');
        if (typeEnd <= 0) return null;
        int assemblyEnd = qualified.IndexOf(',', typeEnd + 1);
        string assembly = qualified[(typeEnd + 1)..(assemblyEnd < 0 ? qualified.Length : assemblyEnd)].Trim();
        if (assembly is not ("System.Private.CoreLib" or "System.Runtime" or "mscorlib" or "netstandard")) return null;
        int ranks = 0, nameLength = typeEnd;
        while (nameLength > 2 && qualified[nameLength - 1] == ']' && qualified[nameLength - 2] == '[')
        {
            nameLength -= 2;
            ranks++;
        }
        if (PrimitiveNamed(qualified[..nameLength]) is not { } primitive) return null;
        var type = ResolveType(primitive);
        for (int i = 0; i < ranks; i++) type = type.MakeArrayType();
        return type;
    }

    /// <summary>
    /// The type the table names <paramref name="irName"/> when <c>pejit build</c> stored it with its token (a type of the
    /// JIT-enabled assembly); null otherwise. Never parses a name.
    /// </summary>
    public Type? StoredType(string irName) => table.Types.TryGetValue(irName, out var stored) ? ByToken(stored, out _) : null;

    /// <summary>
    /// Whether some type of the table can only be found by parsing its name (no stored token, not a core primitive):
    /// a type of another assembly than the JIT-enabled one, which a unit may need.
    /// </summary>
    public bool NamesTypesToParse => FirstTypeToParse() is not null;

    /// <summary>
    /// Looks up the first type of the table found by parsing its name (<see cref="NamesTypesToParse"/>), so that the process's
    /// first type-name parse (some 4 ms of .NET compiling vectorized searches) is paid on the calling thread, not in a
    /// unit; what it throws is dropped (the unit that needs the type reports it).
    /// </summary>
    public void ParseFirstName()
    {
        if (FirstTypeToParse() is not { } irName) return;
        try
        {
            _ = TypeNamed(irName);
        }
        catch (Exception)
        {
            // Only a warm-up: the lookup is made again, and reported, where a unit needs the type.
        }
    }

    private string? FirstTypeToParse()
    {
        foreach (var (irName, stored) in table.Types)
            if (!MemberTable.TrySplitToken(stored, out _, out _) && CorePrimitive(stored) is null) return irName;
        return null;
    }

    /// <summary>
    /// A type of the home assembly by the metadata token <c>pejit build</c> stored with its name (<see cref="MemberTable.WithToken"/>),
    /// checked against the name (perhaps an array of it, <c>Name[]</c>); null when there is no token or it names another type, and
    /// the name is looked up instead. Resolving a token parses nothing: a process's first type-name parse costs some 4 ms.
    /// </summary>
    private Type? ByToken(string stored, out string qualified)
    {
        if (!MemberTable.TrySplitToken(stored, out int token, out qualified)) return null;
        if (!ElementName(qualified, out int nameLength, out int ranks)) return null;
        Type type;
        try
        {
            type = home.ManifestModule.ResolveType(token);
        }
        catch (ArgumentException)
        {
            return null;
        }
        string? name = type.FullName;
        if (name is null || name.Length != nameLength) return null;
        for (int i = 0; i < nameLength; i++)
            if (name[i] != qualified[i]) return null;
        for (int i = 0; i < ranks; i++) type = type.MakeArrayType();
        return type;
    }

    /// <summary>
    /// The length of the element type's name in an assembly-qualified <paramref name="qualified"/> ("Name[][], Assembly": 4) and
    /// how many single-dimensional array suffixes follow it, as a unit's arrays are written; false when there is no assembly part.
    /// </summary>
    private static bool ElementName(string qualified, out int nameLength, out int ranks)
    {
        ranks = 0;
        nameLength = qualified.IndexOf(',');
        if (nameLength <= 0) return false;
        while (nameLength > 2 && qualified[nameLength - 1] == ']' && qualified[nameLength - 2] == '[')
        {
            nameLength -= 2;
            ranks++;
        }
        return true;
    }

    /// <summary>
    /// A type named plainly (no generic arguments, pointers or escapes; perhaps an array of one), found in its assembly, bound by its simple
    /// name as <see cref="AssemblyNamed"/> binds it, without parsing the rest of the assembly's name; null for any other,
    /// which <see cref="Type.GetType(string, Func{AssemblyName, Assembly?}, Func{Assembly?, string, bool, Type?}, bool)"/> resolves.
    /// </summary>
    /// <remarks>
    /// Parsing an assembly-qualified name (its version, its public key token) and taking the home assembly's
    /// <see cref="AssemblyName"/> to compare are some sixty first times in a process's first unit, one method of them
    /// compiled by .NET (Docs/PERFORMANCE.md, "Cold warm-up").
    /// </remarks>
    private Type? PlainType(string qualified)
    {
        if (!ElementName(qualified, out int nameLength, out int ranks)) return null;
        int typeEnd = qualified.IndexOf(',');
        foreach (char c in qualified)
            if (c is '\\' or '*' or '&') return null;
        for (int i = 0; i < nameLength; i++)
            if (qualified[i] is '[' or ']') return null;
        int nameEnd = qualified.IndexOf(',', typeEnd + 1);
        string simple = qualified[(typeEnd + 1)..(nameEnd < 0 ? qualified.Length : nameEnd)].Trim();
        Assembly assembly;
        if (simple == HomeSimpleName) assembly = home;
        else
        {
            try
            {
                var context = AssemblyLoadContext.GetLoadContext(home) ?? AssemblyLoadContext.Default;
                assembly = context.LoadFromAssemblyName(new AssemblyName { Name = simple });
            }
            catch (Exception e) when (e is IOException or BadImageFormatException or ArgumentException)
            {
                return null;
            }
        }
        var type = assembly.GetType(qualified[..nameLength].Trim(), throwOnError: false, ignoreCase: false);
        for (int i = 0; i < ranks && type is not null; i++) type = type.MakeArrayType();
        return type;
    }

    /// <summary>The home assembly's simple name, taken once (not from <see cref="Assembly.FullName"/>: escaping it makes .NET compile a vectorized search).</summary>
    private string HomeSimpleName => homeSimpleName ??= home.GetName().Name ?? "";

    private string? homeSimpleName;

    private Assembly? AssemblyNamed(AssemblyName name)
    {
        if (name.Name == HomeSimpleName || AssemblyName.ReferenceMatchesDefinition(name, home.GetName())) return home;
        var context = AssemblyLoadContext.GetLoadContext(home) ?? AssemblyLoadContext.Default;
        return context.LoadFromAssemblyName(name);
    }

    /// <summary>A type the table lacks, by the IR's (Cecil's) name: arrays of a known element, else a type of that name in the home assembly or one loaded.</summary>
    private Type ByIrName(string name)
    {
        if (name.EndsWith("[]", StringComparison.Ordinal))
            return (PrimitiveNamed(name[..^2]) is { } primitive ? ResolveType(primitive) : TypeNamed(name[..^2])).MakeArrayType();
        string reflection = name.Replace('/', '+');
        return home.GetType(reflection) ?? Type.GetType(reflection)
            ?? AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetType(reflection)).FirstOrDefault(t => t is not null)
            ?? throw new InvalidOperationException($"the type {name} is not in the stored member table and no loaded assembly has it; build the assembly again with pejit build");
    }

    /// <summary>The primitive whose CLR name is <paramref name="clrName"/>, or null.</summary>
    // A loop over the kinds rather than LINQ over IrType.Keywords: this runs in a process's first unit, where building
    // that dictionary and the LINQ iterator over it are some twenty type loads (Docs/PERFORMANCE.md, "Cold warm-up").
    private static IrType? PrimitiveNamed(string clrName)
    {
        for (var kind = TypeKind.Void; kind <= TypeKind.Object; kind++)
            if (IrType.Primitive(kind) is { } primitive && ClrName(primitive) == clrName) return primitive;
        return null;
    }

    private static string? ClrName(IrType primitive) => primitive.Kind switch
    {
        TypeKind.Bool => "System.Boolean", TypeKind.Char => "System.Char", TypeKind.I8 => "System.SByte", TypeKind.U8 => "System.Byte",
        TypeKind.I16 => "System.Int16", TypeKind.U16 => "System.UInt16", TypeKind.I32 => "System.Int32", TypeKind.U32 => "System.UInt32",
        TypeKind.I64 => "System.Int64", TypeKind.U64 => "System.UInt64", TypeKind.NInt => "System.IntPtr", TypeKind.NUInt => "System.UIntPtr",
        TypeKind.F32 => "System.Single", TypeKind.F64 => "System.Double", TypeKind.String => "System.String", TypeKind.Object => "System.Object",
        _ => null,
    };

    /// <inheritdoc/>
    /// <remarks>A field the engine made from a run-time field (its <see cref="FieldRef.Origin"/> is the field: one of an inlined generic class, instantiated) is that field.</remarks>
    public FieldInfo ResolveField(FieldRef field) => field.Origin is FieldInfo reflected ? reflected : (FieldInfo)fields.GetOrAdd(field.FullName, _ =>
    {
        if (!table.TryGetField(field.FullName, out var entry))
            throw new InvalidOperationException($"the field {field.FullName} is not in the stored member table; build the assembly again with pejit build");
        var declaring = Load(entry.DeclaringType);
        return declaring.GetField(entry.Name, Everything)
            ?? throw new MissingFieldException($"{declaring.FullName} has no field {entry.Name}: the assembly beside the JIT-enabled one differs from the one it was built against");
    });

    /// <inheritdoc/>
    /// <remarks>A reference the engine made from a run-time method (its <see cref="MethodRef.Origin"/> is the method: a call cell's <c>Enter</c>, the class guard's <c>GetType</c>) is that method.</remarks>
    public MethodBase ResolveMethod(MethodRef method) => method.Origin is MethodBase reflected
        ? reflected
        : (MethodBase)methods.GetOrAdd(method.FullName, _ =>
    {
        if (!table.TryGetMethod(method.FullName, out var entry))
            throw new InvalidOperationException($"the method {method.FullName} is not in the stored member table; build the assembly again with pejit build");
        var declaring = Load(entry.DeclaringType);
        if (declaring.IsArray)
        {
            // Get/Set/Address and the constructors of multi-dimensional arrays come from the runtime, not metadata.
            int count = method.ParameterCount;
            return entry.Name == ".ctor"
                ? declaring.GetConstructors().First(c => c.GetParameters().Length == count)
                : declaring.GetMethods(Everything).First(m => m.Name == entry.Name && m.GetParameters().Length == count);
        }
        var definition = declaring.IsConstructedGenericType ? declaring.GetGenericTypeDefinition() : declaring;
        var candidates = entry.Name is ".ctor" or ".cctor"
            ? definition.GetConstructors(Everything).Cast<MethodBase>()
            : definition.GetMethods(Everything).Where(m => m.Name == entry.Name);
        var matching = candidates.Where(m => MemberSignature.Of(m) == entry.Signature).ToList();
        // A generic method without stored generic arguments is its open definition, as the table names a virtual
        // call's analyzed overrides (UnitSpecializer compares them with the receiver's override by definition).
        var open = matching.FirstOrDefault(m => (m.IsGenericMethodDefinition ? m.GetGenericArguments().Length : 0) == entry.GenericArguments.Count)
            ?? (entry.GenericArguments.Count == 0 ? matching.FirstOrDefault(m => m.IsGenericMethodDefinition) : null)
            ?? throw new MissingMethodException($"{declaring.FullName} has no method {entry.Name} of signature {entry.Signature}: the assembly beside the JIT-enabled one differs from the one it was built against");
        var resolved = declaring.IsConstructedGenericType ? (MethodBase)declaring.GetMemberWithSameMetadataDefinitionAs(open) : open;
        if (entry.GenericArguments.Count > 0)
            resolved = ((MethodInfo)resolved).MakeGenericMethod(entry.GenericArguments.Select(Load).ToArray());
        return resolved;
    });
}

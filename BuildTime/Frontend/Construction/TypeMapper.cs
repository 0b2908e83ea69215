using Mono.Cecil;
using PeJit.IR;

namespace PeJit.Frontend.Construction;

/// <summary>
/// Maps Cecil type references to <see cref="IrType"/>s: primitives to keywords, enums to their underlying
/// type, modifiers and pinning stripped. Resolving a reference (to tell an enum from a struct) may fail when
/// a referenced assembly is missing; such a type is kept by its signature's class/valuetype flag.
/// </summary>
public sealed class TypeMapper
{
    private readonly Dictionary<string, IrType> cache = [];

    /// <summary>The IR type of <paramref name="type"/>.</summary>
    public IrType Map(TypeReference type)
    {
        type = Strip(type);
        switch (type.MetadataType)
        {
            case MetadataType.Void: return IrType.Void;
            case MetadataType.Boolean: return IrType.Bool;
            case MetadataType.Char: return IrType.Char;
            case MetadataType.SByte: return IrType.I8;
            case MetadataType.Byte: return IrType.U8;
            case MetadataType.Int16: return IrType.I16;
            case MetadataType.UInt16: return IrType.U16;
            case MetadataType.Int32: return IrType.I32;
            case MetadataType.UInt32: return IrType.U32;
            case MetadataType.Int64: return IrType.I64;
            case MetadataType.UInt64: return IrType.U64;
            case MetadataType.IntPtr: return IrType.NInt;
            case MetadataType.UIntPtr: return IrType.NUInt;
            case MetadataType.Single: return IrType.F32;
            case MetadataType.Double: return IrType.F64;
            case MetadataType.String: return IrType.String;
            case MetadataType.Object: return IrType.Object;
        }
        if (type.Namespace == "System" && type is not TypeSpecification && type.DeclaringType is null
            && PrimitivesByName.TryGetValue(type.Name, out var primitive))
            return primitive;
        if (cache.TryGetValue(type.FullName, out var known)) return known;
        var mapped = type switch
        {
            ByReferenceType r => IrType.ByRef(Map(r.ElementType), type),
            PointerType p => IrType.Pointer(Map(p.ElementType), type),
            FunctionPointerType => IrType.NInt,
            GenericParameter => IrType.GenericParameter(type.FullName, type),
            ArrayType => IrType.Class(type.FullName, type),
            _ when type.IsValueType => MapValueType(type),
            _ => IrType.Class(type.FullName, type),
        };
        cache[type.FullName] = mapped;
        return mapped;
    }

    // A type token (box, ldelem, a generic argument) names System.Int32 through a TypeRef, which Cecil
    // does not mark as a primitive; the name is what identifies it.
    private static readonly Dictionary<string, IrType> PrimitivesByName = new()
    {
        ["Void"] = IrType.Void, ["Boolean"] = IrType.Bool, ["Char"] = IrType.Char, ["SByte"] = IrType.I8,
        ["Byte"] = IrType.U8, ["Int16"] = IrType.I16, ["UInt16"] = IrType.U16, ["Int32"] = IrType.I32,
        ["UInt32"] = IrType.U32, ["Int64"] = IrType.I64, ["UInt64"] = IrType.U64, ["IntPtr"] = IrType.NInt,
        ["UIntPtr"] = IrType.NUInt, ["Single"] = IrType.F32, ["Double"] = IrType.F64, ["String"] = IrType.String,
        ["Object"] = IrType.Object,
    };

    private IrType MapValueType(TypeReference type)
    {
        var definition = TryResolve(type);
        if (definition is { IsEnum: true })
        {
            var underlying = definition.Fields.First(f => !f.IsStatic).FieldType;
            return IrType.Enum(type.FullName, Map(underlying), type);
        }
        return IrType.ValueType(type.FullName, type);
    }

    /// <summary>Resolves a reference to its definition, or null when its assembly cannot be found.</summary>
    public static TypeDefinition? TryResolve(TypeReference type)
    {
        try
        {
            return type.Resolve();
        }
        catch (AssemblyResolutionException)
        {
            return null;
        }
    }

    /// <summary>Removes custom modifiers, pinning and sentinels, which do not change what a value is.</summary>
    public static TypeReference Strip(TypeReference type) => type switch
    {
        RequiredModifierType m => Strip(m.ElementType),
        OptionalModifierType m => Strip(m.ElementType),
        PinnedType p => Strip(p.ElementType),
        SentinelType s => Strip(s.ElementType),
        _ => type,
    };
}

namespace PeJit.IR.Semantics;

/// <summary>
/// The IR type of a run-time type, named as the frontend's <c>TypeMapper</c> names the Cecil reference of the same type
/// (Cecil's full name: <c>/</c> for nesting, <c>Name`1&lt;System.Int64&gt;</c> for an instantiation, <c>[]</c>, <c>&amp;</c>,
/// <c>*</c>), its <see cref="IrType.Origin"/> the type itself, so that every member resolver returns it without a lookup.
/// The specializer names the types of an inlined generic method's residual code so once it has instantiated them.
/// </summary>
public static class ReflectedIrTypes
{
    /// <summary>The IR type of <paramref name="type"/>: a keyword for a primitive, string and object; else a named type with <paramref name="type"/> as its origin.</summary>
    public static IrType Of(Type type)
    {
        if (Primitive(type) is { } primitive) return primitive;
        if (type.IsByRef) return IrType.ByRef(Of(type.GetElementType()!), type);
        if (type.IsPointer) return IrType.Pointer(Of(type.GetElementType()!), type);
        if (type.IsGenericParameter) return IrType.GenericParameter(type.Name, type);
        if (type.IsEnum) return IrType.Enum(CecilName(type), Of(Enum.GetUnderlyingType(type)), type);
        if (type.IsValueType) return IrType.ValueType(CecilName(type), type);
        return IrType.Class(CecilName(type), type);
    }

    /// <summary>The primitive IR type of <paramref name="type"/> (the keywords, string and object included), or null.</summary>
    public static IrType? Primitive(Type type)
    {
        for (var kind = TypeKind.Void; kind <= TypeKind.Object; kind++)
            if (PrimitiveTypes.Of(kind) == type) return IrType.Primitive(kind);
        return null;
    }

    /// <summary>Cecil's full name of <paramref name="type"/>, as the frontend writes the IR's type names.</summary>
    public static string CecilName(Type type)
    {
        if (type.IsGenericParameter) return type.Name;
        if (type.IsByRef) return CecilName(type.GetElementType()!) + "&";
        if (type.IsPointer) return CecilName(type.GetElementType()!) + "*";
        if (type.IsArray) return CecilName(type.GetElementType()!) + (type.IsSZArray ? "[]" : "[" + new string(',', type.GetArrayRank() - 1) + "]");
        if (type.IsConstructedGenericType)
            return CecilName(type.GetGenericTypeDefinition()) + "<" + string.Join(",", type.GetGenericArguments().Select(CecilName)) + ">";
        if (type.IsNested) return CecilName(type.DeclaringType!) + "/" + type.Name;
        return string.IsNullOrEmpty(type.Namespace) ? type.Name : type.Namespace + "." + type.Name;
    }
}

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
    public static string CecilName(Type type) => Spell(type, '/', static parameter => parameter.Name);

    /// <summary>
    /// <paramref name="type"/>'s name in the form PeJit's texts share: namespace-qualified, <c>Name`1&lt;A,B&gt;</c> for an
    /// instantiation, <c>[]</c>, <c>&amp;</c>, <c>*</c> suffixes; <paramref name="nesting"/> between a nested class and its
    /// declaring one (Cecil's <c>/</c>, reflection's <c>+</c>) and a generic parameter as <paramref name="parameter"/> spells it
    /// (its name in the IR, its position in a stored signature).
    /// </summary>
    public static string Spell(Type type, char nesting, Func<Type, string> parameter)
    {
        if (type.IsGenericParameter) return parameter(type);
        if (type.IsByRef) return Spell(type.GetElementType()!, nesting, parameter) + "&";
        if (type.IsPointer) return Spell(type.GetElementType()!, nesting, parameter) + "*";
        if (type.IsArray) return Spell(type.GetElementType()!, nesting, parameter) + (type.IsSZArray ? "[]" : "[" + new string(',', type.GetArrayRank() - 1) + "]");
        if (type.IsConstructedGenericType)
            return Spell(type.GetGenericTypeDefinition(), nesting, parameter) + "<"
                + string.Join(",", type.GetGenericArguments().Select(argument => Spell(argument, nesting, parameter))) + ">";
        if (type.IsNested) return Spell(type.DeclaringType!, nesting, parameter) + nesting + type.Name;
        return string.IsNullOrEmpty(type.Namespace) ? type.Name : type.Namespace + "." + type.Name;
    }
}

namespace PeJit.IR.Semantics;

/// <summary>
/// The run-time type of each IR type kind that names one by itself (the primitives, string, object): one table
/// for every member resolver, whatever it resolves named types through (Cecil at build time, the stored member
/// table at run time).
/// </summary>
public static class PrimitiveTypes
{
    /// <summary>The run-time type of <paramref name="kind"/>, or null when the kind needs a name or an element (classes, structs, arrays, byrefs, pointers, generic parameters).</summary>
    public static Type? Of(TypeKind kind) => kind switch
    {
        TypeKind.Void => typeof(void),
        TypeKind.Bool => typeof(bool),
        TypeKind.Char => typeof(char),
        TypeKind.I8 => typeof(sbyte),
        TypeKind.U8 => typeof(byte),
        TypeKind.I16 => typeof(short),
        TypeKind.U16 => typeof(ushort),
        TypeKind.I32 => typeof(int),
        TypeKind.U32 => typeof(uint),
        TypeKind.I64 => typeof(long),
        TypeKind.U64 => typeof(ulong),
        TypeKind.NInt => typeof(nint),
        TypeKind.NUInt => typeof(nuint),
        TypeKind.F32 => typeof(float),
        TypeKind.F64 => typeof(double),
        TypeKind.String => typeof(string),
        TypeKind.Object => typeof(object),
        _ => null,
    };
}

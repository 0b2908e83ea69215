namespace PeJit.IR;

/// <summary>What kind of .NET type an <see cref="IrType"/> is; primitives have a kind each.</summary>
public enum TypeKind
{
    /// <summary>No value (<c>void</c>).</summary>
    Void,
    /// <summary><c>bool</c>.</summary>
    Bool,
    /// <summary><c>char</c>.</summary>
    Char,
    /// <summary><c>sbyte</c>.</summary>
    I8,
    /// <summary><c>byte</c>.</summary>
    U8,
    /// <summary><c>short</c>.</summary>
    I16,
    /// <summary><c>ushort</c>.</summary>
    U16,
    /// <summary><c>int</c>.</summary>
    I32,
    /// <summary><c>uint</c>.</summary>
    U32,
    /// <summary><c>long</c>.</summary>
    I64,
    /// <summary><c>ulong</c>.</summary>
    U64,
    /// <summary><c>nint</c>.</summary>
    NInt,
    /// <summary><c>nuint</c>.</summary>
    NUInt,
    /// <summary><c>float</c>.</summary>
    F32,
    /// <summary><c>double</c>.</summary>
    F64,
    /// <summary><c>string</c>.</summary>
    String,
    /// <summary><c>object</c>.</summary>
    Object,
    /// <summary>Any other reference type: classes, interfaces, arrays, delegates.</summary>
    Class,
    /// <summary>A value type that is not a primitive or an enum.</summary>
    ValueType,
    /// <summary>An enum; <see cref="IrType.Element"/> is its underlying primitive type.</summary>
    Enum,
    /// <summary>A managed pointer (<c>ref T</c>); <see cref="IrType.Element"/> is T.</summary>
    ByRef,
    /// <summary>An unmanaged pointer (<c>T*</c>); <see cref="IrType.Element"/> is T.</summary>
    Pointer,
    /// <summary>A generic parameter of the enclosing type or method, not substituted.</summary>
    GenericParameter,
}

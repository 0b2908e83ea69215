namespace PeJit.IR;

/// <summary>
/// The .NET type of a value. Primitives are shared instances; other types carry their full name (as Cecil
/// prints it) and, when built by the frontend, what they were made from (<see cref="Origin"/>, opaque to the IR). Two types are equal
/// when their kind, name and element are equal, so a parsed graph equals the graph it was printed from.
/// </summary>
/// <remarks>
/// Text form (see Docs/ir.md): a keyword for primitives (<c>i32</c>, <c>f64</c>, <c>string</c>, ...);
/// <c>class "Name"</c>, <c>valuetype "Name"</c>, <c>enum:i32 "Name"</c>, <c>generic "T"</c> for named types;
/// <c>&amp;T</c> for a managed pointer to T and <c>*T</c> for an unmanaged one.
/// </remarks>
public sealed class IrType : IEquatable<IrType>
{
    private IrType(TypeKind kind, string name, IrType? element, object? origin)
    {
        Kind = kind;
        Name = name;
        Element = element;
        Origin = origin;
        stackKind = StackKindOf(kind, element);
    }

    // Computed once: the engine, the optimizer and the stored graph's reader ask for it per value and per operand, and a
    // field read is inlined everywhere, also across PeJit's precompiled assemblies, where a call of the switch below was one
    // more method .NET counted and compiled again in every JIT-enabled process (CompactReader's remarks).
    private readonly StackKind stackKind;

    /// <summary>What kind of type this is.</summary>
    public TypeKind Kind { get; }

    /// <summary>The full .NET name (Cecil's <c>FullName</c> form), or the keyword for a primitive.</summary>
    public string Name { get; }

    /// <summary>For pointers, the pointee; for enums, the underlying primitive; otherwise null.</summary>
    public IrType? Element { get; }

    /// <summary>What the producer made the type from (the frontend: its Cecil reference), opaque to the IR; null after parsing.</summary>
    public object? Origin { get; }

    /// <summary><c>void</c>.</summary>
    public static readonly IrType Void = new(TypeKind.Void, "void", null, null);
    /// <summary><c>bool</c>.</summary>
    public static readonly IrType Bool = new(TypeKind.Bool, "bool", null, null);
    /// <summary><c>char</c>.</summary>
    public static readonly IrType Char = new(TypeKind.Char, "char", null, null);
    /// <summary><c>sbyte</c>.</summary>
    public static readonly IrType I8 = new(TypeKind.I8, "i8", null, null);
    /// <summary><c>byte</c>.</summary>
    public static readonly IrType U8 = new(TypeKind.U8, "u8", null, null);
    /// <summary><c>short</c>.</summary>
    public static readonly IrType I16 = new(TypeKind.I16, "i16", null, null);
    /// <summary><c>ushort</c>.</summary>
    public static readonly IrType U16 = new(TypeKind.U16, "u16", null, null);
    /// <summary><c>int</c>.</summary>
    public static readonly IrType I32 = new(TypeKind.I32, "i32", null, null);
    /// <summary><c>uint</c>.</summary>
    public static readonly IrType U32 = new(TypeKind.U32, "u32", null, null);
    /// <summary><c>long</c>.</summary>
    public static readonly IrType I64 = new(TypeKind.I64, "i64", null, null);
    /// <summary><c>ulong</c>.</summary>
    public static readonly IrType U64 = new(TypeKind.U64, "u64", null, null);
    /// <summary><c>nint</c>.</summary>
    public static readonly IrType NInt = new(TypeKind.NInt, "nint", null, null);
    /// <summary><c>nuint</c>.</summary>
    public static readonly IrType NUInt = new(TypeKind.NUInt, "nuint", null, null);
    /// <summary><c>float</c>.</summary>
    public static readonly IrType F32 = new(TypeKind.F32, "f32", null, null);
    /// <summary><c>double</c>.</summary>
    public static readonly IrType F64 = new(TypeKind.F64, "f64", null, null);
    /// <summary><c>string</c>.</summary>
    public static readonly IrType String = new(TypeKind.String, "string", null, null);
    /// <summary><c>object</c>.</summary>
    public static readonly IrType Object = new(TypeKind.Object, "object", null, null);

    /// <summary>Every primitive, by its keyword.</summary>
    // Made on first use: only the text parser needs it, and a dictionary built in the class initializer is a dozen
    // type loads in every JIT-enabled process (Docs/PERFORMANCE.md, "Cold warm-up").
    public static IReadOnlyDictionary<string, IrType> Keywords => keywords ??= new[]
    {
        Void, Bool, Char, I8, U8, I16, U16, I32, U32, I64, U64, NInt, NUInt, F32, F64, String, Object,
    }.ToDictionary(t => t.Name);

    private static IReadOnlyDictionary<string, IrType>? keywords;

    /// <summary>The primitive of kind <paramref name="kind"/> (one instance per kind), or null when <paramref name="kind"/> is not a primitive's.</summary>
    public static IrType? Primitive(TypeKind kind) => kind switch
    {
        TypeKind.Void => Void,
        TypeKind.Bool => Bool,
        TypeKind.Char => Char,
        TypeKind.I8 => I8,
        TypeKind.U8 => U8,
        TypeKind.I16 => I16,
        TypeKind.U16 => U16,
        TypeKind.I32 => I32,
        TypeKind.U32 => U32,
        TypeKind.I64 => I64,
        TypeKind.U64 => U64,
        TypeKind.NInt => NInt,
        TypeKind.NUInt => NUInt,
        TypeKind.F32 => F32,
        TypeKind.F64 => F64,
        TypeKind.String => String,
        TypeKind.Object => Object,
        _ => null,
    };

    /// <summary>A reference type other than string and object.</summary>
    public static IrType Class(string name, object? origin = null) => new(TypeKind.Class, name, null, origin);

    /// <summary>A value type that is neither primitive nor enum.</summary>
    public static IrType ValueType(string name, object? origin = null) => new(TypeKind.ValueType, name, null, origin);

    /// <summary>An enum over the given primitive.</summary>
    public static IrType Enum(string name, IrType underlying, object? origin = null) => new(TypeKind.Enum, name, underlying, origin);

    /// <summary>An unsubstituted generic parameter.</summary>
    public static IrType GenericParameter(string name, object? origin = null) => new(TypeKind.GenericParameter, name, null, origin);

    /// <summary>A managed pointer to <paramref name="element"/>.</summary>
    public static IrType ByRef(IrType element, object? origin = null) => new(TypeKind.ByRef, element.Name + "&", element, origin);

    /// <summary>An unmanaged pointer to <paramref name="element"/>.</summary>
    public static IrType Pointer(IrType element, object? origin = null) => new(TypeKind.Pointer, element.Name + "*", element, origin);

    /// <summary>
    /// The name of the first generic parameter among an instruction's types (its result's, its type operand's, its operands'),
    /// or null: code whose copy would name one cannot be emitted without instantiating it. The specializer instantiates the code
    /// of an inlined generic method with the type arguments of its call, and refuses such code only where no call said them.
    /// </summary>
    public static string? GenericParameterAmong(IrType? result, IrType? typeOperand, IEnumerable<IrType> operands)
    {
        if (result is { Kind: TypeKind.GenericParameter }) return result.Name;
        if (typeOperand is { Kind: TypeKind.GenericParameter }) return typeOperand.Name;
        foreach (var type in operands)
            if (type.Kind == TypeKind.GenericParameter) return type.Name;
        return null;
    }

    /// <summary>The CIL stack class of this type.</summary>
    public StackKind StackKind => stackKind;

    private static StackKind StackKindOf(TypeKind kind, IrType? element) => kind switch
    {
        TypeKind.Void => StackKind.Void,
        TypeKind.Bool or TypeKind.Char or TypeKind.I8 or TypeKind.U8 or TypeKind.I16 or TypeKind.U16
            or TypeKind.I32 or TypeKind.U32 => StackKind.Int32,
        TypeKind.I64 or TypeKind.U64 => StackKind.Int64,
        TypeKind.NInt or TypeKind.NUInt => StackKind.NativeInt,
        TypeKind.F32 or TypeKind.F64 => StackKind.Float,
        TypeKind.String or TypeKind.Object or TypeKind.Class => StackKind.Reference,
        TypeKind.ValueType => StackKind.ValueType,
        TypeKind.Enum => element!.StackKind,
        TypeKind.ByRef => StackKind.ByRef,
        TypeKind.Pointer => StackKind.Pointer,
        _ => StackKind.Unknown,
    };

    /// <summary>True for primitive keyword types (including string and object).</summary>
    public bool IsPrimitive => Kind <= TypeKind.Object;

    /// <summary>True for unsigned integer types (and char, bool), whose widening zero-extends.</summary>
    public bool IsUnsigned => Kind is TypeKind.Bool or TypeKind.Char or TypeKind.U8 or TypeKind.U16 or TypeKind.U32
        or TypeKind.U64 or TypeKind.NUInt || (Kind == TypeKind.Enum && Element!.IsUnsigned);

    /// <summary>
    /// True for managed and unmanaged addresses (<c>T&amp;</c>, <c>T*</c>): values that point into a frame or an object and
    /// so cannot outlive the code that made them (an exit's resume state, a field, a box cannot hold one).
    /// </summary>
    public bool IsAddress => Kind is TypeKind.ByRef or TypeKind.Pointer;

    /// <summary>True when values of this type are object references (including null).</summary>
    public bool IsReference => StackKind == StackKind.Reference;

    /// <summary>The size in bytes of a primitive integer or float; 0 for others.</summary>
    public int PrimitiveSize => Kind switch
    {
        TypeKind.Bool or TypeKind.I8 or TypeKind.U8 => 1,
        TypeKind.Char or TypeKind.I16 or TypeKind.U16 => 2,
        TypeKind.I32 or TypeKind.U32 or TypeKind.F32 => 4,
        TypeKind.I64 or TypeKind.U64 or TypeKind.F64 or TypeKind.NInt or TypeKind.NUInt => 8,
        TypeKind.Enum => Element!.PrimitiveSize,
        _ => 0,
    };

    /// <summary>The type as it appears in the IR's text form.</summary>
    public override string ToString() => Kind switch
    {
        _ when IsPrimitive => Name,
        TypeKind.Class => $"class {Quote(Name)}",
        TypeKind.ValueType => $"valuetype {Quote(Name)}",
        TypeKind.Enum => $"enum:{Element} {Quote(Name)}",
        TypeKind.GenericParameter => $"generic {Quote(Name)}",
        TypeKind.ByRef => $"&{Element}",
        TypeKind.Pointer => $"*{Element}",
        _ => throw new InvalidOperationException($"unknown type kind {Kind}"),
    };

    /// <summary>Quotes a name for the text form: double quotes, with backslash escapes for quote and backslash.</summary>
    public static string Quote(string text) => "\"" + text.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

    /// <inheritdoc/>
    public bool Equals(IrType? other) =>
        other is not null && Kind == other.Kind && Name == other.Name && Equals(Element, other.Element);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is IrType other && Equals(other);

    /// <inheritdoc/>
    // Not HashCode.Combine(Kind, Name): a generic method .NET compiles in every process (Docs/PERFORMANCE.md, warm-up).
    public override int GetHashCode() => unchecked((int)Kind * -1640531535 ^ (Name?.GetHashCode() ?? 0));

    /// <summary>Type equality.</summary>
    public static bool operator ==(IrType? left, IrType? right) => left is null ? right is null : left.Equals(right);

    /// <summary>Type inequality.</summary>
    public static bool operator !=(IrType? left, IrType? right) => !(left == right);
}

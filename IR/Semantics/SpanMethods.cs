using System.Buffers.Binary;
using System.Reflection;
using System.Runtime.InteropServices;

namespace PeJit.IR.Semantics;

/// <summary>
/// The span methods PeJit runs on spans of arrays and strings held as <see cref="SpanValue"/>s: making a span of an array
/// (implicit conversion, constructor, <c>AsSpan</c>) or of a string (<c>AsSpan</c>, the conversion to
/// <c>ReadOnlySpan&lt;char&gt;</c>), <c>Length</c>, <c>IsEmpty</c>, the indexer, <c>Slice</c>, <c>BinaryPrimitives</c>'
/// little- and big-endian reads, <c>MemoryMarshal.Read</c> of a primitive, and <c>MemoryExtensions</c>' queries
/// (<c>SequenceEqual</c>, <c>StartsWith</c>, <c>IndexOf</c>...: <see cref="SpanOperation.Query"/>). The analysis makes a call of one green when its
/// arguments are (a span of a green array at green bounds is green: Docs/bta.md rule 12); the specializer runs it on the
/// green span, and the graph evaluator on its spans.
/// </summary>
/// <remarks>
/// Each operation makes the real span first and calls the real method on it (<see cref="SpanValue{T}"/>), so a read past the
/// end throws what .NET throws, where the specializer then leaves the call in the residual code (it throws there).
/// </remarks>
public static class SpanMethods
{
    private const string Span = "System.Span`1", ReadOnlySpan = "System.ReadOnlySpan`1";

    private static readonly HashSet<string> BinaryReads = new(StringComparer.Ordinal)
    {
        "ReadInt16LittleEndian", "ReadUInt16LittleEndian", "ReadInt32LittleEndian", "ReadUInt32LittleEndian", "ReadInt64LittleEndian", "ReadUInt64LittleEndian",
        "ReadSingleLittleEndian", "ReadDoubleLittleEndian",
        "ReadInt16BigEndian", "ReadUInt16BigEndian", "ReadInt32BigEndian", "ReadUInt32BigEndian", "ReadInt64BigEndian", "ReadUInt64BigEndian",
        "ReadSingleBigEndian", "ReadDoubleBigEndian",
    };

    private static readonly HashSet<string> Queries = new(StringComparer.Ordinal)
    {
        "SequenceEqual", "StartsWith", "EndsWith", "IndexOf", "LastIndexOf", "Contains",
    };

    private static readonly HashSet<string> ReadablePrimitives = new(StringComparer.Ordinal)
    {
        "System.Boolean", "System.Char", "System.SByte", "System.Byte", "System.Int16", "System.UInt16", "System.Int32", "System.UInt32",
        "System.Int64", "System.UInt64", "System.Single", "System.Double",
    };

    /// <summary>True for <c>Span&lt;T&gt;</c> or <c>ReadOnlySpan&lt;T&gt;</c> named by its full name (generic arguments included or not).</summary>
    public static bool IsSpanType(string typeName) =>
        typeName.StartsWith(Span, StringComparison.Ordinal) || typeName.StartsWith(ReadOnlySpan, StringComparison.Ordinal);

    /// <summary>What a call of <paramref name="method"/> does to a span, from its name alone; <see cref="SpanOperation.None"/> for any other method.</summary>
    public static SpanOperation Classify(MethodRef method)
    {
        string declaring = method.DeclaringTypeName;
        int generic = declaring.IndexOf('<');
        if (generic >= 0) declaring = declaring[..generic];
        string name = method.Name;
        var parameters = Parameters(method.FullName);
        bool Are(params string[] kinds) => parameters.Count == kinds.Length && parameters.Select(Kind).SequenceEqual(kinds);
        switch (declaring)
        {
            case Span or ReadOnlySpan:
                return name switch
                {
                    ".ctor" when method.HasThis && Are("array") => SpanOperation.FromArray,
                    ".ctor" when method.HasThis && Are("array", "int", "int") => SpanOperation.FromArrayRange,
                    "op_Implicit" when !method.HasThis && Are("array") => SpanOperation.FromArray,
                    "op_Implicit" when !method.HasThis && declaring == Span && Are("span") && method.FullName.StartsWith(ReadOnlySpan, StringComparison.Ordinal) => SpanOperation.AsReadOnly,
                    "get_Length" when method.HasThis && Are() => SpanOperation.Length,
                    "get_IsEmpty" when method.HasThis && Are() => SpanOperation.IsEmpty,
                    "get_Item" when method.HasThis && Are("int") => SpanOperation.Item,
                    "Slice" when method.HasThis && Are("int") => SpanOperation.SliceStart,
                    "Slice" when method.HasThis && Are("int", "int") => SpanOperation.SliceRange,
                    _ => SpanOperation.None,
                };
            case "System.MemoryExtensions" when name == "AsSpan" && !method.HasThis:
                return Are("array") || Are("string") ? SpanOperation.FromArray : Are("array", "int") || Are("string", "int") ? SpanOperation.FromArrayStart
                    : Are("array", "int", "int") || Are("string", "int", "int") ? SpanOperation.FromArrayRange : SpanOperation.None;
            case "System.MemoryExtensions" when Queries.Contains(name) && !method.HasThis && (Are("span", "span") || Are("span", "element"))
                                               && GenericArgument(method.FullName) is { } element && Primitives.ContainsKey(element):
                return SpanOperation.Query;
            case "System.String" when name == "op_Implicit" && !method.HasThis && Are("string") && method.FullName.StartsWith(ReadOnlySpan, StringComparison.Ordinal):
                return SpanOperation.FromArray;
            case "System.Buffers.Binary.BinaryPrimitives" when BinaryReads.Contains(name) && Are("span"):
                return SpanOperation.ReadBinary;
            case "System.Runtime.InteropServices.MemoryMarshal" when name == "Read" && Are("span") && GenericArgument(method.FullName) is { } read && ReadablePrimitives.Contains(read):
                return SpanOperation.ReadValue;
            default:
                return SpanOperation.None;
        }
    }

    /// <summary>True when <see cref="Classify(MethodRef)"/> knows <paramref name="method"/>.</summary>
    public static bool Knows(MethodRef method) => Classify(method) != SpanOperation.None;

    /// <summary>
    /// Runs <paramref name="call"/> on <paramref name="arguments"/> (<c>this</c> first, as the span it points at; integers in
    /// stack form), returning the result in its CLR form: a <see cref="SpanValue"/> for a span, the element for the indexer (its
    /// address stands for it while specializing).
    /// </summary>
    public static object? Invoke(SpanCall call, IReadOnlyList<object?> arguments)
    {
        int Int(int i) => arguments[i] switch
        {
            int v => v, long v => checked((int)v), nint v => checked((int)v),
            var other => throw new Evaluation.EvaluationException($"{call.Name}: argument {i} is {other?.GetType().Name ?? "null"}, not an integer"),
        };
        SpanValue Spanned(int i) => arguments[i] as SpanValue
            ?? throw new Evaluation.EvaluationException($"{call.Name}: argument {i} is {arguments[i]?.GetType().Name ?? "null"}, not a span of an array");
        switch (call.Operation)
        {
            case SpanOperation.FromArray or SpanOperation.FromArrayStart or SpanOperation.FromArrayRange:
            {
                // A constructor called on an address has that address first: its arguments start after it.
                int first = arguments.Count > (call.Operation switch { SpanOperation.FromArray => 1, SpanOperation.FromArrayStart => 2, _ => 3 }) ? 1 : 0;
                if (call.FromText)
                    return SpanValue.OverText((string?)arguments[first], call.Operation == SpanOperation.FromArray ? null : Int(first + 1),
                        call.Operation == SpanOperation.FromArrayRange ? Int(first + 2) : null);
                return SpanValue.Over(call.Element, arguments[first], call.Operation == SpanOperation.FromArray ? null : Int(first + 1),
                    call.Operation == SpanOperation.FromArrayRange ? Int(first + 2) : null, call.Writable);
            }
            case SpanOperation.AsReadOnly:
                return Spanned(0);
            case SpanOperation.Length:
                return Spanned(0).Length;
            case SpanOperation.IsEmpty:
                return Spanned(0).Length == 0;
            case SpanOperation.Item:
                return Spanned(0).Item(Int(1));
            case SpanOperation.SliceStart:
                return Spanned(0).Slice(Int(1));
            case SpanOperation.SliceRange:
                return Spanned(0).Slice(Int(1), Int(2));
            case SpanOperation.ReadBinary:
                return ReadBinary(call.Name, Bytes(Spanned(0), call.Name));
            case SpanOperation.ReadValue:
                return ReadValue(call.Element, Bytes(Spanned(0), call.Name));
            case SpanOperation.Query:
                // The second argument a span, or an element in its stack form (a char arrives as an int).
                return Spanned(0).Query(call.Name, arguments[1] is SpanValue other ? other : ValueSemantics.ToClr(arguments[1], call.Element));
            default:
                throw new Evaluation.EvaluationException($"{call.Name} is not a span method PeJit runs");
        }
    }

    /// <summary>
    /// What a call of <paramref name="method"/> does, from its name alone, when its element type is a primitive (a byte code's
    /// <c>byte</c>, <c>int</c>, <c>long</c>...): no type need be resolved, and the stored form's resolver finds no generic
    /// framework member by its signature. Null for any other method or element type (<see cref="Describe(MethodBase)"/> then).
    /// </summary>
    public static SpanCall? Describe(MethodRef method)
    {
        var operation = Classify(method);
        if (operation == SpanOperation.None) return null;
        string declaring = method.DeclaringTypeName;
        bool text = FromText(method.FullName);
        string? element = operation is SpanOperation.ReadBinary ? "System.Byte" : text ? "System.Char"
            : GenericArgument(method.FullName) ?? (declaring.IndexOf('<') is var open and > 0 ? declaring[(open + 1)..^1] : null);
        if (element is null || PrimitiveNamed(element) is not { } type) return null;
        // A query makes no span; a string's span is read-only.
        bool writable = !text && operation != SpanOperation.Query && (declaring.StartsWith(Span, StringComparison.Ordinal) || declaring == "System.MemoryExtensions");
        return new SpanCall(operation, type, writable, method.Name) { FromText = text };
    }

    /// <summary>What a call of the resolved <paramref name="method"/> does; null for a method <see cref="Classify(MethodRef)"/> does not know.</summary>
    public static SpanCall? Describe(MethodBase method)
    {
        if (method.DeclaringType is null) return null;
        var declaring = method.DeclaringType;
        var reference = new MethodRef(CecilStyleName(method), hasThis: !method.IsStatic);
        var operation = Classify(reference);
        if (operation == SpanOperation.None) return null;
        bool text = method.GetParameters() is [{ ParameterType: var source }, ..] && source == typeof(string);
        var element = operation == SpanOperation.ReadBinary ? typeof(byte)
            : text ? typeof(char)
            : declaring.IsGenericType && SpanValue.Stands(declaring) ? declaring.GetGenericArguments()[0]
            : method is MethodInfo { IsGenericMethod: true } generic ? generic.GetGenericArguments()[0]
            : typeof(byte);
        bool writable = method switch
        {
            ConstructorInfo constructor => constructor.DeclaringType!.GetGenericTypeDefinition() == typeof(Span<>),
            MethodInfo { ReturnType: { IsGenericType: true } returned } => returned.GetGenericTypeDefinition() == typeof(Span<>),
            _ => false,
        };
        return new SpanCall(operation, element, writable && !text, method.Name) { FromText = text };
    }

    /// <summary>Whether the method named <paramref name="fullName"/> makes a span of a string (its first parameter a <c>string</c>).</summary>
    private static bool FromText(string fullName) => Parameters(fullName) is [var first, ..] && Kind(first) == "string";

    private static readonly Dictionary<string, Type> Primitives = new(StringComparer.Ordinal)
    {
        ["System.Boolean"] = typeof(bool), ["System.Char"] = typeof(char), ["System.SByte"] = typeof(sbyte), ["System.Byte"] = typeof(byte),
        ["System.Int16"] = typeof(short), ["System.UInt16"] = typeof(ushort), ["System.Int32"] = typeof(int), ["System.UInt32"] = typeof(uint),
        ["System.Int64"] = typeof(long), ["System.UInt64"] = typeof(ulong), ["System.Single"] = typeof(float), ["System.Double"] = typeof(double),
        ["System.IntPtr"] = typeof(nint), ["System.UIntPtr"] = typeof(nuint),
    };

    private static Type? PrimitiveNamed(string name) => Primitives.GetValueOrDefault(name);

    /// <summary>A reflected method's name in the form <see cref="Classify(MethodRef)"/> reads: declaring type, name, parameter kinds.</summary>
    private static string CecilStyleName(MethodBase method)
    {
        // The definition (its parameters in the generic parameters' names, as Cecil prints them: `!0[]`).
        var definition = method.Module.ResolveMethod(method.MetadataToken) ?? method;
        string Name(Type type) => type.IsGenericParameter ? (type.DeclaringMethod is null ? "!" : "!!") + type.GenericParameterPosition
            : type.IsArray ? Name(type.GetElementType()!) + "[]"
            : type.IsGenericType ? type.GetGenericTypeDefinition().FullName + "<" + string.Join(",", type.GetGenericArguments().Select(Name)) + ">"
            : type.FullName ?? type.Name;
        string returned = definition is MethodInfo info ? Name(info.ReturnType) : "System.Void";
        string arguments = method is MethodInfo { IsGenericMethod: true } instance ? "<" + string.Join(",", instance.GetGenericArguments().Select(Name)) + ">" : "";
        return $"{returned} {Name(method.DeclaringType!)}::{method.Name}{arguments}({string.Join(",", definition.GetParameters().Select(p => Name(p.ParameterType)))})";
    }

    private static ReadOnlySpan<byte> Bytes(SpanValue span, string method) => span is SpanValue<byte> bytes
        ? bytes.ReadOnly
        : throw new Evaluation.EvaluationException($"{method} reads a span of {span.ElementType.Name}, not of bytes");

    // Each arm cast to object: a switch over numeric arms would have the type they all convert to (double).
    private static object ReadBinary(string name, ReadOnlySpan<byte> bytes) => name switch
    {
        "ReadInt16LittleEndian" => (object)BinaryPrimitives.ReadInt16LittleEndian(bytes),
        "ReadUInt16LittleEndian" => (object)BinaryPrimitives.ReadUInt16LittleEndian(bytes),
        "ReadInt32LittleEndian" => (object)BinaryPrimitives.ReadInt32LittleEndian(bytes),
        "ReadUInt32LittleEndian" => (object)BinaryPrimitives.ReadUInt32LittleEndian(bytes),
        "ReadInt64LittleEndian" => (object)BinaryPrimitives.ReadInt64LittleEndian(bytes),
        "ReadUInt64LittleEndian" => (object)BinaryPrimitives.ReadUInt64LittleEndian(bytes),
        "ReadSingleLittleEndian" => (object)BinaryPrimitives.ReadSingleLittleEndian(bytes),
        "ReadDoubleLittleEndian" => (object)BinaryPrimitives.ReadDoubleLittleEndian(bytes),
        "ReadInt16BigEndian" => (object)BinaryPrimitives.ReadInt16BigEndian(bytes),
        "ReadUInt16BigEndian" => (object)BinaryPrimitives.ReadUInt16BigEndian(bytes),
        "ReadInt32BigEndian" => (object)BinaryPrimitives.ReadInt32BigEndian(bytes),
        "ReadUInt32BigEndian" => (object)BinaryPrimitives.ReadUInt32BigEndian(bytes),
        "ReadInt64BigEndian" => (object)BinaryPrimitives.ReadInt64BigEndian(bytes),
        "ReadUInt64BigEndian" => (object)BinaryPrimitives.ReadUInt64BigEndian(bytes),
        "ReadSingleBigEndian" => (object)BinaryPrimitives.ReadSingleBigEndian(bytes),
        "ReadDoubleBigEndian" => (object)BinaryPrimitives.ReadDoubleBigEndian(bytes),
        _ => throw new Evaluation.EvaluationException($"BinaryPrimitives.{name} is not a read PeJit runs"),
    };

    private static object ReadValue(Type type, ReadOnlySpan<byte> bytes) => Type.GetTypeCode(type) switch
    {
        TypeCode.Boolean => (object)MemoryMarshal.Read<bool>(bytes),
        TypeCode.Char => (object)MemoryMarshal.Read<char>(bytes),
        TypeCode.SByte => (object)MemoryMarshal.Read<sbyte>(bytes),
        TypeCode.Byte => (object)MemoryMarshal.Read<byte>(bytes),
        TypeCode.Int16 => (object)MemoryMarshal.Read<short>(bytes),
        TypeCode.UInt16 => (object)MemoryMarshal.Read<ushort>(bytes),
        TypeCode.Int32 => (object)MemoryMarshal.Read<int>(bytes),
        TypeCode.UInt32 => (object)MemoryMarshal.Read<uint>(bytes),
        TypeCode.Int64 => (object)MemoryMarshal.Read<long>(bytes),
        TypeCode.UInt64 => (object)MemoryMarshal.Read<ulong>(bytes),
        TypeCode.Single => (object)MemoryMarshal.Read<float>(bytes),
        TypeCode.Double => (object)MemoryMarshal.Read<double>(bytes),
        _ => throw new Evaluation.EvaluationException($"MemoryMarshal.Read<{type.Name}> is not a read PeJit runs"),
    };

    /// <summary>The kind of each parameter of a method named by its Cecil full name: array, int, span or other.</summary>
    private static List<string> Parameters(string fullName)
    {
        var list = new List<string>();
        int colons = fullName.IndexOf("::", StringComparison.Ordinal);
        int open = fullName.IndexOf('(', colons + 2);
        if (open < 0) return list;
        int depth = 0, start = open + 1;
        for (int i = open + 1; i < fullName.Length; i++)
        {
            char c = fullName[i];
            if (c is '<' or '[' or '(') depth++;
            else if (c is '>' or ']' or ')')
            {
                if (depth == 0)
                {
                    if (i > start) list.Add(fullName[start..i]);
                    break;
                }
                depth--;
            }
            else if (c == ',' && depth == 0)
            {
                list.Add(fullName[start..i]);
                start = i + 1;
            }
        }
        return list;
    }

    private static string Kind(string parameter) =>
        parameter == "System.Int32" ? "int"
        : parameter is "!0[]" or "!!0[]" ? "array"
        : parameter == "System.String" ? "string"
        : parameter is "!0" or "!!0" ? "element"
        : IsSpanType(parameter) ? "span"
        : "other";

    /// <summary>The first generic argument of a generic method's full name (<c>Read&lt;System.Int32&gt;(...)</c>), or null.</summary>
    private static string? GenericArgument(string fullName)
    {
        int colons = fullName.IndexOf("::", StringComparison.Ordinal);
        int angle = fullName.IndexOf('<', colons + 2), open = fullName.IndexOf('(', colons + 2);
        if (angle < 0 || angle > open) return null;
        int close = fullName.LastIndexOf('>', open);
        return close > angle ? fullName[(angle + 1)..close] : null;
    }
}

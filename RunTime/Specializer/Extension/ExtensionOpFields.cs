using System.Globalization;
using PeJit.IR;

namespace PeJit.Specializer.Extension;

/// <summary>
/// The one description of what the stored form keeps of an <see cref="ExtensionOp"/>: every field the build-time
/// compiler decides that the layout (<see cref="ExtensionLayout"/>: operands, result, targets) and the linker
/// (<see cref="ExtensionLinker"/>: delegates, run-time types) cannot derive. <see cref="ExtensionSerializer"/>
/// writes and reads ops only through this table, as <c>name=value</c> words after the op's kind, a field left
/// out when it has its default value.
/// </summary>
/// <remarks>
/// To store a new field of <see cref="ExtensionOp"/>: add one <see cref="ExtensionOpField"/> line to
/// <see cref="All"/> with a name no other field has, a writer that returns null for the default value (so ops
/// without it stay short), and a reader that sets it from that text (<see cref="ExtensionTokens.Quote"/> and
/// <see cref="ExtensionTokens.Unquote"/> for free text; <see cref="ExtensionFieldContext"/> to name graphs by index).
/// A field the layout or linker derives needs no line. Old stored programs read as before: an absent field
/// keeps its default.
/// </remarks>
internal static class ExtensionOpFields
{
    // Enums are read with the non-generic Enum.Parse: each Enum.Parse<T> is a generic method .NET compiles when a
    // portal is first prepared (ReadyToRun cannot precompile it over PeJit's enums).
    /// <summary>The stored fields, in the order they are written.</summary>
    public static readonly IReadOnlyList<ExtensionOpField> All =
    [
        new("green", (op, _) => op.Green == GreenOperation.CannotRun ? null : op.Green.ToString(),
            (op, text, _) => op.Green = (GreenOperation)Enum.Parse(typeof(GreenOperation), text)),
        new("treatment", (op, _) => op.Treatment?.ToString(),
            (op, text, _) => op.Treatment = (CallTreatment)Enum.Parse(typeof(CallTreatment), text)),
        new("callees", (op, context) => op.Callees.Length == 0 ? null : string.Join(",", op.Callees.Select(context.IndexOf)),
            (op, text, context) => op.Callees = text.Split(',').Select(i => context.Graph(Number(i))).ToArray()),
        new("calleemethods", (op, _) => op.CalleeMethods.Length == 0 ? null
                : ExtensionTokens.Quote(string.Join("\n", op.CalleeMethods.Select(m => (m.HasThis ? "instance " : "static ") + m.FullName))),
            (op, text, context) => op.CalleeMethods = ExtensionTokens.Unquote(text, context.Line).Split('\n')
                .Select(m => m.StartsWith("instance ", StringComparison.Ordinal) ? new MethodRef(m["instance ".Length..], true) : new MethodRef(m["static ".Length..], false))
                .ToArray()),
        new("constant", (op, _) => op.ConstantObject is null ? null : Literal(op.ConstantObject),
            (op, text, context) => op.ConstantObject = ParseLiteral(text, context.Line)),
        new("integer", (op, _) => op.ConstantInteger == 0 ? null : op.ConstantInteger.ToString(CultureInfo.InvariantCulture),
            (op, text, _) => op.ConstantInteger = long.Parse(text, CultureInfo.InvariantCulture)),
        new("float", (op, _) => BitConverter.DoubleToInt64Bits(op.ConstantFloat) == 0 ? null : BitConverter.DoubleToInt64Bits(op.ConstantFloat).ToString("x", CultureInfo.InvariantCulture),
            (op, text, _) => op.ConstantFloat = BitConverter.Int64BitsToDouble(long.Parse(text, NumberStyles.HexNumber, CultureInfo.InvariantCulture))),
        new("conversion", (op, _) => op.ConversionKind == default ? null : op.ConversionKind.ToString(),
            (op, text, _) => op.ConversionKind = (TypeKind)Enum.Parse(typeof(TypeKind), text)),
        new("int32", (op, _) => op.Int32Operands ? "true" : null, (op, _, _) => op.Int32Operands = true),
        new("redslot", (op, _) => op.RedSlot ? "true" : null, (op, _, _) => op.RedSlot = true),
        new("partialslot", (op, _) => op.PartialSlot ? "true" : null, (op, _, _) => op.PartialSlot = true),
        new("message", (op, _) => op.Message is null ? null : ExtensionTokens.Quote(op.Message),
            (op, text, context) => op.Message = ExtensionTokens.Unquote(text, context.Line)),
        new("access", (op, _) => op.AccessName is null ? null : ExtensionTokens.Quote(op.AccessName),
            (op, text, context) => op.AccessName = ExtensionTokens.Unquote(text, context.Line)),
        new("accessor", (op, _) => op.AccessMethod is null ? null : ExtensionTokens.Quote(op.AccessMethod),
            (op, text, context) => op.AccessMethod = ExtensionTokens.Unquote(text, context.Line)),
    ];

    /// <summary>The fields by name.</summary>
    public static readonly IReadOnlyDictionary<string, ExtensionOpField> ByName = All.ToDictionary(f => f.Name);

    private static int Number(string text) => int.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);

    /// <summary>A constant in typed form: <c>i32:5</c>, <c>i64:5</c>, <c>nint:5</c>, <c>f32:BITS</c>, <c>f64:BITS</c> (hex), <c>str:"..."</c>.</summary>
    private static string Literal(object value) => value switch
    {
        int i => "i32:" + i.ToString(CultureInfo.InvariantCulture),
        long l => "i64:" + l.ToString(CultureInfo.InvariantCulture),
        nint n => "nint:" + ((long)n).ToString(CultureInfo.InvariantCulture),
        float f => "f32:" + BitConverter.SingleToInt32Bits(f).ToString("x", CultureInfo.InvariantCulture),
        double d => "f64:" + BitConverter.DoubleToInt64Bits(d).ToString("x", CultureInfo.InvariantCulture),
        string s => "str:" + ExtensionTokens.Quote(s),
        _ => throw new NotSupportedException($"a constant of type {value.GetType()} cannot be stored; the extension compiler makes only primitives and strings constants"),
    };

    private static object ParseLiteral(string text, int line)
    {
        int colon = text.IndexOf(':');
        string kind = colon < 0 ? text : text[..colon], rest = text[(colon + 1)..];
        return kind switch
        {
            "i32" => int.Parse(rest, CultureInfo.InvariantCulture),
            "i64" => long.Parse(rest, CultureInfo.InvariantCulture),
            "nint" => (nint)long.Parse(rest, CultureInfo.InvariantCulture),
            "f32" => BitConverter.Int32BitsToSingle(int.Parse(rest, NumberStyles.HexNumber, CultureInfo.InvariantCulture)),
            "f64" => BitConverter.Int64BitsToDouble(long.Parse(rest, NumberStyles.HexNumber, CultureInfo.InvariantCulture)),
            "str" => ExtensionTokens.Unquote(rest, line),
            _ => throw ExtensionTokens.Error(line, $"'{text}' is not a constant (i32:, i64:, nint:, f32:, f64:, str:)"),
        };
    }
}

/// <summary>One stored field of an <see cref="ExtensionOp"/> (<see cref="ExtensionOpFields"/>).</summary>
/// <param name="Name">Its name in the stored form.</param>
/// <param name="Write">Its value as one word, or null when it has its default value.</param>
/// <param name="Read">Sets it from the word <paramref name="Write"/> wrote.</param>
internal sealed record ExtensionOpField(string Name, Func<ExtensionOp, ExtensionFieldContext, string?> Write, Action<ExtensionOp, string, ExtensionFieldContext> Read);

/// <summary>What a stored field may refer to: the program's graphs by index, and the line being read (for errors).</summary>
internal sealed class ExtensionFieldContext(IReadOnlyList<ExtensionGraph> graphs)
{
    // Built on the first write: reading (one context per graph loaded) never needs it.
    private Dictionary<ExtensionGraph, int>? indexes;

    /// <summary>The line being read.</summary>
    public int Line { get; set; }

    /// <summary>The index of a graph of the program.</summary>
    public int IndexOf(ExtensionGraph graph) => (indexes ??= graphs.Select((g, i) => (g, i)).ToDictionary(p => p.g, p => p.i))[graph];

    /// <summary>The graph at an index.</summary>
    public ExtensionGraph Graph(int index) =>
        index < graphs.Count ? graphs[index] : throw ExtensionTokens.Error(Line, $"graph {index} is not in the program ({graphs.Count} graphs)");
}

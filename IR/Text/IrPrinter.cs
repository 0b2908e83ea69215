using System.Globalization;
using System.Text;
using PeJit.IR;

namespace PeJit.IR.Text;

/// <summary>
/// Prints a <see cref="FlowGraph"/> in the IR's text form (grammar in Docs/ir.md); <c>IrParser</c>
/// reads it back to an equal graph.
/// </summary>
/// <remarks>
/// Annotations let later stages print inline facts (binding times) without a printer of their own: the
/// callback's text is printed after a value's type, e.g. <c>v3: i32 green = add v1, v2</c>.
/// </remarks>
public static class IrPrinter
{
    /// <summary>Column at which trailing location comments start.</summary>
    private const int CommentColumn = 64;

    /// <summary>Prints a whole graph.</summary>
    /// <param name="graph">The graph.</param>
    /// <param name="annotate">Optional: extra text printed after the type of each value definition.</param>
    public static string Print(FlowGraph graph, Func<Value, string?>? annotate = null)
    {
        var text = new StringBuilder();
        text.Append("function ").Append(IrType.Quote(graph.Name)).Append(" -> ").Append(graph.ReturnType).Append(" {\n");
        foreach (var frame in graph.Virtualizables) text.Append("    virtualizable ").Append(frame.Print()).Append('\n');
        foreach (var slot in graph.Slots)
        {
            var data = graph[slot];
            text.Append("    ").Append(slot);
            if (data.Name is not null) text.Append(" (").Append(data.Name).Append(')');
            text.Append(": ").Append(data.Type).Append('\n');
        }
        foreach (var region in graph.Regions) text.Append("    ").Append(PrintRegion(graph, region)).Append('\n');
        foreach (var block in graph.Blocks) PrintBlock(graph, block, text, annotate);
        text.Append("}\n");
        return text.ToString();
    }

    /// <summary>A region declaration: <c>region0: catch class "System.Exception" handler block5 parent region1</c>.</summary>
    public static string PrintRegion(FlowGraph graph, Region region)
    {
        var data = graph[region];
        var text = new StringBuilder().Append(region).Append(": ");
        text.Append(data.Kind switch
        {
            RegionKind.Catch => $"catch {data.CatchType}",
            RegionKind.Filter => $"filter {data.Filter}",
            RegionKind.Finally => "finally",
            _ => "fault",
        });
        text.Append(" handler ").Append(data.Handler);
        if (data.Parent is { } parent) text.Append(" parent ").Append(parent);
        return text.ToString();
    }

    /// <summary>Prints one block: its header, then its instructions.</summary>
    public static void PrintBlock(FlowGraph graph, Block block, StringBuilder text, Func<Value, string?>? annotate = null)
    {
        var data = graph[block];
        text.Append(block);
        if (data.Parameters.Count > 0)
            text.Append('(').Append(string.Join(", ", data.Parameters.Select(p => Definition(graph, p, annotate)))).Append(')');
        if (data.Try is { } tryRegion) text.Append(" try ").Append(tryRegion);
        if (data.HandlerOf is { } handler) text.Append(" handler ").Append(handler);
        text.Append(":\n");
        foreach (var instruction in data.Instructions)
        {
            int start = text.Length;
            text.Append("    ").Append(PrintInstruction(graph, instruction, annotate));
            string location = instruction.Location.ToString();
            if (location.Length > 0)
                text.Append(' ', Math.Max(1, CommentColumn - (text.Length - start))).Append("; ").Append(location);
            text.Append('\n');
        }
    }

    /// <summary>One instruction without its location comment.</summary>
    public static string PrintInstruction(FlowGraph graph, Instruction instruction, Func<Value, string?>? annotate = null)
    {
        var info = instruction.Info;
        var text = new StringBuilder();
        if (instruction.Result is { } result) text.Append(Definition(graph, result, annotate)).Append(" = ");
        text.Append(info.Name);
        var immediates = info.Immediates;
        if ((immediates & ImmediateKinds.Type) != 0) text.Append(' ').Append(instruction.TypeOperand);
        if ((immediates & ImmediateKinds.Member) != 0)
        {
            text.Append(' ');
            if (instruction.TypeOperand is { } type) text.Append("type ").Append(type);
            else if (instruction.Field is { } field) text.Append("field ").Append(field);
            else text.Append("method ").Append(instruction.Method);
        }
        if ((immediates & ImmediateKinds.Method) != 0) text.Append(' ').Append(instruction.Method);
        if ((immediates & ImmediateKinds.Field) != 0) text.Append(' ').Append(instruction.Field);
        if ((immediates & ImmediateKinds.Slot) != 0) text.Append(' ').Append(instruction.Slot);
        if ((immediates & ImmediateKinds.Text) != 0) text.Append(' ').Append(QuoteLiteral(instruction.Text ?? ""));
        if ((immediates & ImmediateKinds.Number) != 0)
            text.Append(' ').Append(instruction.Result is { } r && graph.TypeOf(r).StackKind == StackKind.Float
                ? FormatFloat(instruction.Float)
                : instruction.Integer.ToString(CultureInfo.InvariantCulture));
        if (instruction.Operands.Count > 0) text.Append(' ').Append(string.Join(", ", instruction.Operands));
        if (instruction.Opcode == Opcode.Switch)
        {
            var cases = instruction.Targets.Take(instruction.Targets.Count - 1);
            text.Append(", [").Append(string.Join(", ", cases)).Append("], ").Append(instruction.Targets[^1]);
        }
        else if (instruction.Targets.Count > 0)
        {
            text.Append(instruction.Operands.Count > 0 ? ", " : " ").Append(string.Join(", ", instruction.Targets));
        }
        return text.ToString();
    }

    /// <summary>A value definition: <c>v3 (pc): i32</c>, with the annotation after the type.</summary>
    public static string Definition(FlowGraph graph, Value value, Func<Value, string?>? annotate = null)
    {
        var data = graph[value];
        var text = new StringBuilder().Append(value);
        if (data.Name is not null) text.Append(" (").Append(data.Name).Append(')');
        text.Append(": ").Append(data.Type);
        if (annotate?.Invoke(value) is { Length: > 0 } note) text.Append(' ').Append(note);
        return text.ToString();
    }

    /// <summary>Floats print so that they parse back to the same bits: shortest round-trip form, or nan/inf.</summary>
    public static string FormatFloat(double value) =>
        double.IsNaN(value) ? "nan"
        : double.IsPositiveInfinity(value) ? "inf"
        : double.IsNegativeInfinity(value) ? "-inf"
        : value == 0 && double.IsNegative(value) ? "-0.0"
        : EnsurePoint(value.ToString("R", CultureInfo.InvariantCulture));

    private static string EnsurePoint(string text) =>
        text.Contains('.') || text.Contains('E') ? text : text + ".0";

    /// <summary>A string literal: double quotes; backslash escapes for quote, backslash, \\n \\r \\t and \\uXXXX for other control characters.</summary>
    public static string QuoteLiteral(string text)
    {
        var builder = new StringBuilder(text.Length + 2).Append('"');
        foreach (char c in text)
            builder.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when char.IsControl(c) || char.IsSurrogate(c) => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        return builder.Append('"').ToString();
    }
}

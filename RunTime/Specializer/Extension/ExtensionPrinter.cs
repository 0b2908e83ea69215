using System.Text;
using PeJit.IR;

namespace PeJit.Specializer.Extension;

/// <summary>
/// The generating extension's compact form as text, one line per op: what the engine does with it, its
/// operands and result with their registers (<c>v7:i3</c> is value 7 in integer register 3; <c>f</c> float,
/// <c>r</c> reference), and the green operation or call treatment chosen when it was compiled.
/// Written by <c>PEJIT_DUMP</c> (one file per portal) or <see cref="ExtensionProgram.Print"/>; read back by <see cref="ExtensionParser"/>.
/// </summary>
/// <example>
/// <code>
/// graph Interpreter::Run[GGR] (int 142, float 0, ref 48) params v0:r0, v1:i0, v2:r1
/// block5:
///   red    v12:r3 = ldfld v2:r1
///   green  v13:i9 = const                                        ; Constant 1
///   red    v14:i10 = add v5:i3, v13:i9
///   green  v15:r4 = ldfld v0:r0                                  ; Access field System.Int64[] PeJit.Examples.StackVm.Code::Ops
///   green  v17:i12 = add v4:i2, v16:i11                          ; Int32Arithmetic
///   branch jump -> block1(v20:i15 -> v4:i2, v14:i10 -> v5:i3 red)
/// </code>
/// </example>
public static class ExtensionPrinter
{
    /// <summary>Every graph of a program, the portal's first.</summary>
    public static string Print(ExtensionProgram program)
    {
        var text = new StringBuilder();
        text.Append("; generating extension: ").Append(program.Graphs.Count).Append(" graphs, ")
            .Append(program.AccessDelegates).Append(" compiled load and call delegates, compiled in ")
            .Append((program.CompileTime + program.LinkTime).TotalMilliseconds.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)).AppendLine(" ms");
        Print(program.Portal, text);
        foreach (var graph in program.Graphs.Where(g => g != program.Portal).OrderBy(g => g.Name, StringComparer.Ordinal))
            Print(graph, text);
        return text.ToString();
    }

    /// <summary>One graph.</summary>
    public static string Print(ExtensionGraph graph)
    {
        var text = new StringBuilder();
        Print(graph, text);
        return text.ToString();
    }

    private static void Print(ExtensionGraph graph, StringBuilder text)
    {
        text.AppendLine();
        text.Append("graph ").Append(graph.Name)
            .Append(" (int ").Append(graph.IntCount).Append(", float ").Append(graph.FloatCount).Append(", ref ").Append(graph.RefCount).Append(')');
        if (graph.Parameters.Length > 0) text.Append(" params ").Append(string.Join(", ", graph.Parameters.Select(p => Register(graph, p))));
        text.AppendLine();
        for (int b = 0; b < graph.Blocks.Length; b++)
        {
            text.Append("block").Append(b).AppendLine(":");
            foreach (var op in graph.Blocks[b]) text.Append("  ").AppendLine(Line(graph, op));
        }
    }

    private static string Register(ExtensionGraph graph, int value)
    {
        char file = graph.Classes[value] switch { RegisterClass.Int => 'i', RegisterClass.Float => 'f', _ => 'r' };
        return $"v{value}:{file}{graph.Registers[value]}";
    }

    /// <summary>One op.</summary>
    public static string Line(ExtensionGraph graph, ExtensionOp op)
    {
        var instruction = op.Instruction;
        string operands = string.Join(", ", op.Operands.Select(o => Register(graph, o)));
        string result = op.Result >= 0 ? Register(graph, op.Result) + " = " : "";
        string body = $"{result}{instruction.Info.Name}{(operands.Length > 0 ? " " + operands : "")}";
        string tag = op.Kind switch
        {
            ExtensionOpKind.Value when op.ResultIsGreen => "green ",
            ExtensionOpKind.Value or ExtensionOpKind.Effect or ExtensionOpKind.LoadRedSlot or ExtensionOpKind.SlotAddress => "red   ",
            ExtensionOpKind.Call => "call  ",
            ExtensionOpKind.StoreSlot => op.RedSlot ? "red   " : "green ",
            ExtensionOpKind.Unsupported => "error ",
            _ => "branch",
        };
        if (op.Targets.Length > 0)
            body += " -> " + string.Join(", ", op.Targets.Select(t =>
                $"block{t.Block}(" + string.Join(", ", t.Arguments.Select((a, i) => $"{Register(graph, a)} -> {Register(graph, t.Parameters[i])}{(t.RedParameters[i] ? " red" : "")}")) + ")"));
        string? note = op.Kind switch
        {
            ExtensionOpKind.Value when op.Green == GreenOperation.Constant => "Constant " + Constant(graph, op),
            ExtensionOpKind.Value when op.ResultIsGreen =>
                op.Green + (op.AccessName is { } access ? " " + access : "") + (op.Message is { } message ? ": " + message : ""),
            ExtensionOpKind.Call when op.Treatment is { } treatment =>
                treatment + (op.Callees.Length > 0 ? " " + string.Join(" | ", op.Callees.Select(c => c.Name)) : "")
                + (op.AccessName is { } access ? " via delegate " + access : ""),
            ExtensionOpKind.Call or ExtensionOpKind.Unsupported => op.Message,
            _ => null,
        };
        string line = tag + " " + body;
        return note is null ? line : line.PadRight(60) + " ; " + note;
    }

    private static string Constant(ExtensionGraph graph, ExtensionOp op) => graph.Classes[op.Result] switch
    {
        RegisterClass.Int => op.ConstantInteger.ToString(System.Globalization.CultureInfo.InvariantCulture),
        RegisterClass.Float => IR.Text.IrPrinter.FormatFloat(op.ConstantFloat),
        _ => op.ConstantObject switch
        {
            null => "null",
            string text => IR.Text.IrPrinter.QuoteLiteral(text),
            var other => other.ToString() ?? other.GetType().Name,
        },
    };
}

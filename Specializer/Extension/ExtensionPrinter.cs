using System.Text;
using PeJit.Frontend.IR;

namespace PeJit.Specializer.Extension;

/// <summary>
/// The generating extension's compact form as text, one line per op: what the engine does with it, its
/// operands and result with their registers (<c>v7:i3</c> is value 7 in integer register 3; <c>f</c> float,
/// <c>r</c> reference), and the green operation or call treatment chosen when it was compiled.
/// Written by <c>PEJIT_EXTENSION=&lt;directory&gt;</c> (one file per portal) or <see cref="ExtensionProgram.Print"/>.
/// </summary>
/// <example>
/// <code>
/// graph Interpreter::Step[GGR] (int 41, float 0, ref 12)
/// block3:
///   green  v12:i7 = add v10:i5, v11:i6                      ; Int32Arithmetic
///   green  v13:r4 = ldfld v2:r1                             ; Access field Code::Ops
///   either v14:i8 = ldelem v13:r4, v12:i7                   ; Access element i32
///   red    stelem v3:r2, v12:i7, v14:i8
///   call   v15:i9 = call v14:i8                             ; Inline Helpers::Pop[R]
///   branch brif v16:i10 -> block4(), block5(v12:i7 -> v20:i11)
/// </code>
/// </example>
public static class ExtensionPrinter
{
    /// <summary>Every graph of a program, the portal's first.</summary>
    public static string Print(ExtensionProgram program)
    {
        var text = new StringBuilder();
        text.Append("; generating extension: ").Append(program.Graphs.Count).Append(" graphs, ")
            .Append(program.AccessDelegates).AppendLine(" compiled load and call delegates");
        Print(program.Portal, text);
        foreach (var graph in program.Graphs.Values.Where(g => g != program.Portal).OrderBy(g => g.Name, StringComparer.Ordinal))
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
            ExtensionOpKind.Value when op.ResultIsGreen || op.Green == GreenOperation.Constant =>
                op.Green + (op.AccessName is { } access ? " " + access : "") + (op.Message is { } message ? ": " + message : ""),
            ExtensionOpKind.Call when op.Decision is { } decision =>
                decision.Treatment + (op.Callees.Length > 0 ? " " + string.Join(" | ", op.Callees.Select(c => c.Name)) : "")
                + (op.AccessName is { } access ? " via delegate " + access : ""),
            ExtensionOpKind.Call or ExtensionOpKind.Unsupported => op.Message,
            _ => null,
        };
        string line = tag + " " + body;
        return note is null ? line : line.PadRight(60) + " ; " + note;
    }
}

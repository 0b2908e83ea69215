using System.Net;
using System.Text;
using PeJit.Analysis.BindingTimes;

namespace PeJit.Analysis.Reports;

/// <summary>
/// Annotated graphs in Graphviz's DOT: a node per block listing its instructions, green or red; solid edges
/// for jumps, dashed edges to exception handlers. (QuikGraph.Graphviz is not available here, and the format
/// is simple.)
/// </summary>
public static class DotReport
{
    private const string Green = "#1a7f37";
    private const string Red = "#cf222e";

    /// <summary>One annotated graph as a digraph.</summary>
    public static string Write(AnnotatedGraph graph)
    {
        var text = new StringBuilder();
        text.Append("digraph \"").Append(Escape(graph.Name)).Append("\" {\n");
        text.Append("  node [shape=plaintext, fontname=\"monospace\", fontsize=10];\n");
        text.Append("  label=\"").Append(Escape(graph.Name)).Append(" (green: while specializing, red: residual)\";\n");
        foreach (var block in graph.Graph.Blocks)
        {
            var data = graph.Graph[block];
            text.Append("  ").Append(block).Append(" [label=<<table border=\"1\" cellborder=\"0\" cellspacing=\"0\">");
            string header = block + (data.Parameters.Count > 0
                ? "(" + string.Join(", ", data.Parameters.Select(p => $"{ReportModel.Describe(graph, p)} {(graph.TimeOf(p) == BindingTime.Green ? "green" : "red")}")) + ")"
                : "");
            text.Append("<tr><td align=\"left\"><b>").Append(WebUtility.HtmlEncode(header)).Append("</b></td></tr>");
            foreach (var instruction in data.Instructions)
            {
                string color = graph.TimeOf(instruction) == BindingTime.Green ? Green : Red;
                text.Append("<tr><td align=\"left\"><font color=\"").Append(color).Append("\">")
                    .Append(WebUtility.HtmlEncode(ReportModel.Text(graph, instruction))).Append("</font></td></tr>");
            }
            text.Append("</table>>];\n");
        }
        foreach (var block in graph.Graph.Blocks)
        {
            foreach (var successor in graph.Graph.Successors(block)) text.Append("  ").Append(block).Append(" -> ").Append(successor).Append(";\n");
            foreach (var handler in graph.Graph.ExceptionalSuccessors(block))
                text.Append("  ").Append(block).Append(" -> ").Append(handler).Append(" [style=dashed];\n");
        }
        text.Append("}\n");
        return text.ToString();
    }

    /// <summary>Every graph the portals reach, one digraph after the other (<c>dot -Tsvg</c> renders them all).</summary>
    public static string Write(AnalysisResult result) =>
        string.Concat(result.Portals.SelectMany(p => p.Reachable).Distinct().Select(Write));

    private static string Escape(string text) => text.Replace("\\", "\\\\").Replace("\"", "\\\"");
}

using System.Net;
using System.Text;
using System.Text.Json;
using PeJit.Analysis.BindingTimes;
using PeJit.Analysis.Diagnostics;

namespace PeJit.Analysis.Reports;

/// <summary>
/// The binding-time report as one self-contained page (no network, no external files): per portal, the
/// source (from the PDB's documents; the IR where the source file is not at hand) with every line colored
/// by the binding times of its operations, the reason chains of red values on click, a summary, the
/// residual calls and the diagnostics.
/// </summary>
public static class HtmlReport
{
    /// <summary>Writes the page for <paramref name="result"/>.</summary>
    public static string Write(AnalysisResult result)
    {
        var details = new Dictionary<string, List<object>>();
        var body = new StringBuilder();
        int documentIndex = 0;
        foreach (var portal in result.Portals)
        {
            var method = portal.Hints.Method;
            body.Append("<section class=\"portal\"><h2>Portal ").Append(Encode($"{method.DeclaringType.FullName}::{method.Name}")).Append("</h2>\n");
            body.Append("<p>greens: <b class=\"g\">").Append(Encode(string.Join(", ", portal.Hints.Greens)))
                .Append("</b> &nbsp; reds: <b class=\"r\">").Append(Encode(string.Join(", ", portal.Hints.Reds))).Append("</b></p>\n");
            if (portal.Graph is null)
            {
                body.Append("<p class=\"error\">Not analyzed: see the diagnostics.</p></section>\n");
                continue;
            }
            Summary(portal, body);
            CapturedVariables(result, portal, body);
            foreach (var group in portal.Reachable.GroupBy(g => g.Graph.SourceDocument ?? ""))
            {
                string id = $"d{documentIndex++}";
                Source(id, group.Key, group.ToList(), body, details);
            }
            body.Append("</section>\n");
        }
        Diagnostics(result.Diagnostics, body);

        var page = new StringBuilder();
        page.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>PeJit binding times: ")
            .Append(Encode(result.Module.Name)).Append("</title>\n<style>\n").Append(Style).Append("</style></head>\n<body>\n");
        page.Append("<header><h1>Binding times of ").Append(Encode(result.Module.Name)).Append("</h1>\n")
            .Append("<p><span class=\"swatch green\"></span> green: known while specializing &nbsp; <span class=\"swatch red\"></span> red: known only when the compiled code runs")
            .Append(" &nbsp; <span class=\"swatch mixed\"></span> both on one line. Click a line for its operations and why red values are red.</p></header>\n");
        page.Append("<main><div id=\"content\">\n").Append(body).Append("</div>\n<aside id=\"details\"><p>Click a colored line.</p></aside></main>\n");
        page.Append("<script type=\"application/json\" id=\"pejit-details\">").Append(JsonSerializer.Serialize(details)).Append("</script>\n");
        page.Append("<script>\n").Append(Script).Append("</script>\n</body></html>\n");
        return page.ToString();
    }

    private static string Encode(string text) => WebUtility.HtmlEncode(text);

    private static void Summary(PortalAnalysis portal, StringBuilder body)
    {
        body.Append("<table class=\"summary\"><tr><th>annotated graph</th><th>green</th><th>red</th><th>residual calls</th><th>returns</th><th>loops</th></tr>\n");
        foreach (var graph in portal.Reachable)
        {
            var (green, red) = ReportModel.Counts(graph);
            body.Append("<tr><td>").Append(Encode(graph.Name)).Append("</td><td class=\"g\">").Append(green).Append("</td><td class=\"r\">").Append(red)
                .Append("</td><td>").Append(ReportModel.ResidualCalls(graph).Count()).Append("</td><td>")
                .Append(graph.ReturnTime == BindingTime.Green ? "green" : "red").Append("</td><td>").Append(Encode(ReportModel.Loops(graph))).Append("</td></tr>\n");
        }
        body.Append("</table>\n<h3>Residual calls</h3><ul class=\"calls\">\n");
        bool any = false;
        foreach (var graph in portal.Reachable)
            foreach (var (call, decision) in ReportModel.ResidualCalls(graph))
            {
                any = true;
                body.Append("<li><code>").Append(Encode(call.Method!.Name)).Append("</code> in ").Append(Encode(graph.Name))
                    .Append(call.Location.Line > 0 ? $" line {call.Location.Line}" : "").Append(": ").Append(Encode(decision.Reason)).Append("</li>\n");
            }
        if (!any) body.Append("<li>none</li>\n");
        body.Append("</ul>\n");
        // The same lines as the text report's (BarrierReasons), only when there are some.
        var barriers = BarrierReasons.Of(portal.Reachable);
        if (barriers.Count > 0)
        {
            body.Append("<h3>Barriers</h3><p>Residual calls that may write memory: values loaded before them are loaded again after them, "
                + "and a loop's fields and elements kept in registers are written back before them.</p><ul class=\"calls\">\n");
            foreach (var barrier in barriers)
                body.Append("<li>").Append(Encode(barrier.Graph.Name)).Append(barrier.Call.Location.Line > 0 ? $" line {barrier.Call.Location.Line}" : "")
                    .Append(": ").Append(Encode(barrier.Text)).Append("</li>\n");
            body.Append("</ul>\n");
        }
        var collections = ReportModel.CollectionCalls(portal.Reachable);
        if (collections.Count > 0)
            body.Append("<p>Calls into the framework's collections: ").Append(Encode(string.Join(", ", collections))).Append(". ")
                .Append(Encode(ReportModel.CollectionCallsAdvice)).Append("</p>\n");
        // Only when there are some, so reports of interpreters without struct locals read as before.
        var kept = portal.Reachable.SelectMany(g => ReportModel.GreenAddressedSlots(g).Select(s => (Graph: g, s.Slot, s.First, s.Count, s.Written))).ToList();
        if (kept.Count > 0)
        {
            body.Append("<h3>Struct locals kept green</h3><p>Their address is read through (getters, readonly members, <code>in</code> parameters) "
                + "or written with green values by field writers (the init setters of a <code>with</code> expression, setters, small mutating methods), "
                + "which the specializer performs on its copy.</p><ul class=\"calls\">\n");
            foreach (var (graph, slot, first, count, written) in kept)
                body.Append("<li><code>").Append(Encode(graph.Graph[slot].Name ?? slot.ToString())).Append("</code> (").Append(slot).Append(") in ").Append(Encode(graph.Name))
                    .Append(first.Location.Line > 0 ? $" line {first.Location.Line}" : "")
                    .Append(written > 0 ? $": its address taken {count} time(s), {written} of them to write green values" : $": its address read {count} time(s)").Append("</li>\n");
            body.Append("</ul>\n");
        }
        var partly = portal.Reachable.SelectMany(g => ReportModel.StructsWithRedFields(g).Select(s => (Graph: g, s.Slot, s.Red, s.Green))).ToList();
        if (partly.Count > 0)
        {
            body.Append("<h3>Struct locals with red fields</h3><p>Each field has its own binding time: green fields are read while specializing, "
                + "the struct read or passed as a whole is red.</p><ul class=\"calls\">\n");
            foreach (var (graph, slot, red, green) in partly)
            {
                body.Append("<li><code>").Append(Encode(graph.Graph[slot].Name ?? slot.ToString())).Append("</code> (").Append(slot).Append(") in ").Append(Encode(graph.Name))
                    .Append(green.Count > 0 ? $", green: {Encode(string.Join(", ", green))}" : "").Append("<ul>");
                foreach (var (field, reason) in red.OrderBy(f => f.Key, StringComparer.Ordinal))
                    body.Append("<li>red <code>").Append(Encode(FieldAccess.DisplayName(field))).Append("</code>").Append(reason.Location.Line > 0 ? $" (line {reason.Location.Line})" : "")
                        .Append(": ").Append(Encode(reason.Message)).Append("</li>");
                body.Append("</ul></li>\n");
            }
            body.Append("</ul>\n");
        }
        var madeRed = portal.Reachable.SelectMany(g => ReportModel.StructsMadeRedByWriters(g).Select(s => (Graph: g, s.Slot, s.Reason))).ToList();
        if (madeRed.Count > 0)
        {
            body.Append("<h3>Struct locals made red by a write</h3><ul class=\"calls\">\n");
            foreach (var (graph, slot, reason) in madeRed)
                body.Append("<li><code>").Append(Encode(graph.Graph[slot].Name ?? slot.ToString())).Append("</code> (").Append(slot).Append(") in ").Append(Encode(graph.Name))
                    .Append(reason.Location.Line > 0 ? $" line {reason.Location.Line}" : "").Append(": ").Append(Encode(reason.Message)).Append("</li>\n");
            body.Append("</ul>\n");
        }
        // Only when there are some, so reports of interpreters without Jit.PromoteClass read as before.
        var promotions = portal.Reachable.SelectMany(g => ReportModel.ClassPromotions(g).Select(c => (Graph: g, Call: c))).ToList();
        if (promotions.Count == 0) return;
        body.Append("<h3>Classes promoted</h3><ul class=\"calls\">\n");
        foreach (var (graph, call) in promotions)
            body.Append("<li><code>Jit.PromoteClass</code> in ").Append(Encode(graph.Name)).Append(call.Location.Line > 0 ? $" line {call.Location.Line}" : "")
                .Append(": the residual code guards on the class</li>\n");
        foreach (var graph in portal.Reachable)
            foreach (var (instruction, what) in ReportModel.DecidedOnClass(graph))
                body.Append("<li>").Append(Encode(graph.Name)).Append(instruction.Location.Line > 0 ? $" line {instruction.Location.Line}" : "")
                    .Append(": ").Append(Encode(what)).Append("</li>\n");
        body.Append("</ul>\n");
    }

    // The same lines as the text report's (ReportModel.CapturedReads), only when there are some.
    private static void CapturedVariables(AnalysisResult result, PortalAnalysis portal, StringBuilder body)
    {
        var captured = ReportModel.CapturedReads(result, portal.Reachable);
        if (captured.Count == 0) return;
        body.Append("<h3>").Append(ReportModel.CapturedVariablesHeading).Append("</h3><p>")
            .Append(Encode(char.ToUpperInvariant(ReportModel.CapturedVariablesNote[0]) + ReportModel.CapturedVariablesNote[1..])).Append(".</p><ul class=\"calls\">\n");
        foreach (var (field, green, why) in captured)
            body.Append("<li class=\"").Append(green ? "g" : "r").Append("\">").Append(Encode(ReportModel.CapturedLine(field, green, why))).Append("</li>\n");
        body.Append("</ul>\n");
    }

    private static void Source(string id, string document, List<AnnotatedGraph> graphs, StringBuilder body, Dictionary<string, List<object>> details)
    {
        // Operations per source line, from every graph of this document.
        var byLine = new SortedDictionary<int, List<(AnnotatedGraph Graph, IR.Instruction Instruction)>>();
        foreach (var graph in graphs)
            foreach (var (_, _, instruction) in ReportModel.Instructions(graph))
                if (instruction.Location.Line > 0)
                {
                    if (!byLine.TryGetValue(instruction.Location.Line, out var list)) byLine[instruction.Location.Line] = list = [];
                    list.Add((graph, instruction));
                }
        string[]? lines = document.Length > 0 && File.Exists(document) ? File.ReadAllLines(document) : null;
        body.Append("<h3>").Append(Encode(lines is null ? "IR (the source file is not at hand)" : ReportModel.FileName(document))).Append("</h3>\n<div class=\"source\">\n");
        if (lines is null)
        {
            // No source: show each graph's annotated IR, one line per instruction.
            foreach (var graph in graphs)
            {
                body.Append("<div class=\"line plain\"><span class=\"num\"></span><code>== ").Append(Encode(graph.Name)).Append(" ==</code></div>\n");
                foreach (var (block, index, instruction) in ReportModel.Instructions(graph))
                {
                    string key = $"{id}:{graph.Name}:{block}:{index}";
                    details[key] = [Operation(graph, instruction)];
                    string css = graph.TimeOf(instruction) == BindingTime.Green ? "green" : "red";
                    body.Append("<div class=\"line ").Append(css).Append("\" data-key=\"").Append(Encode(key)).Append("\"><span class=\"num\">")
                        .Append(block).Append("</span><code>").Append(Encode(ReportModel.Text(graph, instruction))).Append("</code></div>\n");
                }
            }
            body.Append("</div>\n");
            return;
        }
        for (int n = 1; n <= lines.Length; n++)
        {
            string css = "plain";
            string? key = null;
            if (byLine.TryGetValue(n, out var operations))
            {
                bool green = operations.Any(o => o.Graph.TimeOf(o.Instruction) == BindingTime.Green);
                bool red = operations.Any(o => o.Graph.TimeOf(o.Instruction) == BindingTime.Red);
                css = green && red ? "mixed" : green ? "green" : "red";
                key = $"{id}:{n}";
                details[key] = operations.Select(o => Operation(o.Graph, o.Instruction)).ToList();
            }
            body.Append("<div class=\"line ").Append(css).Append('"');
            if (key is not null) body.Append(" data-key=\"").Append(key).Append('"');
            body.Append("><span class=\"num\">").Append(n).Append("</span><code>").Append(Encode(lines[n - 1])).Append("</code></div>\n");
        }
        body.Append("</div>\n");
    }

    private static object Operation(AnnotatedGraph graph, IR.Instruction instruction)
    {
        var time = graph.TimeOf(instruction);
        var chain = instruction.Result is { } result && graph.TimeOf(result) == BindingTime.Red
            ? ReportModel.ChainLines(graph, result).ToList()
            : instruction.Opcode is IR.Opcode.BrIf or IR.Opcode.Switch && graph.TimeOf(instruction.Operands[0]) == BindingTime.Red
                ? ReportModel.ChainLines(graph, instruction.Operands[0]).ToList()
                : [];
        string? call = graph.Calls.TryGetValue(instruction, out var decision)
            ? $"{decision.Treatment}: {decision.Reason}" + (decision.Family is { } family ? $" (family: {(family.Members.Count == 0 ? "empty" : string.Join(", ", family.Members))})" : "")
            : null;
        return new { graph = graph.Name, text = ReportModel.Text(graph, instruction), time = time == BindingTime.Green ? "green" : "red", call, chain };
    }

    private static void Diagnostics(List<Diagnostic> diagnostics, StringBuilder body)
    {
        body.Append("<section><h2>Diagnostics</h2>\n<ul class=\"diagnostics\">\n");
        if (diagnostics.Count == 0) body.Append("<li>none</li>\n");
        foreach (var diagnostic in diagnostics)
        {
            var shown = diagnostic with { Document = diagnostic.Document is null ? null : ReportModel.FileName(diagnostic.Document) };
            body.Append("<li class=\"").Append(diagnostic.Severity == Severity.Error ? "error" : "warning").Append("\"><pre>")
                .Append(Encode(shown.ToString())).Append("</pre></li>\n");
        }
        body.Append("</ul></section>\n");
    }

    private const string Style = """
        body { font-family: system-ui, sans-serif; margin: 0; color: #1f2328; }
        header { padding: 12px 20px; border-bottom: 1px solid #d0d7de; }
        h1 { font-size: 20px; margin: 0 0 6px 0; } h2 { font-size: 17px; } h3 { font-size: 15px; margin: 14px 0 6px 0; }
        main { display: flex; align-items: flex-start; }
        #content { flex: 1; padding: 0 20px 40px 20px; min-width: 0; }
        #details { width: 38%; position: sticky; top: 0; max-height: 100vh; overflow: auto; padding: 12px; border-left: 1px solid #d0d7de; background: #f6f8fa; font-size: 13px; }
        .source { font-family: ui-monospace, monospace; font-size: 12.5px; border: 1px solid #d0d7de; }
        .line { display: flex; white-space: pre; cursor: default; }
        .line[data-key] { cursor: pointer; }
        .line .num { width: 4em; text-align: right; padding-right: 8px; color: #6e7781; user-select: none; flex: none; }
        .line code { font-family: inherit; }
        .line.green { background: #dafbe1; } .line.red { background: #ffebe9; } .line.mixed { background: #fff8c5; }
        .line.selected { outline: 2px solid #0969da; }
        .swatch { display: inline-block; width: 12px; height: 12px; border: 1px solid #aaa; vertical-align: middle; }
        .swatch.green { background: #dafbe1; } .swatch.red { background: #ffebe9; } .swatch.mixed { background: #fff8c5; }
        .g { color: #1a7f37; } .r { color: #cf222e; }
        table.summary { border-collapse: collapse; font-size: 13px; } table.summary td, table.summary th { border: 1px solid #d0d7de; padding: 3px 8px; text-align: left; }
        .op { margin-bottom: 10px; } .op code { white-space: pre-wrap; word-break: break-all; }
        .op.green code { color: #1a7f37; } .op.red code { color: #cf222e; }
        .chain { margin: 4px 0 0 12px; color: #57606a; }
        li.error pre { color: #cf222e; } li.warning pre { color: #9a6700; } pre { white-space: pre-wrap; margin: 0; }
        """;

    private const string Script = """
        (function () {
          var details = JSON.parse(document.getElementById('pejit-details').textContent);
          var pane = document.getElementById('details');
          var selected = null;
          function text(tag, value, css) { var e = document.createElement(tag); e.textContent = value; if (css) e.className = css; return e; }
          document.querySelectorAll('.line[data-key]').forEach(function (line) {
            line.addEventListener('click', function () {
              if (selected) selected.classList.remove('selected');
              selected = line; line.classList.add('selected');
              pane.replaceChildren();
              (details[line.getAttribute('data-key')] || []).forEach(function (op) {
                var box = document.createElement('div'); box.className = 'op ' + op.time;
                box.appendChild(text('div', op.graph + ' (' + op.time + ')'));
                box.appendChild(text('code', op.text));
                if (op.call) box.appendChild(text('div', op.call, 'chain'));
                if (op.chain.length) {
                  var list = document.createElement('ol'); list.className = 'chain';
                  op.chain.forEach(function (step) { list.appendChild(text('li', step)); });
                  box.appendChild(text('div', 'why red:', 'chain')); box.appendChild(list);
                }
                pane.appendChild(box);
              });
            });
          });
        })();
        """;
}

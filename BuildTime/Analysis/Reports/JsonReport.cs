using System.Text.Json;
using System.Text.Json.Nodes;
using PeJit.Analysis.BindingTimes;
using PeJit.Analysis.Diagnostics;
using PeJit.IR;

namespace PeJit.Analysis.Reports;

/// <summary>The binding-time report as JSON, for tools; the schema is documented in Docs/bta-report.md.</summary>
public static class JsonReport
{
    /// <summary>The schema version written as <c>schemaVersion</c>.</summary>
    public const int SchemaVersion = 1;

    /// <summary>One barrier (<see cref="BarrierReasons"/>): where the call is, what it calls, the first write found, what to do.</summary>
    private static JsonNode Barrier(BarrierReasons.Barrier barrier) => new JsonObject
    {
        ["graph"] = barrier.Graph.Name,
        ["ilOffset"] = barrier.Call.Location.ILOffset,
        ["line"] = barrier.Call.Location.Line,
        ["callees"] = new JsonArray([.. barrier.Callees.Select(c => (JsonNode)c)]),
        ["firstWrite"] = new JsonObject { ["method"] = barrier.Write.Method, ["ilOffset"] = barrier.Write.Offset, ["what"] = barrier.Write.What },
        ["advice"] = barrier.Advice,
        ["text"] = barrier.Text,
    };

    /// <summary>
    /// One captured variable read on a green closure (<see cref="ReportModel.CapturedReads"/>): the variable and its
    /// closure, the reads' binding time, its writers, and when it may change, the write, why, and the escape before it.
    /// </summary>
    private static JsonNode Captured(Mono.Cecil.FieldDefinition field, bool green, CapturedVariable why) => new JsonObject
    {
        ["variable"] = field.Name,
        ["closure"] = field.DeclaringType.FullName,
        ["time"] = Time(green ? BindingTime.Green : BindingTime.Red),
        ["kind"] = why.Kind,
        ["writers"] = new JsonArray([.. why.Writers.Select(w => (JsonNode)w)]),
        ["write"] = why.WriteMethod is null ? null : new JsonObject { ["method"] = why.WriteMethod, ["ilOffset"] = why.WriteOffset },
        ["escape"] = why.Escape is null ? null : new JsonObject { ["what"] = why.Escape, ["ilOffset"] = why.EscapeOffset },
        ["text"] = ReportModel.CapturedLine(field, green, why),
    };

    /// <summary>Writes the report of <paramref name="result"/> (indented).</summary>
    public static string Write(AnalysisResult result)
    {
        var portals = new JsonArray();
        foreach (var portal in result.Portals)
        {
            var merge = portal.MergePoint is { } m ? new JsonObject { ["ilOffset"] = m.Location.ILOffset, ["line"] = m.Location.Line } : null;
            portals.Add(new JsonObject
            {
                ["method"] = $"{portal.Hints.Method.DeclaringType.FullName}::{portal.Hints.Method.Name}",
                ["greens"] = new JsonArray([.. portal.Hints.Greens.Select(g => (JsonNode)g)]),
                ["reds"] = new JsonArray([.. portal.Hints.Reds.Select(r => (JsonNode)r)]),
                ["mergePoint"] = merge,
                ["graphs"] = new JsonArray([.. portal.Reachable.Select(Graph)]),
                ["barriers"] = new JsonArray([.. BarrierReasons.Of(portal.Reachable).Select(Barrier)]),
                ["capturedVariables"] = new JsonArray([.. ReportModel.CapturedReads(result, portal.Reachable).Select(c => Captured(c.Field, c.Green, c.Why))]),
            });
        }
        var graphs = result.Portals.SelectMany(p => p.Reachable).Distinct().ToList();
        var report = new JsonObject
        {
            ["schemaVersion"] = SchemaVersion,
            ["assembly"] = result.Module.Name,
            ["portals"] = portals,
            ["diagnostics"] = new JsonArray([.. result.Diagnostics.Select(Diagnostic)]),
            ["summary"] = new JsonObject
            {
                ["portals"] = result.Portals.Count,
                ["graphs"] = graphs.Count,
                ["greenValues"] = graphs.Sum(g => ReportModel.Counts(g).Green),
                ["redValues"] = graphs.Sum(g => ReportModel.Counts(g).Red),
                ["residualCalls"] = graphs.Sum(g => ReportModel.ResidualCalls(g).Count()),
                ["errors"] = result.Diagnostics.Count(d => d.Severity == Severity.Error),
                ["warnings"] = result.Diagnostics.Count(d => d.Severity == Severity.Warning),
            },
        };
        return report.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    private static string Time(BindingTime time) => time == BindingTime.Green ? "green" : "red";

    private static JsonNode Graph(AnnotatedGraph graph)
    {
        var node = GraphNode(graph);
        // Only where there are some (Docs/bta.md rule 8), so graphs without struct locals keep their shape.
        var kept = ReportModel.GreenAddressedSlots(graph).ToList();
        if (kept.Count > 0)
            node["greenStructLocals"] = new JsonArray([.. kept.Select(k => (JsonNode)new JsonObject
            {
                ["slot"] = k.Slot.ToString(),
                ["name"] = graph.Graph[k.Slot].Name,
                ["type"] = graph.Graph[k.Slot].Type.ToString(),
                ["line"] = k.First.Location.Line,
                ["addressReads"] = k.Count,
                ["writtenWithGreens"] = k.Written,
            })]);
        var partly = ReportModel.StructsWithRedFields(graph).ToList();
        if (partly.Count > 0)
            node["structLocalsWithRedFields"] = new JsonArray([.. partly.Select(p => (JsonNode)new JsonObject
            {
                ["slot"] = p.Slot.ToString(),
                ["name"] = graph.Graph[p.Slot].Name,
                ["type"] = graph.Graph[p.Slot].Type.ToString(),
                ["greenFields"] = new JsonArray([.. p.Green.Select(f => (JsonNode)JsonValue.Create(f))]),
                ["redFields"] = new JsonArray([.. p.Red.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => (JsonNode)new JsonObject
                {
                    ["field"] = FieldAccess.DisplayName(f.Key),
                    ["line"] = f.Value.Location.Line,
                    ["reason"] = f.Value.Message,
                })]),
            })]);
        var madeRed = ReportModel.StructsMadeRedByWriters(graph).ToList();
        if (madeRed.Count > 0)
            node["structLocalsMadeRed"] = new JsonArray([.. madeRed.Select(r => (JsonNode)new JsonObject
            {
                ["slot"] = r.Slot.ToString(),
                ["name"] = graph.Graph[r.Slot].Name,
                ["type"] = graph.Graph[r.Slot].Type.ToString(),
                ["line"] = r.Reason.Location.Line,
                ["reason"] = r.Reason.Message,
            })]);
        return node;
    }

    private static JsonObject GraphNode(AnnotatedGraph graph) => new()
    {
        ["name"] = graph.Name,
        ["method"] = graph.Method.FullName,
        ["signature"] = graph.Signature.Letters,
        ["isPortal"] = graph.IsPortal,
        ["returnTime"] = Time(graph.ReturnTime),
        ["sourceFile"] = ReportModel.FileName(graph.Graph.SourceDocument),
        ["values"] = new JsonArray([.. ReportModel.DefinedValues(graph).Select(v => Value(graph, v))]),
        ["instructions"] = new JsonArray([.. ReportModel.Instructions(graph).Select(p => Instruction(graph, p.Block, p.Index, p.Instruction))]),
        ["loops"] = new JsonArray([.. graph.Loops.Select(l => (JsonNode)new JsonObject
        {
            ["header"] = l.Header.ToString(),
            ["treatment"] = JsonNamingPolicy.CamelCase.ConvertName(l.Treatment.ToString()),
            ["line"] = l.Location.Line,
        })]),
    };

    private static JsonNode Value(AnnotatedGraph graph, Value value)
    {
        var reason = graph.ReasonOf(value);
        var node = new JsonObject
        {
            ["id"] = value.ToString(),
            ["name"] = graph.Graph[value].Name,
            ["type"] = graph.Graph.TypeOf(value).ToString(),
            ["time"] = Time(graph.TimeOf(value)),
            ["reason"] = reason is null ? null : new JsonObject
            {
                ["kind"] = JsonNamingPolicy.CamelCase.ConvertName(reason.Kind.ToString()),
                ["message"] = reason.Message,
                ["cause"] = reason.Cause?.ToString(),
                ["causeGraph"] = reason.CauseGraph?.Name,
                ["line"] = reason.Location.Line,
            },
        };
        // Only on class-green values (Docs/bta.md rule 10), so other values keep their shape.
        if (graph.IsClassGreen(value)) node["classGreen"] = true;
        return node;
    }

    private static JsonNode Instruction(AnnotatedGraph graph, Block block, int index, Instruction instruction)
    {
        graph.Calls.TryGetValue(instruction, out var call);
        var node = new JsonObject
        {
            ["block"] = block.ToString(),
            ["index"] = index,
            ["text"] = ReportModel.Text(graph, instruction),
            ["ilOffset"] = instruction.Location.ILOffset,
            ["line"] = instruction.Location.Line,
            ["time"] = Time(graph.TimeOf(instruction)),
            ["call"] = call is null ? null : new JsonObject
            {
                ["treatment"] = JsonNamingPolicy.CamelCase.ConvertName(call.Treatment.ToString()),
                ["reason"] = call.Reason,
                ["targets"] = new JsonArray([.. call.Targets.Select(t => (JsonNode)t.Name)]),
            },
        };
        // Only where a promoted class decides something (Docs/bta.md rule 10), so other instructions keep their shape.
        if (ReportModel.DecidedOnClass(graph, instruction) is { } decided) node["classGreen"] = decided;
        // Only at calls through delegates, so other calls keep their shape.
        if (call?.Family is { } family)
            node["call"]!["family"] = new JsonObject
            {
                ["delegateType"] = family.DelegateType,
                ["members"] = new JsonArray([.. family.Members.Select(m => (JsonNode)m)]),
                ["excluded"] = new JsonArray([.. family.Excluded.Select(e => (JsonNode)new JsonObject { ["member"] = e.Member, ["reason"] = e.Reason })]),
            };
        return node;
    }

    private static JsonNode Diagnostic(Diagnostic diagnostic) => new JsonObject
    {
        ["severity"] = diagnostic.Severity == Severity.Error ? "error" : "warning",
        ["code"] = diagnostic.Code,
        ["message"] = diagnostic.Message,
        ["method"] = diagnostic.Method,
        ["ilOffset"] = diagnostic.ILOffset,
        ["line"] = diagnostic.Line,
        ["file"] = ReportModel.FileName(diagnostic.Document),
        ["advice"] = diagnostic.Advice,
        ["details"] = diagnostic.Details,
    };
}

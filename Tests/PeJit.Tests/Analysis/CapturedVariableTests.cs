using System.Text.Json;
using PeJit.Analysis.BindingTimes;
using PeJit.Analysis.Reports;
using PeJit.AnalysisSubjects;
using PeJit.IR;
using static PeJit.Analysis.BindingTimes.BindingTime;

namespace PeJit.Tests.Analysis;

/// <summary>
/// Captured variables (CapturedVariables.cs) on the closure-compiled interpreter of PeJit.AnalysisSubjects/ClosureTree.cs:
/// a closure's field written only before the closure can reach code that reads it is green on a green closure, so the
/// closure tree unfolds (every child a green delegate, inlined); one that changes is red, with the write that changes it.
/// </summary>
[TestClass]
public sealed class CapturedVariableTests
{
    private static AnalyzedPortal Analyze(string portal) => AnalyzedPortal.WithoutErrors(typeof(ClosureTree), portal);

    /// <summary>The captured variables read on a green closure in <paramref name="analyzed"/>, by name: whether every read is green, and why.</summary>
    private static Dictionary<string, (bool Green, string Why)> Captured(AnalyzedPortal analyzed)
    {
        var found = new Dictionary<string, (bool Green, string Why)>();
        foreach (var graph in analyzed.Portal.Reachable)
            foreach (var block in graph.Graph.Blocks)
                foreach (var instruction in graph.Graph[block].Instructions)
                {
                    if (instruction is not { Opcode: Opcode.LoadField, Field.Cecil: Mono.Cecil.FieldReference reference } || graph.TimeOf(instruction.Operands[0]) == Red)
                        continue;
                    var field = reference.Resolve();
                    if (!analyzed.Result.CapturedVariables.TryGetValue(field, out var variable)) continue;
                    string why = variable.Text;
                    bool green = graph.TimeOf(instruction.Result!.Value) == Green;
                    found[field.Name] = found.TryGetValue(field.Name, out var before) ? (before.Green && green, why) : (green, why);
                }
        return found;
    }

    [TestMethod]
    public void TheChildrenOfACompiledTreeAreGreenAndEveryCallThroughThemIsInlined()
    {
        var analyzed = Analyze(nameof(ClosureTree.While));
        var captured = Captured(analyzed);
        // The binary node's children, a leaf's value and slot, the sequence's array (stored after the Select lambda over
        // the same closure exists, which never reads it), the constant looked up with a captured out variable.
        foreach (string name in new[] { "l", "r", "value", "slot", "items" })
        {
            Assert.IsTrue(captured.ContainsKey(name), $"'{name}' is read on a green closure: {string.Join(", ", captured.Keys)}");
            Assert.IsTrue(captured[name].Green, $"'{name}': {captured[name].Why}");
        }
        StringAssert.Contains(captured["items"].Why, "CompileSequence");
        var leaf = analyzed.Result.CapturedVariables.Where(c => c.Value.Text.Contains("::CompileLeaf,", StringComparison.Ordinal)).Select(c => c.Key).ToList();
        Assert.HasCount(2, leaf, "the switch sections' shared closure: value and slot");
        Assert.AreSame(leaf[0].DeclaringType, leaf[1].DeclaringType);
        // Every call through a compiled child is inlined, in the portal and in every member analyzed.
        var calls = analyzed.Portal.Reachable.SelectMany(g => g.Calls.Values).Where(d => d.Family is not null).ToList();
        Assert.IsNotEmpty(calls);
        foreach (var call in calls) Assert.AreEqual(CallTreatment.InlineDelegate, call.Treatment, call.Reason);
        Assert.IsTrue(analyzed.Portal.Reachable.Where(g => g.Method.DeclaringType.Name.Contains("DisplayClass"))
            .All(g => g.Signature.Letters[0] == 'G'), "every closure is a green this");
    }

    [TestMethod]
    public void ACounterClosuresVariableAndOneANestedClosureAssignsAreRed()
    {
        var analyzed = Analyze(nameof(ClosureTree.RunSteps));
        var captured = Captured(analyzed);
        Assert.IsFalse(captured["count"].Green, "the counter's lambda writes it");
        StringAssert.Contains(captured["count"].Why, "does not make the closure first");
        // The nested closure's lambda assigns `total` through its link to the outer closure: that write is in a method
        // that does not make the outer closure (it was once taken for fixed, and the running total folded to a constant).
        Assert.IsFalse(captured["total"].Green, captured["total"].Why);
        StringAssert.Contains(captured["total"].Why, "does not make the closure first");
        // The link itself and the nested closure's own `step` are written once, just after the nested closure is made.
        Assert.IsTrue(captured["step"].Green, captured["step"].Why);
        var reads = analyzed.Portal.Reachable.Where(g => g.Method.Name.Contains("Accumulator")).ToList();
        Assert.IsNotEmpty(reads);
    }

    [TestMethod]
    public void AVariableWrittenAfterItsClosureIsLinkedOrItsDelegateMadeIsRedWithTheWrite()
    {
        var analyzed = Analyze(nameof(ClosureTree.RunChanged));
        var captured = Captured(analyzed);
        Assert.IsFalse(captured["x"].Green, captured["x"].Why);
        StringAssert.Contains(captured["x"].Why, "LinkedThenWritten");
        StringAssert.Contains(captured["x"].Why, "stored into the field");
        Assert.IsTrue(captured["y"].Green, captured["y"].Why);
        Assert.IsFalse(captured["value"].Green, captured["value"].Why);
        StringAssert.Contains(captured["value"].Why, "WrittenLate writes it at IL_");
        Assert.AreEqual(Red, AnalyzedPortal.TimeOf(analyzed.Graph, "fromLate"));
        var chain = AnalyzedPortal.Chain(analyzed.Graph, "fromLate");
        Assert.IsTrue(chain.Any(step => step.Message.Contains("captured variable 'value'")), string.Join("\n", chain));
    }

    [TestMethod]
    public void TheReportSaysWhyEachCapturedVariableIsGreenOrRed()
    {
        string report = TextReport.Write(Analyze(nameof(ClosureTree.While)).Result);
        StringAssert.Contains(report, "Captured variables read on a green closure");
        // The section alone: the rest is the delegate families' (ReportTests) and the annotated graphs'.
        int start = report.IndexOf("  Captured variables", StringComparison.Ordinal);
        Golden.Check("Analysis/Reports/golden/ClosureTree.captured.txt", report[start..(report.IndexOf("\n\n", start, StringComparison.Ordinal) + 1)]);
        string changed = TextReport.Write(Analyze(nameof(ClosureTree.RunChanged)).Result);
        StringAssert.Contains(changed, "'value' of PeJit.AnalysisSubjects.ClosureTree/<>c__DisplayClass");
        StringAssert.Contains(changed, ": red, PeJit.AnalysisSubjects.ClosureTree::WrittenLate writes it at IL_");
    }

    /// <summary>The text report's captured-variables section, one line per variable, without its indent.</summary>
    private static List<string> TextSection(string report)
    {
        int start = report.IndexOf("  Captured variables", StringComparison.Ordinal);
        int end = report.IndexOf("\n\n", start, StringComparison.Ordinal);
        return [.. report[start..end].Split('\n').Skip(1).Select(l => l.Trim())];
    }

    [TestMethod]
    public void TheJsonAndHtmlReportsListTheSameCapturedVariablesAsTheText()
    {
        foreach (string portal in new[] { nameof(ClosureTree.While), nameof(ClosureTree.RunChanged), nameof(ClosureTree.RunSteps) })
        {
            var result = Analyze(portal).Result;
            var lines = TextSection(TextReport.Write(result));
            using var json = JsonDocument.Parse(JsonReport.Write(result));
            var captured = json.RootElement.GetProperty("portals")[0].GetProperty("capturedVariables").EnumerateArray().ToList();
            CollectionAssert.AreEqual(lines, captured.Select(c => c.GetProperty("text").GetString()).ToList(), portal);
            foreach (var variable in captured)
            {
                bool green = variable.GetProperty("time").GetString() == "green";
                Assert.AreEqual(green, variable.GetProperty("kind").GetString() == "fixed", variable.GetProperty("text").GetString());
                // A red one names the write (its method and offset are in the line), a green one none.
                Assert.AreEqual(green, variable.GetProperty("write").ValueKind == JsonValueKind.Null, variable.GetProperty("text").GetString());
                if (!green)
                    StringAssert.Contains(variable.GetProperty("text").GetString(),
                        $"{variable.GetProperty("write").GetProperty("method").GetString()} writes it at IL_{variable.GetProperty("write").GetProperty("ilOffset").GetInt32():x4}");
            }
            string html = HtmlReport.Write(result);
            StringAssert.Contains(html, "<h3>Captured variables read on a green closure</h3>");
            foreach (string line in lines) StringAssert.Contains(html, System.Net.WebUtility.HtmlEncode(line));
        }
        // The escapes: `x` written after its closure is linked into the nested one, `value` after its delegate is made.
        var changed = Analyze(nameof(ClosureTree.RunChanged)).Result;
        using var report = JsonDocument.Parse(JsonReport.Write(changed));
        var section = report.RootElement.GetProperty("portals")[0].GetProperty("capturedVariables");
        Golden.Check("Analysis/Reports/golden/ClosureTree.captured.json", JsonSerializer.Serialize(section, new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n");
        var x = section.EnumerateArray().Single(c => c.GetProperty("variable").GetString() == "x");
        Assert.AreEqual("writtenAfterStored", x.GetProperty("kind").GetString());
        Assert.IsLessThan(x.GetProperty("write").GetProperty("ilOffset").GetInt32(), x.GetProperty("escape").GetProperty("ilOffset").GetInt32());
        var value = section.EnumerateArray().Single(c => c.GetProperty("variable").GetString() == "value");
        Assert.AreEqual("writtenAfterRead", value.GetProperty("kind").GetString());
        StringAssert.Contains(value.GetProperty("escape").GetProperty("what").GetString(), "WrittenLate");
        // A report without closures has the section empty in JSON, and none in HTML.
        var plain = BindingTimeAnalysis.Analyze(PeJit.Frontend.Construction.AssemblyLoader.Load(typeof(PeJit.Examples.StackVm.Interpreter).Assembly.Location));
        using var none = JsonDocument.Parse(JsonReport.Write(plain));
        Assert.AreEqual(0, none.RootElement.GetProperty("portals")[0].GetProperty("capturedVariables").GetArrayLength());
        Assert.DoesNotContain("Captured variables", HtmlReport.Write(plain));
    }
}

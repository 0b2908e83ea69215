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
                    if (!analyzed.Result.CapturedVariables.TryGetValue(field, out var why)) continue;
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
        var leaf = analyzed.Result.CapturedVariables.Where(c => c.Value.Contains("::CompileLeaf,", StringComparison.Ordinal)).Select(c => c.Key).ToList();
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
}

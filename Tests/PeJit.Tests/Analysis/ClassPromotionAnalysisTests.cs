using PeJit.Analysis.BindingTimes;
using PeJit.Analysis.Reports;
using PeJit.IR;
using PeJit.TestSubjects;

namespace PeJit.Tests.Analysis;

/// <summary>
/// Rule 10 (Docs/bta.md) on <see cref="ClassVm"/>: <c>Jit.PromoteClass</c> makes a red reference's class green, so the
/// virtual <c>Add</c> on it is inlined per override and the type tests inside are decided; the reports say where.
/// </summary>
[TestClass]
public sealed class ClassPromotionAnalysisTests
{
    private static AnalyzedPortal Analyze() => AnalyzedPortal.Of(typeof(ClassVm), nameof(ClassVm.Run));

    [TestMethod]
    public void APromotedClassIsGreenWhileTheReferenceStaysRed()
    {
        var portal = Analyze();
        Assert.IsEmpty(portal.Errors, string.Join("\n", portal.Errors));
        foreach (var name in new[] { "left", "right" })
        {
            var values = AnalyzedPortal.Named(portal.Graph, name);
            Assert.IsTrue(values.All(v => portal.Graph.TimeOf(v) == BindingTime.Red), $"'{name}' stays red");
            Assert.IsTrue(values.All(portal.Graph.IsClassGreen), $"'{name}' has a green class");
            Assert.AreEqual(RedReasonKind.PromotedClass, portal.Graph.ReasonOf(values[0])!.Kind);
        }
        Assert.IsFalse(AnalyzedPortal.Named(portal.Graph, "items").Any(portal.Graph.IsClassGreen), "a value not promoted has no green class");
    }

    [TestMethod]
    public void AVirtualCallOnAPromotedClassIsInlinedPerOverrideAndTheTypeTestsInsideAreDecided()
    {
        var portal = Analyze();
        var add = portal.Graph.Calls.Single(c => c.Key.Method!.Name == "Add").Value;
        Assert.AreEqual(CallTreatment.InlineVirtual, add.Treatment, add.Reason);
        StringAssert.Contains(add.Reason, "Jit.PromoteClass");
        CollectionAssert.IsSubsetOf(new[] { "IntValue::Add[CC]", "FloatValue::Add[CC]", "StringValue::Add[CC]" }, add.Targets.Select(t => t.Name).ToList());
        var intAdd = add.Targets.Single(t => t.Name == "IntValue::Add[CC]");
        var tests = intAdd.Graph.Blocks.SelectMany(b => intAdd.Graph[b].Instructions).Where(i => i.Opcode == Opcode.IsInst).ToList();
        Assert.IsNotEmpty(tests);
        Assert.IsTrue(tests.All(t => intAdd.IsClassGreen(t.Result!.Value)), "isinst of a class-green value is class-green:\n" + intAdd.Print());
        var branches = intAdd.Graph.Blocks.Select(b => intAdd.Graph[b].Terminator).Where(t => t is { Opcode: Opcode.BrIf } && tests.Any(i => i.Result == t.Operands[0])).ToList();
        Assert.IsNotEmpty(branches);
        Assert.IsTrue(branches.All(b => intAdd.TimeOf(b!) == BindingTime.Green), "the branch on the type test is decided");
    }

    [TestMethod]
    public void TheReportsSayWhereAClassWasPromotedAndWhatItMadeGreen()
    {
        var result = Analyze().Result;
        string text = TextReport.Write(result);
        Golden.Check("Analysis/Reports/golden/ClassVm.bta.txt", text);
        StringAssert.Contains(text, "Classes promoted");
        StringAssert.Contains(JsonReport.Write(result), "\"classGreen\"");
        StringAssert.Contains(HtmlReport.Write(result), "Classes promoted");
    }
}

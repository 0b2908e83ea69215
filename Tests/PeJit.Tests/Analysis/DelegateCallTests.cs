using PeJit.Analysis.BindingTimes;
using PeJit.AnalysisSubjects;
using PeJit.IR;
using static PeJit.Analysis.BindingTimes.BindingTime;

namespace PeJit.Tests.Analysis;

/// <summary>
/// Calls through delegates (ContextAnalyzer.Delegates.cs), on the fixture portals of PeJit.AnalysisSubjects/Delegates.cs:
/// a green delegate's call is inlined for every member of its family, each analyzed for the binding times the
/// call passes; a red delegate, or one no code of the analyzed assemblies makes, stays a residual call with the reason.
/// </summary>
[TestClass]
public sealed class DelegateCallTests
{
    private static AnalyzedPortal Analyze(string portal) => AnalyzedPortal.WithoutErrors(typeof(Delegates), portal);

    /// <summary>The decision at the call through a delegate of type <paramref name="delegateType"/> (whose result is named <paramref name="result"/>, when given) in <paramref name="graph"/>.</summary>
    private static CallDecision InvokeOf(AnnotatedGraph graph, string delegateType, string? result = null) =>
        graph.Calls.Single(c => c.Key.Method!.Name == "Invoke" && c.Value.Family?.DelegateType.EndsWith("." + delegateType, StringComparison.Ordinal) == true
            && (result is null || c.Key.Result is { } value && graph.Graph[value].Name == result)).Value;

    private static CallDecision InvokeOf(AnalyzedPortal portal, string delegateType, string? result = null) => InvokeOf(portal.Graph, delegateType, result);

    [TestMethod]
    public void AGreenHandlerTableCallIsInlinedForEveryLambdaAndMethodGroup()
    {
        var portal = Analyze(nameof(Delegates.HandlerTable));
        Assert.AreEqual(Green, portal.TimeOf("pc"), "the pc every handler returns is green");
        var call = InvokeOf(portal, nameof(StepHandler));
        Assert.AreEqual(CallTreatment.InlineDelegate, call.Treatment, call.Reason);
        Assert.HasCount(3, call.Family!.Members, string.Join(", ", call.Family.Members));
        Assert.IsEmpty(call.Family.Excluded);
        CollectionAssert.Contains(call.Family.Members.ToList(), "PeJit.AnalysisSubjects.Delegates::Skip");
        // The lambdas are closed over the compiler's singleton (a green this, then the call's arguments);
        // the static method group is open: the call's arguments are its own.
        var signatures = call.Targets.ToDictionary(t => t.Method.Name, t => t.Signature.Letters);
        Assert.AreEqual("GRG", signatures["Skip"]);
        Assert.HasCount(2, signatures.Where(s => s.Value == "GGRG"), string.Join(", ", signatures));
        Assert.IsTrue(call.Targets.All(t => t.ReturnTime == Green));
    }

    [TestMethod]
    public void AnInstanceMethodGroupGetsItsGreenObjectAsThis()
    {
        var portal = Analyze(nameof(Delegates.MethodGroupsAndClosures));
        var call = InvokeOf(portal, nameof(ScaleHandler));
        Assert.AreEqual(CallTreatment.InlineDelegate, call.Treatment, call.Reason);
        Assert.AreEqual("GG", call.Targets.Single().Signature.Letters);
        Assert.AreEqual(Green, portal.TimeOf("scaled"), "Scaler.Factor is readonly on a green scaler");
    }

    [TestMethod]
    public void AClosureOverAValueNothingWritesAfterwardsReadsItGreen()
    {
        var portal = Analyze(nameof(Delegates.MethodGroupsAndClosures));
        var call = InvokeOf(portal, nameof(FixedAddHandler), "added");
        Assert.AreEqual(CallTreatment.InlineDelegate, call.Treatment, call.Reason);
        Assert.AreEqual("GG", call.Targets.Single().Signature.Letters, "the closure is a green this");
        Assert.AreEqual(Green, portal.TimeOf("added"), "the captured 'amount' is written once, before the delegate exists");
    }

    [TestMethod]
    public void AClosureOverAVariableWrittenAfterTheDelegateExistsReadsItRed()
    {
        var portal = Analyze(nameof(Delegates.MethodGroupsAndClosures));
        var call = InvokeOf(portal, nameof(AddHandler), "changing");
        Assert.AreEqual(CallTreatment.InlineDelegate, call.Treatment, "the delegate is green; what its closure reads is not");
        Assert.AreEqual(Red, portal.TimeOf("changing"));
        var chain = AnalyzedPortal.Chain(portal.Graph, "changing");
        Assert.AreEqual(RedReasonKind.MutableMemory, chain[^1].Kind, string.Join("\n", chain));
        StringAssert.Contains(chain[^1].Message, "amount");
    }

    [TestMethod]
    public void AClosureMadeOverARedValueIsARedDelegateAndStaysACall()
    {
        var portal = Analyze(nameof(Delegates.RedClosure));
        var call = InvokeOf(portal.GraphsOf("AddToTop").Single(), nameof(RedClosureHandler));
        Assert.AreEqual(CallTreatment.Residual, call.Treatment);
        StringAssert.Contains(call.Reason, "red delegate");
        StringAssert.Contains(call.Reason, "Jit.Promote");
        Assert.HasCount(1, call.Family!.Members, "the family is listed even when the call stays residual");
        StringAssert.Contains(PeJit.Analysis.Reports.TextReport.Write(portal.Result), "RedClosureHandler.Invoke — stays a call: a call through the red delegate");
    }

    [TestMethod]
    public void AGreenDelegateMadeByReflectionHasNoFamilyAndStaysACall()
    {
        var portal = Analyze(nameof(Delegates.ReflectedDelegate));
        var call = InvokeOf(portal, nameof(ReflectedHandler));
        Assert.AreEqual(CallTreatment.Residual, call.Treatment);
        StringAssert.Contains(call.Reason, "reflection");
        Assert.IsEmpty(call.Family!.Members);
        Assert.AreEqual(Red, portal.TimeOf("doubled"));
        Assert.AreEqual(RedReasonKind.ResidualCall, AnalyzedPortal.Chain(portal.Graph, "doubled")[^1].Kind);
        string report = PeJit.Analysis.Reports.TextReport.Write(portal.Result);
        StringAssert.Contains(report, "ReflectedHandler.Invoke — stays a call: no method of the analyzed assemblies is made into a ReflectedHandler");
        StringAssert.Contains(report, "      family: empty\n");
    }

    [TestMethod]
    public void APromotedRedDelegateIsInlined()
    {
        var portal = Analyze(nameof(Delegates.PromotedDelegate));
        var call = InvokeOf(portal, nameof(PromotedHandler));
        Assert.AreEqual(CallTreatment.InlineDelegate, call.Treatment, call.Reason);
        Assert.HasCount(2, call.Family!.Members, "the increment and the decrement");
        Assert.AreEqual(Green, portal.TimeOf("handler"));
    }
}

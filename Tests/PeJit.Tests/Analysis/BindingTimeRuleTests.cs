using PeJit.IR;
using PeJit.Analysis.BindingTimes;
using PeJit.AnalysisSubjects;
using static PeJit.Analysis.BindingTimes.BindingTime;

namespace PeJit.Tests.Analysis;

/// <summary>One test per binding-time rule, on the fixture portals of PeJit.AnalysisSubjects/Rules.cs.</summary>
[TestClass]
public sealed class BindingTimeRuleTests
{
    [TestMethod]
    public void PromotionMakesARedValueGreen()
    {
        var portal = AnalyzedPortal.Of(typeof(Rules), nameof(Rules.Promotion));
        Assert.IsEmpty(portal.Errors);
        Assert.AreEqual(Green, portal.TimeOf("kind"));
        Assert.AreEqual(Green, portal.TimeOf("shifted"), "computed from the promoted kind and green code");
        Assert.AreEqual(CallTreatment.Promote, portal.Call("Promote").Treatment);
    }

    [TestMethod]
    public void TheExceptionAHandlerCatchesIsRed()
    {
        var portal = AnalyzedPortal.Of(typeof(Rules), nameof(Rules.CaughtException));
        Assert.IsEmpty(portal.Errors);
        var divides = portal.GraphsOf("Divides").Single();
        Assert.AreEqual(Red, AnalyzedPortal.TimeOf(divides, "length"), "read from the caught exception, though the helper's argument is green");
        Assert.AreEqual(Red, AnalyzedPortal.TimeOf(divides, "exception"), "the handler entry's parameter");
        Assert.AreEqual(RedReasonKind.CaughtException, AnalyzedPortal.Chain(divides, "exception")[^1].Kind);
    }

    [TestMethod]
    public void ALocalPassedByRefToAnInlinedHelperThatStoresGreenValuesStaysGreen()
    {
        var portal = AnalyzedPortal.Of(typeof(Rules), nameof(Rules.PcAdvancedByRef));
        Assert.IsEmpty(portal.Errors, string.Join("\n", portal.Result.Diagnostics));
        Assert.AreEqual(Green, portal.TimeOf("op"), "read from the green code at the pc the helper advanced");
        Assert.AreEqual(CallTreatment.Inline, portal.Call("ReadOperand").Treatment);
        Assert.IsTrue(portal.Graph.Graph.Slots.All(s => portal.Graph.TimeOf(s) == Green), "pc's slot stays green");
    }

    [TestMethod]
    public void ALocalPassedByRefToAResidualHelperIsRedWithTheAddressNamed()
    {
        var portal = AnalyzedPortal.Of(typeof(Rules), nameof(Rules.PcPassedToResidualByRef));
        var error = portal.Errors.Single(e => e.Code == PeJit.Analysis.Diagnostics.DiagnosticCodes.GreenDependsOnRed);
        StringAssert.Contains(error.Details!, "whose address is taken at PeJit.AnalysisSubjects.Rules::PcPassedToResidualByRef IL_");
        StringAssert.Contains(error.Details!, "OpaqueOperand");
        StringAssert.Contains(error.Details!, "stays a residual call");
        // The fix is chosen by the reason's kind, not by the message's words.
        StringAssert.Contains(error.Advice, "by value and return the new value");
        var reads = portal.Graph.Graph.Values.Where(v => portal.Graph.ReasonOf(v)?.Kind == RedReasonKind.AddressTaken).ToList();
        Assert.IsNotEmpty(reads, "the read of the local whose address escaped has the kind AddressTaken");
    }

    [TestMethod]
    public void ElidableCallsAreGreenWithGreenArgumentsAndResidualOtherwise()
    {
        var portal = AnalyzedPortal.Of(typeof(Rules), nameof(Rules.Elidable));
        Assert.AreEqual(Green, portal.TimeOf("constant"));
        Assert.AreEqual(Red, portal.TimeOf("dynamic"));
        Assert.AreEqual(CallTreatment.GreenCall, portal.Call("LookUp", CallTreatment.GreenCall).Treatment);
        Assert.AreEqual(CallTreatment.Residual, portal.Call("LookUp", CallTreatment.Residual).Treatment);
        var chain = AnalyzedPortal.Chain(portal.Graph, "dynamic");
        Assert.AreEqual(RedReasonKind.ResidualCall, chain[^1].Kind, "the root is the residual call");
        StringAssert.Contains(chain[^1].Message, "LookUp");
    }

    [TestMethod]
    public void ReadonlyAndJitImmutableFieldsOfGreenObjectsAreGreenMutableFieldsRed()
    {
        var portal = AnalyzedPortal.Of(typeof(Rules), nameof(Rules.ImmutableFields));
        Assert.AreEqual(Green, portal.TimeOf("op"), "readonly Ops of the green code, at a green pc");
        Assert.AreEqual(Green, portal.TimeOf("arity"), "[JitImmutable] field");
        Assert.AreEqual(Red, portal.TimeOf("counter"), "mutable field");
        var chain = AnalyzedPortal.Chain(portal.Graph, "counter");
        Assert.AreEqual(RedReasonKind.MutableMemory, chain[^1].Kind);
        StringAssert.Contains(chain[^1].Message, "Counter");
    }

    [TestMethod]
    public void AHelperCalledWithGreenAndRedArgumentsGetsTwoAnnotatedVersions()
    {
        var portal = AnalyzedPortal.Of(typeof(Rules), nameof(Rules.Polyvariance));
        var versions = portal.GraphsOf("Twice").ToDictionary(g => g.Signature.Letters);
        CollectionAssert.AreEquivalent(new[] { "G", "R" }, versions.Keys.ToArray());
        Assert.AreEqual(Green, versions["G"].ReturnTime);
        Assert.AreEqual(Red, versions["R"].ReturnTime);
        Assert.AreEqual(Green, portal.TimeOf("fromCode"));
        Assert.AreEqual(Red, portal.TimeOf("fromStack"));
        var chain = AnalyzedPortal.Chain(portal.Graph, "fromStack");
        Assert.AreEqual(RedReasonKind.RedReturn, chain[0].Kind);
        Assert.AreEqual(RedReasonKind.DeclaredRed, chain[^1].Kind, "the chain crosses into the callee and back to the portal's red frame");
    }

    [TestMethod]
    public void AHelperLoopWithARedExitIsGeneralizedAndAGreenOneUnrolled()
    {
        var portal = AnalyzedPortal.Of(typeof(Rules), nameof(Rules.Loops));
        var sumTo = portal.GraphsOf("SumTo").Single();
        Assert.AreEqual(LoopTreatment.Generalized, sumTo.Loops.Single().Treatment);
        var header = sumTo.Loops.Single().Header;
        var carried = sumTo.Graph[header].Parameters.Single(p => sumTo.Graph[p].Name == "i");
        Assert.AreEqual(Red, sumTo.TimeOf(carried), "the counter is carried around a loop with a red exit");
        Assert.AreEqual(Green, sumTo.TimeOf(AnalyzedPortal.Named(sumTo, "i")[0]), "its initial value is a constant");
        var chain = sumTo.ReasonChain(carried).Select(step => (step.Reason.Kind, step.Reason.Message)).ToList();
        Assert.IsTrue(chain.Any(step => step.Kind == RedReasonKind.GeneralizedLoop), string.Join("\n", chain));
        var sumOfOps = portal.GraphsOf("SumOfOps").Single();
        Assert.AreEqual(LoopTreatment.Unrolled, sumOfOps.Loops.Single().Treatment);
        Assert.AreEqual(Green, AnalyzedPortal.TimeOf(sumOfOps, "i"));
        Assert.AreEqual(Green, AnalyzedPortal.TimeOf(sumOfOps, "total"));
        Assert.IsTrue(portal.Result.Diagnostics.Any(d => d.Code == "PJ1002" && d.Message.Contains("SumTo")));
    }

    /// <summary>
    /// A generic container's methods, inlined with a red receiver, are analyzed as any helper: their red code that names
    /// <c>T</c> (Pop's <c>ldelem T</c>) is no warning any more (PJ1004 is retired: the specializer instantiates it), and the
    /// <c>[DontLookInside]</c> one stays a call.
    /// </summary>
    [TestMethod]
    public void RedCodeOfAGenericMethodThatNamesItsParameterIsAnalyzedWithoutAWarning()
    {
        var portal = AnalyzedPortal.Of(typeof(Rules), nameof(Rules.GenericStack));
        Assert.IsEmpty(portal.Errors, string.Join("\n", portal.Result.Diagnostics));
        Assert.IsFalse(portal.Result.Diagnostics.Any(d => d.Code == "PJ1004"), string.Join("\n", portal.Result.Diagnostics));
        Assert.AreEqual(CallTreatment.Inline, portal.Call("Pop").Treatment);
        Assert.AreEqual(CallTreatment.Inline, portal.Call("Push").Treatment);
        Assert.AreEqual(CallTreatment.Residual, portal.Call("Drop").Treatment);
    }

    [TestMethod]
    public void EachKindOfResidualCallIsResidualWithItsReason()
    {
        var portal = AnalyzedPortal.Of(typeof(Rules), nameof(Rules.ResidualCalls));
        var expected = new Dictionary<string, string>
        {
            ["SlowPath"] = "[DontLookInside]",
            ["Opaque"] = "opaque: localloc",
            ["ResidualCalls"] = "recursion through the portal",
            ["WriteLine"] = "virtual call on a red receiver",
            ["get_TickCount64"] = "outside the analyzed assemblies",
        };
        foreach (var (method, reason) in expected)
        {
            var decision = portal.Call(method);
            Assert.AreEqual(CallTreatment.Residual, decision.Treatment, method);
            StringAssert.Contains(decision.Reason, reason, method);
        }
        Assert.AreEqual(Red, portal.TimeOf("slow"));
        Assert.AreEqual(RedReasonKind.ResidualCall, AnalyzedPortal.Chain(portal.Graph, "slow")[0].Kind);
        Assert.AreEqual(CallTreatment.GreenCall, portal.Call("BigMul").Treatment, "Math is known pure");
        // A recursive helper called with a green argument is unfolded (RecursionAnalysisTests has the cases).
        Assert.AreEqual(CallTreatment.Unfold, portal.Call("Factorial").Treatment);
    }
}

using PeJit.Analysis.BindingTimes;
using PeJit.AnalysisSubjects;
using PeJit.IR;

namespace PeJit.Tests.Analysis;

/// <summary>
/// Calls of recursive helpers, classified offline (RecursionUnfolding): unfolded when an argument is green,
/// residual when every argument is red or the helper passes its own green arguments to itself; virtual and
/// interface calls on green receivers whose targets recurse are unfolded too. Subjects:
/// PeJit.AnalysisSubjects/Recursion.cs.
/// </summary>
[TestClass]
public sealed class RecursionAnalysisTests
{
    /// <summary>The decisions for every call of <paramref name="method"/> in every graph the portal reaches.</summary>
    private static List<CallDecision> CallsOf(AnalyzedPortal portal, string method) =>
        portal.Portal.Reachable.SelectMany(g => g.Calls).Where(c => c.Key.Method!.Name == method).Select(c => c.Value).ToList();

    [TestMethod]
    public void DirectRecursionOnAGreenTreeIsUnfolded()
    {
        var portal = AnalyzedPortal.Of(typeof(Recursion), nameof(Recursion.Direct));
        Assert.IsEmpty(portal.Errors);
        var calls = CallsOf(portal, "Sum");
        Assert.HasCount(3, calls, "the portal's call and the two recursive ones");
        Assert.IsTrue(calls.All(c => c.Treatment == CallTreatment.Unfold), string.Join("\n", calls));
        Assert.IsTrue(calls.All(c => c.Targets.Single().Signature.Letters == "GR"), "one context: the node green, the frame red");
        Assert.AreEqual(BindingTime.Red, portal.TimeOf("total"), "the result of an unfolded call is red: it may stay a call");
    }

    [TestMethod]
    public void RecursionOnRedArgumentsOnlyStaysACall()
    {
        var portal = AnalyzedPortal.Of(typeof(Recursion), nameof(Recursion.Direct));
        var call = portal.Call("Countdown");
        Assert.AreEqual(CallTreatment.Residual, call.Treatment);
        StringAssert.Contains(call.Reason, "every argument is red");
    }

    [TestMethod]
    public void MutualRecursionIsUnfolded()
    {
        var portal = AnalyzedPortal.Of(typeof(Recursion), nameof(Recursion.Mutual));
        Assert.IsEmpty(portal.Errors);
        foreach (var method in new[] { "Even", "Odd" })
        {
            var calls = CallsOf(portal, method);
            Assert.IsNotEmpty(calls, method);
            Assert.IsTrue(calls.All(c => c.Treatment == CallTreatment.Unfold), $"{method}: {string.Join("\n", calls)}");
        }
    }

    [TestMethod]
    public void ACallRepeatingItsGreenArgumentsStaysACall()
    {
        var portal = AnalyzedPortal.Of(typeof(Recursion), nameof(Recursion.Repeating));
        Assert.IsEmpty(portal.Errors);
        Assert.AreEqual(CallTreatment.Unfold, portal.Call("Retry").Treatment, "the portal's call passes a new node");
        var inner = portal.GraphsOf("Retry").SelectMany(g => g.Calls).Single(c => c.Key.Method!.Name == "Retry").Value;
        Assert.AreEqual(CallTreatment.Residual, inner.Treatment);
        StringAssert.Contains(inner.Reason, "calls itself with the green arguments it was called with");
    }

    [TestMethod]
    public void VirtualInterfaceGenericAndVisitorCallsOnGreenReceiversAreUnfolded()
    {
        var portal = AnalyzedPortal.Of(typeof(Recursion), nameof(Recursion.Virtual));
        Assert.IsEmpty(portal.Errors, string.Join("\n", portal.Errors));
        // Overrides that call Evaluate on their children.
        var evaluate = portal.Call("Evaluate");
        Assert.AreEqual(CallTreatment.UnfoldVirtual, evaluate.Treatment, evaluate.Reason);
        CollectionAssert.AreEquivalent(new[] { "TreeLeaf", "TreeSum" }, evaluate.Targets.Select(t => t.Method.DeclaringType.Name).ToList());
        Assert.IsTrue(CallsOf(portal, "Evaluate").All(c => c.Treatment == CallTreatment.UnfoldVirtual));
        // An interface method whose implementation calls it on its inner term.
        var term = portal.Call("Value");
        Assert.AreEqual(CallTreatment.UnfoldVirtual, term.Treatment, term.Reason);
        CollectionAssert.AreEquivalent(new[] { "SlotTerm", "NegatedTerm" }, term.Targets.Select(t => t.Method.DeclaringType.Name).ToList());
        // A generic virtual method.
        var fold = portal.Call("Fold");
        Assert.AreEqual(CallTreatment.UnfoldVirtual, fold.Treatment, fold.Reason);
        // Double dispatch: Accept calls the visitor, whose VisitSum calls Accept on the children.
        var accept = portal.Call("Accept");
        Assert.AreEqual(CallTreatment.UnfoldVirtual, accept.Treatment, accept.Reason);
        var visits = CallsOf(portal, "VisitSum");
        Assert.IsNotEmpty(visits);
        Assert.IsTrue(visits.All(c => c.Treatment == CallTreatment.UnfoldVirtual), string.Join("\n", visits));
        // VisitLeaf is on no cycle: inlined as any virtual call on a green receiver.
        Assert.IsTrue(CallsOf(portal, "VisitLeaf").All(c => c.Treatment == CallTreatment.InlineVirtual));
    }
}

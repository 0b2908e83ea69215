using PeJit.IR;
using PeJit.Analysis.BindingTimes;
using PeJit.AnalysisSubjects;
using static PeJit.Analysis.BindingTimes.BindingTime;

namespace PeJit.Tests.Analysis;

/// <summary>Green structs (ContextAnalyzer rule 7), on the fixture portals of PeJit.AnalysisSubjects/Structs.cs.</summary>
[TestClass]
public sealed class GreenStructTests
{
    [TestMethod]
    public void ARecordStructReadFromAGreenArrayStaysGreenThroughItsGetters()
    {
        var portal = AnalyzedPortal.Of(typeof(Structs), nameof(Structs.RecordStructFromGreenArray));
        Assert.IsEmpty(portal.Errors, string.Join("\n", portal.Errors.Select(e => e.Message)));
        Assert.AreEqual(Green, portal.TimeOf("pc"));
        Assert.AreEqual(Green, portal.TimeOf("op"), "get_Op called on the local's address");
        Assert.AreEqual(Green, portal.TimeOf("arg"));
        Assert.AreEqual(CallTreatment.Inline, portal.Call("get_Op").Treatment);
        Assert.AreEqual(Green, portal.GraphsOf("get_Op").Single().ReturnTime);
    }

    [TestMethod]
    public void AStructMethodWritingThroughThisMakesOnlyThatLocalRed()
    {
        var portal = AnalyzedPortal.Of(typeof(Structs), nameof(Structs.MutatingStructMethod));
        Assert.IsEmpty(portal.Errors, string.Join("\n", portal.Errors.Select(e => e.Message)));
        Assert.AreEqual(Green, portal.TimeOf("op"), "the instruction is not written through");
        Assert.AreEqual(Red, portal.TimeOf("advanced"), "Advance writes through the cursor's address");
        var chain = AnalyzedPortal.Chain(portal.Graph, "advanced");
        Assert.AreEqual(RedReasonKind.MutableMemory, chain[^1].Kind);
    }
}

using PeJit.Analysis.Diagnostics;
using PeJit.Analysis.Reports;
using PeJit.AnalysisSubjects;

namespace PeJit.Tests.Analysis;

/// <summary>
/// An interpreter whose state is fields of the interpreter object (<see cref="FieldStateVm"/>, the clox style): hints that name
/// or pass those fields are errors that say how to make them variables (greens) or keep them in a virtualizable <c>this</c>
/// (reds), and <c>this</c> of an instance portal counts as a virtualizable red without being named.
/// </summary>
[TestClass]
public sealed class FieldStateHintTests
{
    [TestMethod]
    public void NamingAFieldAsAGreenSaysToCopyItIntoAPromotedLocal()
    {
        var analyzed = AnalyzedPortal.Of(typeof(FieldStateVm), nameof(FieldStateVm.NamesFields));
        var named = analyzed.Errors.Where(e => e.Code == DiagnosticCodes.UnknownVariable).ToList();
        Assert.HasCount(3, named, string.Join("\n", analyzed.Result.Diagnostics));
        var ip = named.Single(e => e.Message.Contains("'ip'"));
        StringAssert.Contains(ip.Message, "a field of FieldStateVm");
        StringAssert.Contains(ip.Advice, "var ip = Jit.Promote(this.ip);");
        var stackTop = named.Single(e => e.Message.Contains("'stackTop'"));
        StringAssert.Contains(stackTop.Advice, "[Virtualizable(\"stackTop\")]");
        // The fields passed to the merge point: each argument's own error, green or red advice by its position.
        var passed = analyzed.Errors.Where(e => e.Code == DiagnosticCodes.NotAVariable).ToList();
        Assert.HasCount(3, passed, string.Join("\n", analyzed.Result.Diagnostics));
        StringAssert.Contains(passed[0].Message, "argument 1 of Jit.MergePoint is the field ip of FieldStateVm");
        StringAssert.Contains(passed[0].Advice, "Greens are the portal's variables");
        StringAssert.Contains(passed[2].Advice, "[Virtualizable(\"stackTop\")]");
        Assert.IsGreaterThan(0, passed[0].Line, "a source line");
    }

    [TestMethod]
    public void AGreenReadFromAFieldBeforeTheLoopSaysToPromoteTheRead()
    {
        var analyzed = AnalyzedPortal.Of(typeof(FieldStateVm), nameof(FieldStateVm.GreenFromField));
        var error = analyzed.Errors.Single(e => e.Code == DiagnosticCodes.GreenDependsOnRed);
        StringAssert.Contains(error.Message, "'pc' is declared green");
        StringAssert.Contains(error.Advice, "var pc = Jit.Promote(this.ip);");
    }

    [TestMethod]
    public void NamingThisSaysItIsARedAlready()
    {
        var analyzed = AnalyzedPortal.Of(typeof(FieldStateVm), nameof(FieldStateVm.NamesThis));
        var error = analyzed.Errors.Single(e => e.Code == DiagnosticCodes.UnknownVariable);
        StringAssert.Contains(error.Message, "names 'this', which every instance portal carries as a red already");
        StringAssert.Contains(error.Advice, "Leave `this` out of Reds");
    }

    [TestMethod]
    public void ThisOfAnInstancePortalIsAVirtualizableRed()
    {
        var analyzed = AnalyzedPortal.Of(typeof(FieldStateVm), nameof(FieldStateVm.Run));
        Assert.IsFalse(analyzed.Result.HasErrors, string.Join("\n", analyzed.Result.Diagnostics));
        Assert.IsFalse(analyzed.Result.Diagnostics.Any(d => d.Code == DiagnosticCodes.VirtualizableUnused),
            "the implicit red `this` is of the virtualizable class: " + string.Join("\n", analyzed.Result.Diagnostics));
        StringAssert.Contains(TextReport.Write(analyzed.Result), $"virtualizable red: this ({typeof(FieldStateVm).FullName}: stackTop, stack[*])");
    }
}

using PeJit.Analysis.Diagnostics;
using PeJit.AnalysisSubjects;

namespace PeJit.Tests.Analysis;

/// <summary>
/// A green pc read from a run-time stack (a label's branch target, a frame's return address): the error's chain goes
/// back to the stack the user named, and its advice names the read to move into the code object or to promote.
/// </summary>
[TestClass]
public sealed class ControlStackAdviceTests
{
    private static Diagnostic Error(string portal)
    {
        var analyzed = AnalyzedPortal.Of(typeof(ControlStackErrors), portal);
        var errors = analyzed.Errors.Where(e => e.Code == DiagnosticCodes.GreenDependsOnRed).ToList();
        Assert.HasCount(1, errors, string.Join("\n", analyzed.Result.Diagnostics));
        StringAssert.Contains(errors[0].Message, "'pc' is declared green");
        return errors[0];
    }

    [TestMethod]
    public void ATargetReadThroughALabelsAddressNamesTheLabelStackAndTheRead()
    {
        var error = Error(nameof(ControlStackErrors.TargetFromLabelStack));
        // The chain goes on from the element's address to the array, not "an address of memory that may change".
        StringAssert.Contains(error.Details!, "the address of an element (ldelema) of the red array");
        StringAssert.Contains(error.Details!, "(labels): the portal parameter 'labels' is not declared green");
        Assert.DoesNotContain("memory that may change", error.Details!);
        StringAssert.Contains(error.Advice, "the field Target of an element of the red array 'labels'");
        StringAssert.Contains(error.Advice, "keep it in the code object");
        StringAssert.Contains(error.Advice, "`pc = Jit.Promote(label.Target)`");
    }

    [TestMethod]
    public void AReturnAddressReadFromAPoppedFrameSaysToPromoteItWhereItIsRead()
    {
        var error = Error(nameof(ControlStackErrors.ReturnPcFromFrameStack));
        StringAssert.Contains(error.Advice, "the field ReturnPc of an object taken from the red array 'frames'");
        StringAssert.Contains(error.Advice, "`pc = Jit.Promote(frame.ReturnPc)`");
        // Not the advice for a pc kept in a field and read once before the loop.
        Assert.DoesNotContain("before the loop", error.Advice);
    }
}

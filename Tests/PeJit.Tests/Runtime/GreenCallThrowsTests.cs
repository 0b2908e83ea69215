using PeJit.AnalysisSubjects;
using PeJit.IR;
using PeJit.IR.Text;
using PeJit.Runtime;
using PeJit.Tests.Specializer;
using static PeJit.AnalysisSubjects.RedSwitchDecoding;

namespace PeJit.Tests.Runtime;

/// <summary>
/// A green call that throws while specializing (PeJit.AnalysisSubjects/RedSwitchDecoding.cs: a red switch's case decoding an
/// operand past the code's end) is a call that throws at run time, as a green instruction that throws is: the path ends
/// there, the unit is compiled, and the program gives the plain interpreter's answer.
/// </summary>
[TestClass]
public sealed class GreenCallThrowsTests
{
    [TestMethod]
    public void AGreenCallThatThrowsOnAPathTheProgramNeverTakesDoesNotCostTheUnit()
    {
        var jit = PortalJit.Create(typeof(RedSwitchDecoding).GetMethod(nameof(Run))!, new JitSettings { Threshold = 3, Strict = true });
        var code = AddLoop(5);
        long plain = Run(code, code.Bytes, 1000);
        Assert.AreEqual(5000, plain, "the subject itself");
        long compiled = (long)JitDifferentialTests.AssertUnitsEntered(jit, "add loop", () => jit.Invoke(code, code.Bytes.Clone(), 1000L))!;
        Assert.AreEqual(plain, compiled);

        var unit = jit.Units.First().Unit;
        string listing = IrPrinter.Print(unit.Residual);
        // Where the decoding throws, the residual code makes the call (it throws there, as the interpreter would) and ends.
        Assert.IsTrue(unit.Residual.Blocks.SelectMany(b => unit.Residual[b].Instructions).Any(i => i.Method?.Name == "ToInt64"),
            "the throwing call is in the residual code:\n" + listing);
        Assert.IsTrue(unit.Notes.Any(n => n.Contains("call to ToInt64") && n.Contains("ArgumentOutOfRangeException")),
            "the unit's notes say why: " + string.Join("; ", unit.Notes));
    }
}

using PeJit.AnalysisSubjects;
using PeJit.IR.Text;
using PeJit.Runtime;

namespace PeJit.Tests.Specializer;

/// <summary>
/// The engine's side of recursion on green arguments, on the subjects of PeJit.AnalysisSubjects/Recursion.cs:
/// direct and mutual recursion on a green tree, overrides recursing on children, an interface, a generic
/// virtual method and a visitor's double dispatch are unfolded: the JIT-enabled run gives what the plain one
/// gives, compiled code ran, and no call of the recursive helpers is left in the residual code.
/// </summary>
[TestClass]
public sealed class RecursionUnfoldingTests
{
    private static TreeCode Code() => new(
        [new TreeSum(new TreeLeaf(3), new TreeSum(new TreeLeaf(4), new TreeLeaf(3))), new TreeLeaf(4)],
        [new NegatedTerm(new NegatedTerm(new SlotTerm(3))), new SlotTerm(4)],
        new EvaluatingVisitor());

    private static Frame NewFrame()
    {
        var frame = new Frame();
        frame.Stack[2] = 20_000;
        frame.Stack[3] = 5;
        frame.Stack[4] = 7;
        return frame;
    }

    [TestMethod]
    [DataRow(nameof(Recursion.Direct), "Sum")]
    [DataRow(nameof(Recursion.Mutual), "Even|Odd")]
    [DataRow(nameof(Recursion.Virtual), "Evaluate|Value|Fold|Accept|VisitSum|VisitLeaf")]
    [DataRow(nameof(Recursion.Promoted), "Scaled")]
    public void UnfoldedCallsGiveWhatThePlainRunGives(string portal, string helpers)
    {
        var method = typeof(Recursion).GetMethod(portal)!;
        var code = Code();
        var plainFrame = NewFrame();
        long plain = (long)method.Invoke(null, [code, plainFrame])!;
        var jit = PortalJit.Create(method, new JitSettings { Threshold = 3 });
        var jitFrame = NewFrame();
        var result = JitDifferentialTests.AssertUnitsEntered(jit, portal, () => jit.Invoke(code, jitFrame));
        Assert.AreEqual(plain, result);
        CollectionAssert.AreEqual(plainFrame.Stack, jitFrame.Stack);
        var names = helpers.Split('|');
        if (portal == nameof(Recursion.Promoted))
            Assert.IsTrue(jit.Units.Any(u => u.Unit.Exits.Any(e => e.Frames is { Count: > 2 })), "an exit inside the unfolded calls describes their frames");
        foreach (var unit in jit.Units)
        {
            var residual = unit.Unit.Residual;
            var left = residual.Blocks.SelectMany(b => residual[b].Instructions).Where(i => i.Method is not null && names.Contains(i.Method.Name)).ToList();
            Assert.IsEmpty(left, $"no call of {helpers} left:\n{IrPrinter.Print(residual)}");
        }
    }
}

using PeJit.AnalysisSubjects;
using PeJit.IR;
using PeJit.IR.Text;
using PeJit.Runtime;
using PeJit.Tests.Specializer;
using static PeJit.AnalysisSubjects.ClosureTree;
using Frame = PeJit.AnalysisSubjects.ClosureTree.Frame;

namespace PeJit.Tests.Runtime;

/// <summary>
/// The closure-compiled interpreter of PeJit.AnalysisSubjects/ClosureTree.cs, JIT-enabled in process: each run gives what
/// the plain portal gives, with compiled code entered. The loop's closure tree is unfolded (its captured children green:
/// CapturedVariables.cs), so the compiled loop calls no delegate; and closures whose captured variables change (a counter,
/// a running total a nested closure assigns, variables written after their closure escapes) give the plain answers.
/// </summary>
[TestClass]
public sealed class ClosureTreeJitTests
{
    private static IEnumerable<Instruction> Instructions(FlowGraph graph) => graph.Blocks.SelectMany(b => graph[b].Instructions);

    private static Frame SumFrame(long n)
    {
        var frame = new Frame(3);
        frame.Slots[2] = n;
        return frame;
    }

    [TestMethod]
    public void TheCompiledTreesLoopComputesWhatThePlainOneDoesAndCallsNoDelegate()
    {
        var jit = PortalJit.Create(typeof(ClosureTree).GetMethod(nameof(While))!, new JitSettings { Threshold = 3 });
        foreach (long n in new long[] { 0, 1, 2, 50, 3000 })
            foreach (long k in new long[] { 3, 11 })
            {
                var (cond, body) = SumLoop(k);
                long plain = While(cond, body, SumFrame(n));
                Assert.AreEqual(SumLoopInCSharp(k, n), plain, "the subject itself");
                long compiled = n < 50 ? (long)jit.Invoke(cond, body, SumFrame(n))!
                    : (long)JitDifferentialTests.AssertUnitsEntered(jit, $"sum {n} {k}", () => jit.Invoke(cond, body, SumFrame(n)))!;
                Assert.AreEqual(plain, compiled, $"n {n}, k {k}");
            }
        var units = jit.Units.Select(u => u.Unit.Residual).ToList();
        Assert.IsNotEmpty(units);
        foreach (var unit in units)
            Assert.IsFalse(Instructions(unit).Any(i => i.Method?.Name == "Invoke" || i.Field is not null && i.Field.Name is "l" or "r" or "items" or "value"),
                "the closure tree is unfolded: no delegate call, no captured child read:\n" + IrPrinter.Print(unit));
    }

    [TestMethod]
    public void ClosuresWhoseCapturedVariablesChangeGiveThePlainAnswers()
    {
        var jit = PortalJit.Create(typeof(ClosureTree).GetMethod(nameof(RunSteps))!, new JitSettings { Threshold = 3 });
        foreach (long limit in new long[] { 2000, 50_000 })
        {
            var plainFrame = new Frame(1);
            plainFrame.Slots[0] = limit;
            var frame = new Frame(1);
            frame.Slots[0] = limit;
            long plain = RunSteps(Counter(), plainFrame);
            long compiled = (long)JitDifferentialTests.AssertUnitsEntered(jit, $"counter {limit}", () => jit.Invoke(Counter(), frame))!;
            Assert.AreEqual(plain, compiled, $"counter to {limit}");
            // A running total the nested closure assigns: taken for fixed, it was folded to its value when compiled.
            plain = RunSteps(Accumulator()(3), plainFrame);
            compiled = (long)JitDifferentialTests.AssertUnitsEntered(jit, $"total {limit}", () => jit.Invoke(Accumulator()(3), frame))!;
            Assert.AreEqual(plain, compiled, $"running total to {limit}");
        }

        var changed = PortalJit.Create(typeof(ClosureTree).GetMethod(nameof(RunChanged))!, new JitSettings { Threshold = 3 });
        for (long a = 1; a <= 3; a++)
        {
            long plain = RunChanged(LinkedThenWritten(a), WrittenLate(a), new Frame(1));
            long compiled = (long)JitDifferentialTests.AssertUnitsEntered(changed, $"changed {a}", () => changed.Invoke(LinkedThenWritten(a), WrittenLate(a), new Frame(1)))!;
            Assert.AreEqual(plain, compiled, $"a = {a}");
        }
    }
}

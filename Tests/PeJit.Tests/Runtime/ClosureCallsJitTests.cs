using PeJit.AnalysisSubjects;
using PeJit.IR;
using PeJit.IR.Text;
using PeJit.Runtime;
using PeJit.Tests.Specializer;
using static PeJit.AnalysisSubjects.ClosureCalls;

namespace PeJit.Tests.Runtime;

/// <summary>
/// Function calls of the closure-compiled interpreter of PeJit.AnalysisSubjects/ClosureCalls.cs, JIT-enabled in process
/// against the plain portal: the portal runs one function's body (no loop; its entry is where it gets hot), so a recursive
/// function without a loop is compiled, its body's closure tree unfolded and its recursive calls direct calls of its own
/// unit; mutual recursion gives the plain answers.
/// </summary>
[TestClass]
public sealed class ClosureCallsJitTests
{
    private static JitSettings Settings() => new() { Threshold = 3, Strict = true };

    [TestMethod]
    public void ARecursiveFunctionWithoutALoopIsCompiledAndCallsItsOwnUnit()
    {
        var jit = PortalJit.Create(typeof(ClosureCalls).GetMethod(nameof(Call))!, Settings());
        var fib = Fib();
        foreach (long n in new long[] { 0, 1, 2, 7, 15, 20 })
        {
            long plain = Call(fib, FrameOf(fib, n));
            Assert.AreEqual(FibInCSharp(n), plain, "the subject itself");
            long compiled = n < 15 ? (long)jit.Invoke(fib, FrameOf(fib, n))!
                : (long)JitDifferentialTests.AssertUnitsEntered(jit, $"fib {n}", () => jit.Invoke(fib, FrameOf(fib, n)))!;
            Assert.AreEqual(plain, compiled, $"fib {n}");
        }
        var unit = jit.Units.SingleOrDefault(u => ReferenceEquals(u.Unit.Entry.Values[0], fib));
        Assert.IsNotNull(unit, "a unit for fib: " + string.Join(", ", jit.Units.Select(u => u.Unit.Entry)));
        var code = unit.Unit.Residual;
        string listing = IrPrinter.Print(code);
        // The body's closure tree is unfolded: no delegate call, no captured child read.
        Assert.IsFalse(code.Blocks.SelectMany(b => code[b].Instructions).Any(i => i.Method?.Name == "Invoke"), "no delegate call:\n" + listing);
        Assert.AreEqual(2, unit.Unit.DirectSelfCalls, "fib's two calls call its own unit directly:\n" + listing);
    }

    [TestMethod]
    public void FunctionsCallingEachOtherGiveThePlainAnswers()
    {
        var jit = PortalJit.Create(typeof(ClosureCalls).GetMethod(nameof(Call))!, Settings());
        var even = EvenOdd();
        foreach (long n in new long[] { 0, 1, 2, 9, 100, 1000, 1001 })
        {
            long plain = Call(even, FrameOf(even, n, 1));
            long compiled = n < 100 ? (long)jit.Invoke(even, FrameOf(even, n, 1))!
                : (long)JitDifferentialTests.AssertUnitsEntered(jit, $"even {n}", () => jit.Invoke(even, FrameOf(even, n, 1)))!;
            Assert.AreEqual(plain, compiled, $"even {n}");
        }
    }
}

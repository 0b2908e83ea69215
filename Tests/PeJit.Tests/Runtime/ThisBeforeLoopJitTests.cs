using PeJit.AnalysisSubjects;
using PeJit.Runtime;
using PeJit.Tests.Specializer;

namespace PeJit.Tests.Runtime;

/// <summary>
/// An instance portal whose <c>this</c> is dead after the merge point (<see cref="ThisBeforeLoop"/>, the shape of a lambda
/// made the portal), JIT-enabled in process against the plain portal: its hot key is compiled and entered (the merge-point
/// state carries <c>this</c>, which the specializer must keep to pass at the back edge), and exits in the middle of a step
/// (a promotion meeting new values) give the plain answers.
/// </summary>
[TestClass]
public sealed class ThisBeforeLoopJitTests
{
    [TestMethod]
    public void AnInstancePortalWhoseThisIsDeadInItsLoopIsCompiled()
    {
        var jit = PortalJit.Create(typeof(ThisBeforeLoop).GetMethod(nameof(ThisBeforeLoop.Run))!, new JitSettings { Threshold = 3 });
        foreach (bool guarded in new[] { false, true })
            foreach (long step in new long[] { 1, 7 })
            {
                var program = ThisBeforeLoop.Loop(guarded);
                foreach (long n in new long[] { 1, 2, 5, 2000, 20_000 })
                {
                    long plain = new ThisBeforeLoop(program, step).Run(n);
                    var machine = new ThisBeforeLoop(program, step);
                    long compiled = n < 2000 ? (long)jit.Invoke(machine, n)!
                        : (long)JitDifferentialTests.AssertUnitsEntered(jit, $"guarded {guarded}, step {step}, n {n}", () => jit.Invoke(machine, n))!;
                    Assert.AreEqual(plain, compiled, $"guarded {guarded}, step {step}, n {n}");
                }
            }
    }
}

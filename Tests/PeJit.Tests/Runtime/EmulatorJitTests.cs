using PeJit.Analysis.Diagnostics;
using PeJit.AnalysisSubjects;
using PeJit.Runtime;
using PeJit.Tests.Analysis;

namespace PeJit.Tests.Runtime;

/// <summary>
/// A CPU emulator (<see cref="EmulatorCpu"/>): the program in mutable memory, every instruction byte promoted, the program
/// counter moved by reference in a helper. What it needs of the runtime: leaving in the middle of a step while the helper
/// holds the address of the green program counter (the resumed step writes the portal's own local through it), learning
/// all the promoted bytes of a loop in one recompilation (an instance portal's steps run on by the learning evaluator, its
/// program counter in a slot), and guards that catch code the program rewrites.
/// </summary>
[TestClass]
public sealed class EmulatorJitTests
{
    private static (EmulatorCpu Cpu, PortalJit Jit) RunJitEnabled(EmulatorCpu cpu)
    {
        var jit = PortalJit.Create(typeof(EmulatorCpu).GetMethod(nameof(EmulatorCpu.Run))!,
            new JitSettings { Threshold = 3, Strict = true, BackgroundCompilation = false });
        jit.Invoke(cpu);
        return (cpu, jit);
    }

    private static void AssertSameMachine(EmulatorCpu plain, EmulatorCpu jitted)
    {
        CollectionAssert.AreEqual(plain.Output, jitted.Output, "output");
        CollectionAssert.AreEqual(plain.R, jitted.R, "registers");
        CollectionAssert.AreEqual(plain.Memory, jitted.Memory, "memory");
        Assert.AreEqual(plain.Cycles, jitted.Cycles, "cycles");
        Assert.AreEqual(plain.PC, jitted.PC, "program counter written back");
    }

    [TestMethod]
    public void NestedLoopsAreThePlainEmulatorsAndEachLoopsBytesAreLearnedAtOnce()
    {
        var plain = EmulatorCpu.Sum(40, 300);
        plain.Run();
        var (cpu, jit) = RunJitEnabled(EmulatorCpu.Sum(40, 300));
        AssertSameMachine(plain, cpu);

        // The loops' 9 instructions promote 4 bytes each. Learned one byte per recompilation, the unit ran out of
        // recompilations (MaxRecompilesPerUnit) before its inner loop had every case, and the loop stayed interpreted.
        Assert.IsNotEmpty(jit.Units, "the loop compiles (a mid-step exit while Step holds &pc was refused before)");
        var unit = jit.Units.OrderByDescending(u => u.Unit.Residual.Blocks.Count()).First();
        Assert.IsLessThanOrEqualTo(3, unit.Recompilations, "recompilations of the loop's unit");
        int cases = unit.Unit.PromotionCases.Values.Sum(c => c.Count);
        Assert.IsGreaterThanOrEqualTo(36, cases, "a case for every promoted byte of both loops");
        Assert.IsLessThanOrEqualTo(2, unit.Entries, "the last unit runs the loops to the end: entered once or twice, not per turn");
    }

    [TestMethod]
    public void CodeTheProgramRewritesIsSeenByTheGuards()
    {
        var plain = EmulatorCpu.SelfModifying(3000, 50);
        plain.Run();
        var (cpu, jit) = RunJitEnabled(EmulatorCpu.SelfModifying(3000, 50));
        AssertSameMachine(plain, cpu);
        Assert.IsNotEmpty(jit.Units, "the loop compiles");
    }

    [TestMethod]
    public void CanEnterJitInAHelperIsAnErrorThatSaysToMoveIt()
    {
        var analyzed = AnalyzedPortal.Of(typeof(EmulatorCpu), nameof(EmulatorCpu.CanEnterJitInHelper));
        var error = analyzed.Errors.Single(e => e.Code == DiagnosticCodes.LoopHintOutsidePortal);
        StringAssert.Contains(error.Message, "Jit.CanEnterJit is called in StepAndEnter");
        StringAssert.Contains(error.Advice, "if (StepAndEnter(...)) Jit.CanEnterJit(...);");
        Assert.IsGreaterThan(0, error.Line, "a source line");
        Assert.IsFalse(AnalyzedPortal.Of(typeof(EmulatorCpu), nameof(EmulatorCpu.Run)).Result.HasErrors, "the advice's form is accepted");
    }
}

using PeJit.AnalysisSubjects;
using PeJit.Frontend.Resolution;
using PeJit.Generator;
using PeJit.IR.Text;
using PeJit.IR.Verification;
using PeJit.Runtime;
using PeJit.Specializer.Engine;
using PeJit.Tests.Analysis;

namespace PeJit.Tests.Specializer;

/// <summary>
/// Paths split at red branches join again (UnitSpecializer.Joins.cs), on the subject of
/// PeJit.AnalysisSubjects/Joins.cs: one step with k red ifs in sequence. Differential first (the JIT-enabled
/// run gives what the plain one gives, compiled code ran), then structure: the step's residual code grows by
/// the same amount for each further if (without joins it doubled), and the residual graph verifies.
/// </summary>
[TestClass]
public sealed class JoinTests
{
    private static Code Program(int tests) => new([Joins.Tests, tests, Joins.Loop, 0, Joins.Halt], []);

    private static Frame NewFrame()
    {
        var frame = new Frame();
        for (int i = 1; i < 20; i++) frame.Stack[i] = i % 3 == 0 ? -i : i;
        frame.Stack[^1] = 50;
        return frame;
    }

    private static Unit Specialize(int tests)
    {
        var resolver = new CecilReflectionResolver();
        var engine = new UnitSpecializer(ExtensionCompiler.Compile(AnalyzedPortal.Of(typeof(Joins), nameof(Joins.Run)).Portal, resolver), resolver);
        var unit = engine.Specialize(new GreenKey([0, Program(tests)]));
        Assert.IsEmpty(Verifier.Verify(unit.Residual), string.Join("\n", Verifier.Verify(unit.Residual)));
        return unit;
    }

    private static int Instructions(Unit unit) => unit.Residual.Blocks.Sum(b => unit.Residual[b].Instructions.Count);

    [TestMethod]
    [DataRow(1)]
    [DataRow(6)]
    [DataRow(16)]
    public void JoinedPathsGiveWhatThePlainRunGives(int tests)
    {
        var plainFrame = NewFrame();
        long plain = Joins.Run(Program(tests), plainFrame);
        var jit = PortalJit.Create(typeof(Joins).GetMethod(nameof(Joins.Run))!, new JitSettings { Threshold = 3 });
        var jitFrame = NewFrame();
        var result = JitDifferentialTests.AssertUnitsEntered(jit, $"tests {tests}", () => jit.Invoke(Program(tests), jitFrame));
        Assert.AreEqual(plain, result);
        CollectionAssert.AreEqual(plainFrame.Stack, jitFrame.Stack);
    }

    /// <summary>
    /// A loop of the interpreter's own that exits on a red value (generalized by the analysis) inside a step: the
    /// path coming round its back edge joins the loop header's block, so the residual code holds the loop once.
    /// </summary>
    [TestMethod]
    public void AGeneralizedLoopInAStepStaysOneResidualLoop()
    {
        var program = new Code([Joins.SumUntilZero, Joins.Loop, 0, Joins.Halt], []);
        var plainFrame = NewFrame();
        long plain = Joins.Run(program, plainFrame);
        var jit = PortalJit.Create(typeof(Joins).GetMethod(nameof(Joins.Run))!, new JitSettings { Threshold = 3 });
        var jitFrame = NewFrame();
        var result = JitDifferentialTests.AssertUnitsEntered(jit, "sum until zero", () => jit.Invoke(new Code([Joins.SumUntilZero, Joins.Loop, 0, Joins.Halt], []), jitFrame));
        Assert.AreEqual(plain, result);
        CollectionAssert.AreEqual(plainFrame.Stack, jitFrame.Stack);

        var resolver = new CecilReflectionResolver();
        var engine = new UnitSpecializer(ExtensionCompiler.Compile(AnalyzedPortal.Of(typeof(Joins), nameof(Joins.Run)).Portal, resolver), resolver);
        var unit = engine.Specialize(new GreenKey([0, program]));
        Assert.IsEmpty(Verifier.Verify(unit.Residual), string.Join("\n", Verifier.Verify(unit.Residual)));
        // One load of stack[j] per test of the loop: the loop is not unrolled.
        var loads = unit.Residual.Blocks.SelectMany(b => unit.Residual[b].Instructions).Count(i => i.Opcode == PeJit.IR.Opcode.LoadElement && i.Location.Line != 0);
        Assert.IsLessThanOrEqualTo(3, loads, IrPrinter.Print(unit.Residual));
    }

    [TestMethod]
    public void ResidualCodeGrowsLinearlyWithTheRedBranchesOfAStep()
    {
        var units = Enumerable.Range(1, 10).Select(Specialize).ToList();
        var blocks = units.Select(u => u.Residual.BlockCount).ToList();
        var instructions = units.Select(Instructions).ToList();
        string figures = $"blocks {string.Join(", ", blocks)}; instructions {string.Join(", ", instructions)}";
        Console.WriteLine($"k = 1..10: {figures}");
        for (int k = 2; k < units.Count; k++)
        {
            Assert.AreEqual(blocks[1] - blocks[0], blocks[k] - blocks[k - 1], $"each if adds the same blocks ({figures})\n{IrPrinter.Print(units[k].Residual)}");
            Assert.AreEqual(instructions[1] - instructions[0], instructions[k] - instructions[k - 1], $"each if adds the same instructions ({figures})");
        }
        Assert.IsLessThanOrEqualTo(4, blocks[1] - blocks[0], $"an if adds its two sides and a join ({figures})");
    }
}

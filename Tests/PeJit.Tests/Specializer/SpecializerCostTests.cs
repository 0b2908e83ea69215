using System.Text;
using PeJit.AnalysisSubjects;
using PeJit.Frontend.Resolution;
using PeJit.Generator;
using PeJit.IR;
using PeJit.IR.Verification;
using PeJit.Runtime;
using PeJit.Specializer.Engine;
using PeJit.Tests.Analysis;

namespace PeJit.Tests.Specializer;

/// <summary>
/// The specializer's cost grows linearly with the unit it makes (issue 12, item 4): specializing a register-machine
/// loop of twice the instructions runs about twice the extension ops (<see cref="UnitSpecializer.OpsRun"/>), looks at
/// the residual graph's blocks about twice as often (<see cref="FlowGraph.BlockVisits"/>) and allocates about twice the
/// bytes. Counted, not timed (<see cref="CostRatio"/>).
/// </summary>
[TestClass]
public sealed class SpecializerCostTests
{
    public TestContext TestContext { get; set; } = null!;

    /// <summary>
    /// A <see cref="RegisterVm"/> program: <paramref name="instructions"/> register instructions (additions, remainders
    /// by constants, a division now and then, which may throw), then a backward <c>JumpLess</c> to the first (the loop a
    /// unit is made of), then <c>Halt</c>.
    /// </summary>
    private static int[] Program(int instructions)
    {
        var code = new List<int>();
        for (int i = 0; i < instructions; i++)
        {
            int a = 2 + i % 5, b = 2 + (i + 1) % 5, c = 2 + (i + 3) % 5;
            switch (i % 8)
            {
                case 3: code.AddRange([RegisterVm.ModConst, a, b, 7 + i % 5]); break;
                case 6: code.AddRange([RegisterVm.Div, a, b, c]); break;
                default: code.AddRange([RegisterVm.Add, a, b, c]); break;
            }
        }
        code.AddRange([RegisterVm.JumpLess, 0, 1, 0]);
        code.AddRange([RegisterVm.Halt, 0, 0, 0]);
        return [.. code];
    }

    private sealed record Work(long Ops, long BlockVisits, long Bytes, int Instructions, int Blocks);

    private static UnitSpecializer Engine()
    {
        var resolver = new CecilReflectionResolver();
        // Every register instruction is a key: the budget of keys per unit is raised so that the unit holds the whole loop
        // at every size measured (with the default 200, a larger loop is cut into an exit and measures nothing).
        return new UnitSpecializer(ExtensionCompiler.Compile(AnalyzedPortal.Of(typeof(RegisterVm), nameof(RegisterVm.Run)).Portal, resolver), resolver,
            new SpecializationSettings { MaxKeysPerUnit = 10_000 });
    }

    /// <summary>Specializes the loop of <paramref name="instructions"/> instructions with a warm engine; <paramref name="extra"/> runs on the residual graph within the count.</summary>
    private static Work Specialize(UnitSpecializer engine, int instructions, Action<FlowGraph>? extra = null)
    {
        var code = Program(instructions);
        long ops = engine.OpsRun;
        Unit? unit = null;
        long bytes = CostRatio.Allocated(() =>
        {
            unit = engine.Specialize(new GreenKey([0, code]));
            extra?.Invoke(unit.Residual);
        });
        var residual = unit!.Residual;
        Assert.IsEmpty(Verifier.Verify(residual), string.Join("\n", Verifier.Verify(residual)));
        return new Work(engine.OpsRun - ops, residual.BlockVisits, bytes, residual.Blocks.Sum(b => residual[b].Instructions.Count), residual.BlockCount);
    }

    private string Report(int size, Work small, Work large)
    {
        var report = new StringBuilder($"register instructions {size} → {2 * size}\n");
        report.AppendLine(CostRatio.Describe("residual instructions", small.Instructions, large.Instructions));
        report.AppendLine(CostRatio.Describe("residual blocks", small.Blocks, large.Blocks));
        report.AppendLine(CostRatio.Describe("extension ops run", small.Ops, large.Ops));
        report.AppendLine(CostRatio.Describe("residual block look-ups", small.BlockVisits, large.BlockVisits));
        report.AppendLine(CostRatio.Describe("bytes allocated", small.Bytes, large.Bytes));
        TestContext.WriteLine(report.ToString());
        return report.ToString();
    }

    /// <summary>
    /// Twice the loop is about twice the work, at several sizes (the largest makes a residual unit of several
    /// thousand instructions, issue 12's size).
    /// </summary>
    [TestMethod]
    [DataRow(100)]
    [DataRow(200)]
    [DataRow(400)]
    public void TwiceTheLoopIsAboutTwiceTheWork(int size)
    {
        var engine = Engine();
        Specialize(engine, 20); // the engine's own first-use work (linking, caches), once
        var small = Specialize(engine, size);
        var large = Specialize(engine, 2 * size);
        string report = Report(size, small, large);
        Assert.IsTrue(large.Instructions >= 1.8 * small.Instructions, $"the residual unit grows with the program:\n{report}");
        Assert.IsTrue(CostRatio.IsAboutLinear(small.Ops, large.Ops), $"extension ops:\n{report}");
        Assert.IsTrue(CostRatio.IsAboutLinear(small.BlockVisits, large.BlockVisits), $"block look-ups:\n{report}");
        Assert.IsTrue(CostRatio.IsAboutLinear(small.Bytes, large.Bytes), $"allocation:\n{report}");
    }

    /// <summary>
    /// The measure catches a quadratic specializer at these sizes: the same specialization followed by a look at every
    /// block once per block (the shape of the quadratic passes issue 12 found, a scan of the whole graph per block or
    /// per loop), and by a copy of the instructions so far per instruction, fails the ratios the test above asserts.
    /// </summary>
    [TestMethod]
    public void AQuadraticStandInFailsTheMeasure()
    {
        var engine = Engine();
        Specialize(engine, 20);
        static void Quadratic(FlowGraph residual)
        {
            foreach (var block in residual.Blocks)
                foreach (var other in residual.Blocks) _ = residual[other].Instructions.Count;
            var all = residual.Blocks.SelectMany(b => residual[b].Instructions).ToList();
            for (int i = 0; i < all.Count; i++) _ = all.GetRange(0, i);
        }
        var small = Specialize(engine, 100, Quadratic);
        var large = Specialize(engine, 200, Quadratic);
        string report = Report(100, small, large);
        Assert.IsFalse(CostRatio.IsAboutLinear(small.BlockVisits, large.BlockVisits), $"a look at every block per block passes the block look-ups' ratio:\n{report}");
        Assert.IsFalse(CostRatio.IsAboutLinear(small.Bytes, large.Bytes), $"a copy per instruction passes the allocation's ratio:\n{report}");
    }
}

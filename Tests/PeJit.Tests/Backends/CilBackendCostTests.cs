using System.Text;
using PeJit.Backends.Cil;
using PeJit.IR;
using PeJit.Optimizer;
using PeJit.Tests.Optimizer;
using PeJit.Tests.Specializer;

namespace PeJit.Tests.Backends;

/// <summary>
/// The CIL backend's cost grows linearly with the unit (issue 12, item 4): emitting an optimized unit twice as large
/// emits about twice the IL (in all its methods: the unit's own, its cold code's and its loops'), with its loops in its own
/// method or each a method of its own (every one of 89 loops: the emitters of a unit's methods share its graph-sized tables),
/// looks at the graph's blocks about twice as often (<see cref="FlowGraph.BlockVisits"/>) and
/// allocates about twice the bytes. Counted, not timed (<see cref="CostRatio"/>); RyuJIT's compilation of the method,
/// which happens on its first call, is .NET's and not counted here.
/// </summary>
[TestClass]
public sealed class CilBackendCostTests
{
    public TestContext TestContext { get; set; } = null!;

    private sealed record Work(long IlBytes, long BlockVisits, long Bytes, int Instructions, long UnitIlBytes, int OutlinedLoops);

    /// <summary>A <see cref="LargeUnitGenerator"/> unit of about <paramref name="size"/> instructions, optimized as units are.</summary>
    private static FlowGraph Unit(int size)
    {
        var graph = LargeUnitGenerator.Generate(size);
        Pipeline.Run(graph);
        return graph;
    }

    /// <summary>Emits <paramref name="graph"/>, its loops outlined as <paramref name="outlining"/> says (null: as <c>PEJIT_OUTLINE_LOOPS</c> says).</summary>
    private static Work Emit(FlowGraph graph, Action<FlowGraph>? extra = null, LoopOutlining? outlining = null)
    {
        var backend = outlining is { } which ? new CilBackend(new NameResolver()) { OutlineLoops = which } : new CilBackend(new NameResolver());
        long visits = graph.BlockVisits;
        CilCompiledCode code = null!;
        long bytes = CostRatio.Allocated(() =>
        {
            code = (CilCompiledCode)backend.Compile(graph, typeof(CilBackendCostTests).Module);
            extra?.Invoke(graph);
        });
        // Every method's IL, the unit's and those of its cold code and loops: the unit's own method alone shrinks by whatever
        // leaves it.
        return new Work(backend.ILBytesEmitted, graph.BlockVisits - visits, bytes, LargeUnitGenerator.InstructionCount(graph), code.ILSize, code.OutlinedLoops);
    }

    private string Report(int size, Work small, Work large)
    {
        var report = new StringBuilder($"requested instructions {size} → {2 * size}\n");
        report.AppendLine(CostRatio.Describe("unit instructions", small.Instructions, large.Instructions));
        report.AppendLine(CostRatio.Describe("IL bytes emitted", small.IlBytes, large.IlBytes));
        report.AppendLine(CostRatio.Describe("IL bytes in the unit's own method (not bounded)", small.UnitIlBytes, large.UnitIlBytes));
        report.AppendLine(CostRatio.Describe("block look-ups", small.BlockVisits, large.BlockVisits));
        report.AppendLine(CostRatio.Describe("bytes allocated", small.Bytes, large.Bytes));
        report.AppendLine(CostRatio.Describe("loops outlined", small.OutlinedLoops, large.OutlinedLoops));
        TestContext.WriteLine(report.ToString());
        return report.ToString();
    }

    /// <summary>Twice the unit is about twice the work, at several sizes up to issue 12's 3,000 instructions and beyond.</summary>
    [TestMethod]
    [DataRow(500)]
    [DataRow(1000)]
    [DataRow(2000)]
    public void TwiceTheUnitIsAboutTwiceTheWork(int size)
    {
        Emit(Unit(200)); // the backend's own first-use work (type look-ups, caches), once
        var small = Emit(Unit(size));
        var large = Emit(Unit(2 * size));
        string report = Report(size, small, large);
        Assert.IsTrue(large.Instructions >= 1.8 * small.Instructions, $"the unit grows:\n{report}");
        Assert.IsTrue(small.IlBytes > small.Instructions, $"the methods hold the unit's code:\n{report}");
        Assert.IsTrue(CostRatio.IsAboutLinear(small.IlBytes, large.IlBytes), $"IL emitted:\n{report}");
        Assert.IsTrue(CostRatio.IsAboutLinear(small.BlockVisits, large.BlockVisits), $"block look-ups:\n{report}");
        Assert.IsTrue(CostRatio.IsAboutLinear(small.Bytes, large.Bytes), $"allocation:\n{report}");
    }

    /// <summary>
    /// Every loop a method of its own, however many (26, 48 and 89 loops at 900, 1,800 and 3,600 instructions: the
    /// optimizer's copies add some): twice the loops is still about twice the work. Each method's emitter took arrays the size of the whole graph
    /// before, so that outlining was capped at 16 loops a unit (at a cap of 32, 1,000 instructions allocated 2.6x what 500 did).
    /// </summary>
    [TestMethod]
    [DataRow(900)]
    [DataRow(1800)]
    public void TwiceTheLoopsEachAMethodIsAboutTwiceTheWork(int size)
    {
        Emit(Unit(200), outlining: LoopOutlining.Every);
        var small = Emit(Unit(size), outlining: LoopOutlining.Every);
        var large = Emit(Unit(2 * size), outlining: LoopOutlining.Every);
        string report = Report(size, small, large);
        Assert.IsGreaterThan(16, small.OutlinedLoops, $"past the old cap of 16 loops a unit:\n{report}");
        Assert.IsTrue(large.OutlinedLoops >= 1.8 * small.OutlinedLoops, $"every loop of the larger unit outlined too:\n{report}");
        Assert.IsTrue(CostRatio.IsAboutLinear(small.IlBytes, large.IlBytes), $"IL emitted:\n{report}");
        Assert.IsTrue(CostRatio.IsAboutLinear(small.BlockVisits, large.BlockVisits), $"block look-ups:\n{report}");
        Assert.IsTrue(CostRatio.IsAboutLinear(small.Bytes, large.Bytes), $"allocation:\n{report}");
    }

    /// <summary>
    /// The measure catches a quadratic backend at these sizes: emitting, then looking at every block once per block and
    /// copying the instructions so far per instruction (what a label or local found by a scan would cost), fails the ratios
    /// the test above asserts.
    /// </summary>
    [TestMethod]
    public void AQuadraticStandInFailsTheMeasure()
    {
        Emit(Unit(200));
        static void Quadratic(FlowGraph graph)
        {
            foreach (var block in graph.Blocks)
                foreach (var other in graph.Blocks) _ = graph[other].Instructions.Count;
            var all = graph.Blocks.SelectMany(b => graph[b].Instructions).ToList();
            for (int i = 0; i < all.Count; i++) _ = all.GetRange(0, i);
        }
        var small = Emit(Unit(500), Quadratic);
        var large = Emit(Unit(1000), Quadratic);
        string report = Report(500, small, large);
        Assert.IsFalse(CostRatio.IsAboutLinear(small.BlockVisits, large.BlockVisits), $"a look at every block per block passes the block look-ups' ratio:\n{report}");
        Assert.IsFalse(CostRatio.IsAboutLinear(small.Bytes, large.Bytes), $"a copy per instruction passes the allocation's ratio:\n{report}");
    }
}

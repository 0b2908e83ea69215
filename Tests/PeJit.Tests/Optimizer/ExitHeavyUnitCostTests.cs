using System.Text;
using PeJit.IR;
using PeJit.IR.Verification;
using PeJit.Optimizer;

namespace PeJit.Tests.Optimizer;

/// <summary>
/// The optimizer's cost grows linearly with units shaped like a real interpreter's (issue 12, item 4): many loops that
/// carry a box, many exits that each take the box and 20 values of state, joins of string constants to thread
/// (<see cref="ExitHeavyUnitGenerator"/>). Counted, not timed: blocks looked at (<see cref="FlowGraph.BlockVisits"/>) and
/// bytes allocated, pass by pass, for a unit and one twice as large. <see cref="OptimizerCostTests"/>' units have one box
/// per exit and no loop-carried object, so they missed what made Lua <c>polymorphic</c>'s unit take 400 ms: allocation
/// removal scanned every block once per removed loop parameter and made a map as large as the graph's values for every
/// block and jump that made an object.
/// </summary>
[TestClass]
public sealed class ExitHeavyUnitCostTests
{
    public TestContext TestContext { get; set; } = null!;

    /// <summary>The unit is what the tests say it is: virtualizing removes the loops' boxes and threading copies the joins.</summary>
    [TestMethod]
    public void TheUnitHasWhatTheOptimizerTakesApart()
    {
        var graph = ExitHeavyUnitGenerator.Generate(1800);
        Assert.IsEmpty(Verifier.Verify(graph), "the generated unit is malformed");
        int boxesBefore = Count(graph, Opcode.Box);
        int blocksBefore = graph.BlockCount;
        Pipeline.Run(graph, verify: true);
        // Each segment's loop boxes on every turn before; after, boxes are made only at its exit (the register and the state).
        int segments = 1800 / 90;
        Assert.IsLessThanOrEqualTo(segments * (ExitHeavyUnitGenerator.StateValues + 1), Count(graph, Opcode.Box), $"boxes before: {boxesBefore}\n{graph}");
        Assert.IsFalse(graph.Blocks.Any(b => graph[b].Parameters.Any(p => graph.TypeOf(p).Kind == TypeKind.Object) && b != FlowGraph.Entry),
            $"a loop still carries a box:\n{graph}");
        Assert.IsGreaterThan(blocksBefore, graph.BlockCount + segments, "threading copied no join");
    }

    /// <summary>
    /// A unit twice as large costs each pass at most 2.5 times the block look-ups and the allocation. Allocation removal
    /// failed both before it removed group parameters through the jumps it knew and kept one map of the objects made
    /// (Docs/PERFORMANCE.md, "Optimizer cost on a real unit").
    /// </summary>
    [TestMethod]
    [DataRow(1500)]
    [DataRow(3000)]
    public void TwiceTheUnitIsAboutTwiceTheWork(int size)
    {
        ExitHeavyUnitGenerator.Generate(300); // PeJit's own statics and caches, once
        var small = CostPerPass(ExitHeavyUnitGenerator.Generate(size));
        var large = CostPerPass(ExitHeavyUnitGenerator.Generate(2 * size));
        var report = new StringBuilder();
        for (int i = 0; i < Pipeline.Passes.Count; i++)
            report.AppendLine($"{i,2} {Pipeline.Passes[i].Name,-10} {small[i].Visits,9} → {large[i].Visits,9} visits ×{(double)large[i].Visits / Math.Max(1, small[i].Visits):0.00}"
                + $"  {small[i].Bytes,12:N0} → {large[i].Bytes,12:N0} bytes ×{(double)large[i].Bytes / Math.Max(1, small[i].Bytes):0.00}");
        TestContext.WriteLine(report.ToString());
        for (int i = 0; i < Pipeline.Passes.Count; i++)
        {
            Assert.IsLessThanOrEqualTo(2.5 * Math.Max(small[i].Visits, 1), large[i].Visits,
                $"pass {i} ('{Pipeline.Passes[i].Name}') looked at blocks {small[i].Visits} times at {size} instructions and {large[i].Visits} times at {2 * size}:\n{report}");
            if (AllocationNotYetLinear.Contains(Pipeline.Passes[i].Name)) continue;
            Assert.IsLessThanOrEqualTo(2.5 * small[i].Bytes + 4096, large[i].Bytes,
                $"pass {i} ('{Pipeline.Passes[i].Name}') allocated {small[i].Bytes:N0} bytes at {size} instructions and {large[i].Bytes:N0} at {2 * size}:\n{report}");
        }
    }

    /// <summary>
    /// Passes whose allocation on these units is known to grow faster than the unit, left out of the allocation check
    /// until they are fixed: <c>promote</c> allocated ×2.9 at 1,500 → 3,000 instructions and ×3.1 at 3,000 → 6,000, ×2.6 and
    /// ×2.8 since <c>LoopVersioning</c> stopped making a map as large as the graph per loop copied (its look-ups grow ×2.0). Likely cause, not yet checked by a fix: <c>LoopPromotion</c> makes maps indexed by value number
    /// per loop (a <c>ValueToValueMap</c> per field it hoists, the arrays' lengths), each as large as the graph's values, so
    /// loops × values bytes.
    /// Its files belong to the loop-invariant loads work; remove it from here with that fix.
    /// </summary>
    private static readonly HashSet<string> AllocationNotYetLinear = ["promote"];

    private static (long Visits, long Bytes)[] CostPerPass(FlowGraph graph)
    {
        var cost = new (long, long)[Pipeline.Passes.Count];
        for (int i = 0; i < Pipeline.Passes.Count; i++)
        {
            long visits = graph.BlockVisits;
            long bytes = GC.GetAllocatedBytesForCurrentThread();
            Pipeline.Passes[i].Run(graph);
            cost[i] = (graph.BlockVisits - visits, GC.GetAllocatedBytesForCurrentThread() - bytes);
        }
        return cost;
    }

    private static int Count(FlowGraph graph, Opcode opcode) => graph.Blocks.Sum(b => graph[b].Instructions.Count(i => i.Opcode == opcode));
}

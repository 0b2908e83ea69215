using System.Text;
using PeJit.IR;
using PeJit.IR.Text;
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
        int comparisonsBefore = StringComparisons(graph);
        Pipeline.Run(graph, verify: true);
        // Each segment's loop boxes on every turn before; after, boxes are made only at its exit (the register and the state).
        int segments = 1800 / 90;
        Assert.IsLessThanOrEqualTo(segments * (ExitHeavyUnitGenerator.StateValues + 1), Count(graph, Opcode.Box), $"boxes before: {boxesBefore}\n{graph}");
        Assert.IsFalse(graph.Blocks.Any(b => graph[b].Parameters.Any(p => graph.TypeOf(p).Kind == TypeKind.Object) && b != FlowGraph.Entry),
            $"a loop still carries a box:\n{graph}");
        // Each join's two paths bring known strings: threading sends them on to their sides (up to its limits: 32 copies).
        int comparisonsAfter = StringComparisons(graph);
        Assert.IsLessThan(comparisonsBefore, comparisonsAfter, $"no join's string comparison was threaded ({comparisonsBefore} before, {comparisonsAfter} after):\n{graph}");
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
    /// Measures a real unit pass by pass (opt-in: <c>PEJIT_MEASURE_UNIT=&lt;file&gt;</c>, a unit's <c>00-specialized.ir</c> from
    /// <c>PEJIT_DUMP=all</c>): <c>PEJIT_MEASURE_ROUNDS</c> rounds (12 unless set) of the whole pipeline on the parsed unit, the
    /// minimum time per pass over rounds 2 on and the bytes it allocates, and each round's total. Prints the table
    /// Docs/PERFORMANCE.md shows ("Optimizer cost on a real unit"); times vary with the machine's load.
    /// </summary>
    [TestMethod]
    public void MeasureRealUnitPerPass()
    {
        if (Environment.GetEnvironmentVariable("PEJIT_MEASURE_UNIT") is not { Length: > 0 } file)
        {
            Assert.Inconclusive("a measurement, not a check: set PEJIT_MEASURE_UNIT to a unit's 00-specialized.ir (Docs/PERFORMANCE.md, 'Optimizer cost on a real unit')");
            return;
        }
        var text = File.ReadAllText(file);
        int rounds = int.TryParse(Environment.GetEnvironmentVariable("PEJIT_MEASURE_ROUNDS"), out int n) ? n : 12;
        var best = Enumerable.Repeat(double.MaxValue, Pipeline.Passes.Count).ToArray();
        var bytes = new long[Pipeline.Passes.Count];
        var totals = new List<double>();
        for (int round = 0; round < rounds; round++)
        {
            var graph = IrParser.Parse(text);
            double total = 0;
            for (int i = 0; i < Pipeline.Passes.Count; i++)
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                var watch = System.Diagnostics.Stopwatch.StartNew();
                Pipeline.Passes[i].Run(graph);
                double ms = watch.Elapsed.TotalMilliseconds;
                bytes[i] = GC.GetAllocatedBytesForCurrentThread() - before;
                total += ms;
                if (round > 0) best[i] = Math.Min(best[i], ms);
            }
            if (round > 0) totals.Add(total);
        }
        var report = new StringBuilder("| # | pass | ms | bytes |\n| ---: | --- | ---: | ---: |\n");
        for (int i = 0; i < Pipeline.Passes.Count; i++) report.AppendLine($"| {i} | {Pipeline.Passes[i].Name} | {best[i]:0.00} | {bytes[i]:N0} |");
        totals.Sort();
        report.AppendLine($"| | sum of per-pass minima; bytes | {best.Sum():0.0} | {bytes.Sum():N0} |");
        report.AppendLine($"rounds 2-{rounds}: min {totals[0]:0.0} ms, median {totals[totals.Count / 2]:0.0} ms (collections included)");
        TestContext.WriteLine(report.ToString());
        Console.WriteLine(report.ToString());
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

    private static int StringComparisons(FlowGraph graph) =>
        graph.Blocks.Sum(b => graph[b].Instructions.Count(i => i.Method?.FullName.Contains("String::op_Equality", StringComparison.Ordinal) == true));

    private static int Count(FlowGraph graph, Opcode opcode) => graph.Blocks.Sum(b => graph[b].Instructions.Count(i => i.Opcode == opcode));
}

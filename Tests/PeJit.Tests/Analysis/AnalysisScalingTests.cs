using PeJit.Analysis;
using PeJit.Analysis.BindingTimes;
using PeJit.Benchmarks.Analysis;
using PeJit.Frontend.Construction;

namespace PeJit.Tests.Analysis;

/// <summary>
/// The binding-time analysis grows about linearly with the interpreter it analyzes: twice the code costs
/// about twice the work. The work is counted (instructions the fixpoint visits, bytes allocated), not timed,
/// so the tests do not depend on the machine: a step that is quadratic makes the ratio for 2N against N
/// approach 4, a linear one keeps it near 2.
/// </summary>
[TestClass]
public sealed class AnalysisScalingTests
{
    private const double LinearRatio = 2.5;

    private static readonly string CompiledInterpreters = Path.Combine(Path.GetTempPath(), $"pejit-scaling-tests-{Environment.ProcessId}");

    [ClassCleanup]
    public static void DeleteCompiledInterpreters()
    {
        if (Directory.Exists(CompiledInterpreters)) Directory.Delete(CompiledInterpreters, recursive: true);
    }

    [TestMethod]
    public void TheFixpointVisitsGrowLinearlyWithTheOpcodesOfTheBenchmarksDispatchLoop()
    {
        var small = Analyze(GeneratedInterpreter.Source(100), "dispatch-100");
        var large = Analyze(GeneratedInterpreter.Source(200), "dispatch-200");
        Assert.HasCount(2 * small.Graphs.Count - 1, large.Graphs, "the portal and two helpers per opcode");
        AssertLinear("graph runs", small.Statistics.GraphRuns, large.Statistics.GraphRuns);
        AssertLinear("instruction visits", small.Statistics.InstructionVisits, large.Statistics.InstructionVisits);
    }

    [TestMethod]
    public void ACalleeWhoseReturnTurnsRedCostsItsCallerOnlyTheCallsThatDependOnIt()
    {
        var small = Analyze(GeneratedInterpreter.ChainSource(40), "chain-40");
        var large = Analyze(GeneratedInterpreter.ChainSource(80), "chain-80");
        // The case this guards: the portal is analyzed again about once per helper, as each red return gives
        // the next call in the chain a new signature. Visiting the whole portal each time would be quadratic.
        Assert.IsGreaterThanOrEqualTo(39, small.Statistics.GraphRuns - small.Graphs.Count, "runs beyond the first of each graph");
        AssertLinear("instruction visits", small.Statistics.InstructionVisits, large.Statistics.InstructionVisits);
    }

    [TestMethod]
    public void ConvertingADispatchSwitchCostsLinearlyInItsCases()
    {
        // Ordering the blocks once copied the switch's successors each time the walk came back to it.
        string small = Compile(GeneratedInterpreter.SwitchSource(2000), "switch-2000");
        string large = Compile(GeneratedInterpreter.SwitchSource(4000), "switch-4000");
        ConversionAllocation(small);
        AssertLinear("bytes allocated", ConversionAllocation(small), ConversionAllocation(large));
    }

    [TestMethod]
    public void AnalyzingADispatchSwitchCostsLinearlyInItsCases()
    {
        // One portal, no helpers: converting it, checking its merge point (liveness once kept a set of every
        // value per block) and its fixpoint.
        string small = Compile(GeneratedInterpreter.SwitchSource(2000), "switch-2000");
        string large = Compile(GeneratedInterpreter.SwitchSource(4000), "switch-4000");
        AnalysisAllocation(small);
        AssertLinear("bytes allocated", AnalysisAllocation(small), AnalysisAllocation(large));
    }

    [TestMethod]
    public void TheAnalysisDoesNotKeepTheMethodBodiesItConverted()
    {
        // Cecil keeps a body once read, and an analysis that kept every body of every graph would make each
        // garbage collection during it trace and promote them (Docs/PERFORMANCE.md, analysis scaling).
        var module = AssemblyLoader.Load(Compile(GeneratedInterpreter.Source(20), "dispatch-20"));
        var helper = module.GetType("Generated.Interpreter").Methods.Single(m => m.Name == "Operand1");
        var body = WeakBodyOf(helper);
        var result = BindingTimeAnalysis.Analyze(module);
        Assert.IsFalse(result.HasErrors, string.Join("\n", result.Diagnostics));
        Assert.IsTrue(result.Graphs.Any(g => g.Method == helper), "the helper is analyzed");
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Assert.IsFalse(body.IsAlive, "the body read before the analysis is still reachable after it");
        Assert.IsNotEmpty(helper.Body.Instructions, "a released body is read again from the image");
    }

    // Not inlined, so that no local of the test keeps the body alive.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static WeakReference WeakBodyOf(Mono.Cecil.MethodDefinition method) => new(method.Body);

    private static void AssertLinear(string what, long small, long large) =>
        Assert.IsLessThan(LinearRatio, (double)large / small, $"{what}: {small} for N, {large} for 2N");

    private static AnalysisResult Analyze(string source, string name)
    {
        var result = BindingTimeAnalysis.Analyze(AssemblyLoader.Load(Compile(source, name)));
        Assert.IsFalse(result.HasErrors, string.Join("\n", result.Diagnostics));
        return result;
    }

    private static readonly Dictionary<string, string> Compiled = [];

    /// <summary>Compiles once per test run; the path of the DLL.</summary>
    private static string Compile(string source, string name)
    {
        if (!Compiled.TryGetValue(name, out var path))
            Compiled[name] = path = GeneratedInterpreter.Compile(source, Path.Combine(CompiledInterpreters, name));
        return path;
    }

    private static long AnalysisAllocation(string assembly)
    {
        var module = AssemblyLoader.Load(assembly);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var result = BindingTimeAnalysis.Analyze(module);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.IsFalse(result.HasErrors, string.Join("\n", result.Diagnostics));
        return allocated;
    }

    private static long ConversionAllocation(string assembly)
    {
        var portal = PortalFinder.FindPortals(AssemblyLoader.Load(assembly)).Single();
        _ = portal.Body.Instructions;
        long before = GC.GetAllocatedBytesForCurrentThread();
        var conversion = new MethodConverter().Convert(portal);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.IsNotNull(conversion.Graph, conversion.OpaqueReason);
        return allocated;
    }
}

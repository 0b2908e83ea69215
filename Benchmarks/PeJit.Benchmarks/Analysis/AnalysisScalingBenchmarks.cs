using BenchmarkDotNet.Attributes;
using PeJit.Analysis.BindingTimes;
using PeJit.Frontend.Construction;

namespace PeJit.Benchmarks.Analysis;

/// <summary>
/// Binding-time analysis time against the number of helper methods the portal reaches: two per opcode of a
/// dispatch loop, or a chain of helpers each re-analyzing the portal; it should grow about linearly.
/// </summary>
[MemoryDiagnoser]
public class AnalysisScalingBenchmarks
{
    private string dispatch = "";
    private string chain = "";

    /// <summary>Helper methods reached from the portal.</summary>
    [Params(250, 500, 1000, 2000)]
    public int Helpers { get; set; }

    [GlobalSetup]
    public void Compile()
    {
        dispatch = GeneratedInterpreter.Compile(Helpers / 2, Path.Combine(Path.GetTempPath(), $"pejit-generated-{Helpers}"));
        chain = GeneratedInterpreter.Compile(GeneratedInterpreter.ChainSource(Helpers), Path.Combine(Path.GetTempPath(), $"pejit-generated-chain-{Helpers}"));
    }

    /// <summary>Reads the assembly and analyzes its portal (conversion of every reached method included).</summary>
    [Benchmark]
    public int ReadAndAnalyze() => Analyze(dispatch);

    /// <summary>The same for the chain, where each helper's red return makes the portal be analyzed again.</summary>
    [Benchmark]
    public int ReadAndAnalyzeChain() => Analyze(chain);

    private static int Analyze(string assembly)
    {
        var result = BindingTimeAnalysis.Analyze(AssemblyLoader.Load(assembly));
        if (result.HasErrors) throw new InvalidOperationException(string.Join("\n", result.Diagnostics));
        return result.Graphs.Count;
    }
}

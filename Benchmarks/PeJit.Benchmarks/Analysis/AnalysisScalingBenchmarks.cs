using BenchmarkDotNet.Attributes;
using PeJit.Analysis.BindingTimes;
using PeJit.Frontend.Construction;

namespace PeJit.Benchmarks.Analysis;

/// <summary>
/// Binding-time analysis time against the number of helper methods the portal reaches (two per opcode):
/// it should grow about linearly.
/// </summary>
[MemoryDiagnoser]
public class AnalysisScalingBenchmarks
{
    private string assembly = "";

    /// <summary>Helper methods reached from the portal.</summary>
    [Params(250, 500, 1000)]
    public int Helpers { get; set; }

    [GlobalSetup]
    public void Compile() =>
        assembly = GeneratedInterpreter.Compile(Helpers / 2, Path.Combine(Path.GetTempPath(), $"pejit-generated-{Helpers}"));

    /// <summary>Reads the assembly and analyzes its portal (conversion of every reached method included).</summary>
    [Benchmark]
    public int ReadAndAnalyze()
    {
        var result = BindingTimeAnalysis.Analyze(AssemblyLoader.Load(assembly));
        if (result.HasErrors) throw new InvalidOperationException(string.Join("\n", result.Diagnostics));
        return result.Graphs.Count;
    }
}

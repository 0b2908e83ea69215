using BenchmarkDotNet.Attributes;

namespace PeJit.Benchmarks.Runtime;

/// <summary>
/// The JIT-enabled DLLs as users run them: each example built twice through MSBuild (plain, and with
/// <c>-p:PeJitEnabled=true</c>, into <c>artifacts/bench-plain</c> and <c>artifacts/bench-jit</c>), each program
/// run with <c>dotnet</c> as a child process. Whole-process times: .NET start-up, and for the JIT-enabled
/// DLL the run-time analysis, specialization and compilation, are included.
/// </summary>
public class JitEnabledAssemblyBenchmarks
{
    /// <summary>Example and program with its arguments.</summary>
    [Params("StackVm long 30000000", "StackVm nested 2000", "StackVm count 100000000", "Brainfuck long")]
    public string Case { get; set; } = "StackVm long 30000000";

    private string Project => Case.Split(' ')[0];

    private string[] Arguments => Case.Split(' ').Skip(1).ToArray();

    [GlobalSetup]
    public void Setup()
    {
        ExampleBuilds.Build(Project, "bench-plain");
        ExampleBuilds.Build(Project, "bench-jit", "-p:PeJitEnabled=true");
    }

    [Benchmark(Baseline = true, Description = "plain DLL")]
    public void Plain() => ExampleBuilds.Dotnet([ExampleBuilds.Dll(Project, "bench-plain"), .. Arguments]);

    [Benchmark(Description = "JIT-enabled DLL")]
    public void JitEnabled() => ExampleBuilds.Dotnet([ExampleBuilds.Dll(Project, "bench-jit"), .. Arguments]);
}

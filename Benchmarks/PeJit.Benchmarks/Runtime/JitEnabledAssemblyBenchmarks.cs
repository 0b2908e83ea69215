using System.Diagnostics;
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
    private static readonly string Root = FindRoot();

    /// <summary>Example and program with its arguments.</summary>
    [Params("StackVm long 30000000", "StackVm nested 2000", "StackVm count 100000000", "Brainfuck long")]
    public string Case { get; set; } = "StackVm long 30000000";

    private string Project => Case.Split(' ')[0];

    private string[] Arguments => Case.Split(' ').Skip(1).ToArray();

    [GlobalSetup]
    public void Setup()
    {
        Build(Project, "bench-plain");
        Build(Project, "bench-jit", "-p:PeJitEnabled=true");
    }

    private static void Build(string project, string artifacts, params string[] extra) =>
        Dotnet(["build", Path.Combine(Root, "Examples", project), "-c", "Release", "--artifacts-path", Path.Combine(Root, "artifacts", artifacts), "-nologo", "-v", "quiet", .. extra]);

    private string Dll(string artifacts) => Path.Combine(Root, "artifacts", artifacts, "bin", Project, "release", Project + ".dll");

    [Benchmark(Baseline = true, Description = "plain DLL")]
    public void Plain() => Dotnet([Dll("bench-plain"), .. Arguments]);

    [Benchmark(Description = "JIT-enabled DLL")]
    public void JitEnabled() => Dotnet([Dll("bench-jit"), .. Arguments]);

    private static void Dotnet(string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        process.StandardOutput.ReadToEnd();
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"dotnet {string.Join(' ', arguments)} exited with {process.ExitCode}: {error}");
    }

    private static string FindRoot()
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "PeJit.sln"))) folder = folder.Parent;
        return folder?.FullName ?? throw new InvalidOperationException("run the benchmarks from inside the repository");
    }
}

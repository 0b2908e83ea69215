using BenchmarkDotNet.Running;

// dotnet run -c Release --project Benchmarks/PeJit.Benchmarks -- --filter '*'   (or a class name, and --job short)
// --neverhot-interleaved [pairs]: NeverHotBenchmarks' ratios timed in interleaved pairs (NeverHotInterleaved).
if (args is ["--neverhot-interleaved", ..])
{
    PeJit.Benchmarks.Runtime.NeverHotInterleaved.Run(args.Length > 1 ? int.Parse(args[1]) : 30);
    return;
}
BenchmarkSwitcher.FromAssembly(typeof(PeJit.Benchmarks.Hints.HintsCostBenchmarks).Assembly).Run(args);

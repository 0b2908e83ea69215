using BenchmarkDotNet.Running;

// dotnet run -c Release --project Benchmarks/PeJit.Benchmarks -- --filter '*'   (or a class name, and --job short)
BenchmarkSwitcher.FromAssembly(typeof(PeJit.Benchmarks.Hints.HintsCostBenchmarks).Assembly).Run(args);

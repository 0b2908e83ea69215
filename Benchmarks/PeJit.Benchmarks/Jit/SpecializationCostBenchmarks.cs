extern alias hinted;
using BenchmarkDotNet.Attributes;
using PeJit.Backends;
using PeJit.Backends.Cil;
using PeJit.IR.Evaluation;
using PeJit.IR.Semantics;
using PeJit.Specializer.Engine;
using Vm = hinted::PeJit.Examples.StackVm;

namespace PeJit.Benchmarks.Jit;

/// <summary>
/// What compiling a hot loop costs, stage by stage, on the stack VM's <c>long</c> loop: the engine (the
/// generating extension specializing the unit), the optimizer, and the CIL backend through <see cref="IBackend"/>
/// (IL emission and the entry delegate; RyuJIT compiles the <c>DynamicMethod</c> at its first call, measured
/// separately as <c>backend + first call</c>).
/// Residual operations per second = the unit's size (printed by <see cref="Setup"/>) / the engine's time.
/// </summary>
[MemoryDiagnoser]
public class SpecializationCostBenchmarks
{
    private UnitSpecializer engine = null!;
    private IBackend backend = null!;
    private GreenKey key = null!;
    private Unit optimized = null!;

    [GlobalSetup]
    public void Setup()
    {
        // The long program's hot loop, entered where the runtime enters it.
        var loop = StackVmHotLoop.Load();
        (engine, key) = (loop.Engine, loop.Key);
        backend = new CilBackend(loop.Resolver);
        optimized = engine.Specialize(key);
        int before = Size(optimized);
        PeJit.Optimizer.Pipeline.Run(optimized.Residual, null);
        Console.WriteLine($"// unit at {key}: {optimized.Keys.Count} keys, {before} residual instructions specialized, {Size(optimized)} after the optimizer");
    }

    private static int Size(Unit unit) => unit.Residual.Blocks.Sum(b => unit.Residual[b].Instructions.Count);

    [Benchmark(Description = "engine (specialize)")]
    public Unit Specialize() => engine.Specialize(key);

    [Benchmark(Description = "engine + optimizer")]
    public Unit SpecializeAndOptimize()
    {
        var unit = engine.Specialize(key);
        PeJit.Optimizer.Pipeline.Run(unit.Residual, null);
        return unit;
    }

    [Benchmark(Description = "backend (IL emission)")]
    public object Backend() => backend.Compile(optimized.Residual, typeof(Vm.Interpreter).Module, "bench");

    [Benchmark(Description = "backend + first call (RyuJIT)")]
    public object? BackendAndFirstCall()
    {
        var code = backend.Compile(optimized.Residual, typeof(Vm.Interpreter).Module, "bench");
        // Entered with a frame whose loop bound is 0: the loop runs once and the unit returns or exits.
        var frame = new Vm.Frame(8, TextWriter.Null);
        var state = new object?[] { key.Values[0], key.Values[1], frame, 0 };
        return code.Run([.. optimized.Constants], new object?[Math.Max(optimized.ExitBufferSize, state.Length + 1)], state);
    }
}

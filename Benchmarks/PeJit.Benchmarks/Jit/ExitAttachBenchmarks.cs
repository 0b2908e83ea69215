extern alias hinted;
using BenchmarkDotNet.Attributes;
using PeJit.Backends.Amd64;
using PeJit.Backends.Cil;
using PeJit.Specializer.Engine;
using Vm = hinted::PeJit.Examples.StackVm;

namespace PeJit.Benchmarks.Jit;

/// <summary>
/// What attaching a new path at an exit costs on each backend, on the stack VM's <c>long</c> unit: the AMD64 backend
/// writes the exit's target slot (one atomic write; the unit keeps running), the CIL backend has to compile the
/// whole unit again (IL emission and RyuJIT at the first call, as <see cref="SpecializationCostBenchmarks"/>
/// measures it). The attached path here is another exit's stub, so neither side includes specializing the new path
/// (<see cref="BridgeBenchmarks"/> does: a bridge compiled and attached against the unit recompiled). Also the AMD64
/// backend's own compilation of the unit.
/// </summary>
[MemoryDiagnoser]
public class ExitAttachBenchmarks
{
    private CilBackend cil = null!;
    private Amd64Backend amd64 = null!;
    private Unit optimized = null!;
    private GreenKey key = null!;
    private Amd64CompiledCode native = null!;
    private nint first, second;
    private bool flip;

    [GlobalSetup]
    public void Setup()
    {
        var loop = StackVmHotLoop.Load();
        var (engine, resolver) = (loop.Engine, loop.Resolver);
        key = loop.Key;
        cil = new CilBackend(resolver);
        amd64 = new Amd64Backend(resolver: resolver);
        optimized = engine.Specialize(key);
        PeJit.Optimizer.Pipeline.Run(optimized.Residual, null);
        native = amd64.CompileNative(optimized.Residual, "bench");
        (first, second) = (native.ExitStub(1), native.ExitStub(native.Function.Exits.Count));
        Console.WriteLine($"// unit at {key}: {optimized.Residual.Blocks.Sum(b => optimized.Residual[b].Instructions.Count)} residual instructions, {native.Function.Exits.Count} exits");
    }

    [Benchmark(Baseline = true, Description = "cil: recompile the unit (IL + RyuJIT at first call)")]
    public object? CilRecompile()
    {
        var code = cil.Compile(optimized.Residual, typeof(Vm.Interpreter).Module, "bench");
        var frame = new Vm.Frame(8, TextWriter.Null);
        var state = new object?[] { key.Values[0], key.Values[1], frame, 0 };
        return code.Run([.. optimized.Constants], new object?[Math.Max(optimized.ExitBufferSize, state.Length + 1)], state);
    }

    [Benchmark(Description = "amd64: attach at an exit (slot write)")]
    public nint Amd64Attach() => native.Attach(1, (flip = !flip) ? second : first);

    [Benchmark(Description = "amd64: compile the unit")]
    public object Amd64Compile()
    {
        var code = amd64.CompileNative(optimized.Residual, "bench");
        code.Drop();
        return code;
    }
}

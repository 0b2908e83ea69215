using BenchmarkDotNet.Attributes;
using PeJit.Runtime;
using Lua = PeJit.Examples.Lua;

namespace PeJit.Benchmarks.Jit;

/// <summary>
/// Lua's <c>sieve</c> at <see cref="LuaJitBenchmarks"/>' size four ways: the plain interpreter (baseline), JIT-enabled
/// (warmed up as there), the hand-written C# over a <c>bool[]</c>, and the same C# over the interpreter's representation
/// of the table's array part (<see cref="Lua.Handwritten.SieveOverTableArray"/>: <c>LuaValue</c> references in an array
/// doubled by <c>Array.Resize</c>). The last is what compiled code over this table cannot avoid (growing and copying the
/// array part, page faults on the new arrays, reference stores with the write barrier, 8 bytes a slot), so its ratio to
/// the interpreter bounds what the JIT-enabled column can reach (Docs/PERFORMANCE.md, "the table's floor").
/// </summary>
[MemoryDiagnoser]
public class LuaSieveFloorBenchmarks
{
    private const long N = 400_000;
    private const int MaxWarmUpRuns = 30;

    private PortalJit jit = null!;
    private Lua.Compiler.Code code = null!;

    [GlobalSetup(Targets = [nameof(Interpreter), nameof(HandWritten)])]
    public void Setup()
    {
        code = Lua.Compiler.BytecodeCompiler.Compile(Lua.Programs.Source("sieve"));
        jit = PortalJit.Create(Lua.Runner.Portal);
    }

    /// <summary>
    /// As <see cref="LuaJitBenchmarks.SetupJit"/>: warmed up until two runs in a row compile nothing. The floor's column
    /// gets the same setup, so that it runs in the same state of the process (the heap the compiled units keep, which
    /// every gen2 collection marks): in a console harness the floor ran 5-20% slower after such a warm-up than without.
    /// </summary>
    [GlobalSetup(Targets = [nameof(Jit), nameof(OverTableArray)])]
    public void SetupJit()
    {
        Setup();
        SteadyState.WarmUp(jit, () => Jit(), minimumRuns: 0, maximumRuns: MaxWarmUpRuns);
    }

    private Lua.Frame Frame() => LuaJitBenchmarks.FreshFrame(code, N);

    [Benchmark(Baseline = true, Description = "interpreter")]
    public void Interpreter() => Lua.Interpreter.Run(code, code.Main.Entry, Frame());

    [Benchmark(Description = "JIT-enabled")]
    public object? Jit() => jit.Invoke(code, code.Main.Entry, Frame());

    [Benchmark(Description = "hand-written C#")]
    public void HandWritten() => Lua.Handwritten.Sieve(N, TextWriter.Null);

    [Benchmark(Description = "C# over the table's LuaValue[]")]
    public void OverTableArray() => Lua.Handwritten.SieveOverTableArray(N, TextWriter.Null);
}

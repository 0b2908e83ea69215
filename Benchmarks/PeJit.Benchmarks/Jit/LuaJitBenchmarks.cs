using BenchmarkDotNet.Attributes;
using PeJit.Runtime;
using Lua = PeJit.Examples.Lua;

namespace PeJit.Benchmarks.Jit;

/// <summary>
/// Each bundled Lua program three ways: the plain interpreter (baseline), the interpreter JIT-enabled in process
/// (units compiled during warm-up and reused, where a loop compiles at all), and <see cref="Lua.Handwritten"/>
/// (native types; the polymorphic one with virtual calls). Compiled to bytecode once: the code object is part of
/// the green key. Each run gets a fresh global state, so its globals (and <c>N</c>) start over.
/// </summary>
[MemoryDiagnoser]
public class LuaJitBenchmarks
{
    /// <summary>
    /// Each program's <c>N</c>: a tenth of <see cref="Lua.Programs.MeasureSizes"/> (less for <c>nbody</c> and
    /// <c>polymorphic</c>, <c>fib</c> 25), a few hundred milliseconds of the plain interpreter on a quiet machine.
    /// </summary>
    private static readonly Dictionary<string, long> Sizes = new()
    {
        ["numeric"] = 2_000_000, ["fib"] = 25, ["sieve"] = 400_000, ["nbody"] = 20_000, ["strings"] = 100_000,
        ["polymorphic"] = 500_000, ["errors"] = 100_000,
    };

    private PortalJit jit = null!;
    private Lua.Compiler.Code code = null!;

    /// <summary>The program run.</summary>
    [Params("numeric", "fib", "sieve", "nbody", "strings", "polymorphic", "errors")]
    public string Program { get; set; } = "numeric";

    /// <summary>At most this many warm-up runs of the JIT-enabled program.</summary>
    private const int MaxWarmUpRuns = 30;

    [GlobalSetup(Targets = [nameof(Interpreter), nameof(HandWritten)])]
    public void Setup()
    {
        code = Lua.Compiler.BytecodeCompiler.Compile(Lua.Programs.Source(Program));
        jit = PortalJit.Create(Lua.Runner.Portal);
    }

    /// <summary>
    /// The JIT-enabled column measures steady state: the program runs until two runs in a row
    /// compile nothing (<see cref="SteadyState.WarmUp"/>) (no new unit, no recompilation for a new promotion case), so no measured iteration pays for
    /// a compilation or runs a unit about to be replaced. BenchmarkDotNet's own warm-up (3 iterations in the short
    /// job) ended on whichever recompilation it happened to reach, which made the ratios swing from run to run.
    /// Compilation is synchronous in process (<see cref="JitSettings.BackgroundCompilation"/> is off for a
    /// <see cref="PortalJit"/>), so a unit is in place as soon as its key gets hot.
    /// </summary>
    [GlobalSetup(Target = nameof(Jit))]
    public void SetupJit()
    {
        Setup();
        SteadyState.WarmUp(jit, () => Jit(), minimumRuns: 0, maximumRuns: MaxWarmUpRuns);
    }

    private Lua.Frame Frame() => FreshFrame(code, Sizes[Program]);

    /// <summary>The main function's frame in a fresh Lua state (new globals, so nothing of an earlier run is seen) with <c>N</c> set.</summary>
    internal static Lua.Frame FreshFrame(Lua.Compiler.Code code, long n)
    {
        var state = new Lua.LuaState(code, TextWriter.Null);
        state.Globals.Set(new Lua.Values.LuaString("N"), new Lua.Values.LuaInteger(n));
        return new Lua.Frame(new Lua.Values.LuaClosure(code.Main, []), state, [], 0, 0, 0);
    }

    [Benchmark(Baseline = true, Description = "interpreter")]
    public void Interpreter() => Lua.Interpreter.Run(code, code.Main.Entry, Frame());

    [Benchmark(Description = "JIT-enabled")]
    public object? Jit() => jit.Invoke(code, code.Main.Entry, Frame());

    [Benchmark(Description = "hand-written C#")]
    public void HandWritten() => Lua.Handwritten.Run(Program, Sizes[Program], TextWriter.Null);
}

using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using Perfolizer.Horology;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace PeJit.Benchmarks.Runtime;

/// <summary>
/// What the JIT-enabled interpreter costs while nothing is compiled (issue 12's acceptance: within 5% of the plain
/// interpreter): every program of every example, run in process by the plain build and by the JIT-enabled build as
/// MSBuild writes it (<c>-p:PeJitEnabled=true</c>), each loaded in its own <see cref="ExampleLoadContext"/>, in two
/// modes: the threshold out of reach (<c>PEJIT_THRESHOLD=2147483647</c>: every <c>Jit.CanEnterJit</c> counts, nothing
/// compiles) and <c>PEJIT_DISABLE=1</c>. A run is the example's <c>Main</c> with the program's name and arguments,
/// parsing included, output discarded.
/// </summary>
/// <remarks>
/// In process, so that no benchmark project is generated and built per mode: each benchmark's setup sets the mode's
/// variable and then loads the JIT-enabled build into a fresh context, whose own copy of the PeJit runtime reads its
/// settings when first used. The builds are made once, by the first setup, into <c>artifacts/neverhot-plain</c> and
/// <c>artifacts/neverhot-jit</c>; remove those folders to measure changed sources (Docs/PERFORMANCE.md gives the
/// command). The long programs run with smaller arguments than their bundled ones, so that each run takes tens to
/// hundreds of milliseconds.
/// </remarks>
[Config(typeof(InProcess))]
public class NeverHotBenchmarks
{
    private sealed class InProcess : ManualConfig
    {
        public InProcess() => AddJob(Job.Default.WithWarmupCount(3).WithIterationCount(10).WithMinIterationTime(TimeInterval.FromMilliseconds(150))
            .WithToolchain(InProcessEmitToolchain.Instance));
    }

    /// <summary>What keeps the JIT-enabled build from compiling.</summary>
    [Params("never hot", "disabled")]
    public string Mode { get; set; } = "never hot";

    /// <summary>Example, then its command line.</summary>
    [Params(
        "StackVm count", "StackVm factorial", "StackVm fib", "StackVm long 3000000", "StackVm nested",
        "Brainfuck hello", "Brainfuck long", "Brainfuck squares",
        "RegisterVm factorial", "RegisterVm fib", "RegisterVm long 20000000", "RegisterVm primes",
        "TreeWalker collatz", "TreeWalker fib", "TreeWalker long", "TreeWalker primes", "TreeWalker sum",
        "TreeWalker --virtual collatz", "TreeWalker --virtual fib", "TreeWalker --virtual long", "TreeWalker --virtual primes", "TreeWalker --virtual sum",
        "HandlerTable collatz", "HandlerTable fib", "HandlerTable gcd", "HandlerTable long 3000000",
        "Lua errors", "Lua fib", "Lua nbody", "Lua numeric", "Lua polymorphic", "Lua sieve", "Lua strings")]
    public string Case { get; set; } = "StackVm count";

    private string Project => Case.Split(' ')[0];

    private string[] Arguments => [.. Case.Split(' ').Skip(1)];

    private ExampleLoadContext plain = null!, jitEnabled = null!;

    [GlobalSetup]
    public void Setup()
    {
        Environment.SetEnvironmentVariable("PEJIT_THRESHOLD", Mode == "never hot" ? "2147483647" : null);
        Environment.SetEnvironmentVariable("PEJIT_DISABLE", Mode == "disabled" ? "1" : null);
        plain = new ExampleLoadContext(BuiltOnce("neverhot-plain"));
        jitEnabled = new ExampleLoadContext(BuiltOnce("neverhot-jit", "-p:PeJitEnabled=true"));
        // The JIT-enabled build's own runtime must have read the mode (a runtime shared with another context would
        // not). A program that never reaches a portal (the tree-walker's fib has no while loop) loads none at all.
        jitEnabled.Run(Arguments);
        if (jitEnabled.Assemblies.SingleOrDefault(a => a.GetName().Name == "PeJit.Runtime") is not { } runtime) return;
        bool disabled = (bool)runtime.GetType("PeJit.Runtime.PortalCounters", throwOnError: true)!.GetField("Disabled")!.GetValue(null)!;
        if (disabled != (Mode == "disabled"))
            throw new InvalidOperationException($"{Case}: PEJIT_DISABLE was not read as the mode '{Mode}' says");
    }

    private string BuiltOnce(string artifacts, params string[] extra)
    {
        string dll = ExampleBuilds.Dll(Project, artifacts);
        return File.Exists(dll) ? dll : ExampleBuilds.Build(Project, artifacts, extra);
    }

    [Benchmark(Baseline = true, Description = "plain")]
    public int Plain() => plain.Run(Arguments);

    [Benchmark(Description = "JIT-enabled")]
    public int JitEnabled() => jitEnabled.Run(Arguments);
}

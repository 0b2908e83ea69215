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
/// In process, so that no benchmark project is generated and built per mode: the JIT-enabled benchmark's setup sets
/// the mode's variable and then loads the JIT-enabled build into a fresh context, whose own copy of the PeJit runtime reads its
/// settings when first used. The builds are made once, by the first setup, into <c>artifacts/neverhot-plain</c> and
/// <c>artifacts/neverhot-jit</c>; remove those folders to measure changed sources (Docs/PERFORMANCE.md gives the
/// command). The long programs run with smaller arguments than their bundled ones, so that each run takes tens to
/// hundreds of milliseconds. Each side is run until .NET's tiering has settled before it is measured
/// (<see cref="WarmUp"/>), and timed by the process's processor time (<see cref="NeverHotProcessCpuClock"/>), since
/// the machine it runs on is shared; both apply to the plain build as to the JIT-enabled one, whose runtime settings
/// are .NET's defaults.
/// </remarks>
[Config(typeof(InProcess))]
public class NeverHotBenchmarks
{
    private sealed class InProcess : ManualConfig
    {
        public InProcess() => AddJob(Job.Default.WithWarmupCount(1).WithIterationCount(10).WithMinIterationTime(TimeInterval.FromMilliseconds(150))
            .WithClock(NeverHotProcessCpuClock.Instance).WithToolchain(new InProcessEmitToolchain(TimeSpan.FromHours(1), logOutput: true)));
        // The in-process toolchain gives up on a benchmark after 5 minutes by default; with the warm-up's 80 runs of a
        // 200 ms program on a loaded machine (its processor share a tenth) one takes longer.
    }

    /// <summary>What keeps the JIT-enabled build from compiling.</summary>
    [Params("never hot", "disabled")]
    public string Mode { get; set; } = "never hot";

    /// <summary>Example, then its command line: every program of every example.</summary>
    public static readonly string[] AllCases = ["StackVm count", "StackVm factorial", "StackVm fib", "StackVm long 3000000", "StackVm nested",
        "Brainfuck hello", "Brainfuck long", "Brainfuck squares",
        "RegisterVm factorial", "RegisterVm fib", "RegisterVm long 20000000", "RegisterVm primes",
        "TreeWalker collatz", "TreeWalker fib", "TreeWalker long", "TreeWalker primes", "TreeWalker sum",
        "TreeWalker --virtual collatz", "TreeWalker --virtual fib", "TreeWalker --virtual long", "TreeWalker --virtual primes", "TreeWalker --virtual sum",
        "HandlerTable collatz", "HandlerTable fib", "HandlerTable gcd", "HandlerTable long 3000000",
        "Lua errors", "Lua fib", "Lua nbody", "Lua numeric", "Lua polymorphic", "Lua sieve", "Lua strings"];

    /// <summary>
    /// The cases measured: all, or those named in <c>NEVERHOT_CASES</c> (comma-separated, as in
    /// <see cref="AllCases"/>), to measure again the rows of a run that were over the bar without the whole run's time.
    /// </summary>
    public static IEnumerable<string> Cases => Environment.GetEnvironmentVariable("NEVERHOT_CASES") is { Length: > 0 } only
        ? only.Split(',').Select(name => name.Trim()).Select(name => AllCases.Contains(name) ? name
            : throw new InvalidOperationException($"NEVERHOT_CASES names '{name}', which is not one of: {string.Join(", ", AllCases)}"))
        : AllCases;

    /// <summary>Example, then its command line.</summary>
    [ParamsSource(nameof(Cases))]
    public string Case { get; set; } = "StackVm count";

    private string Project => Case.Split(' ')[0];

    internal string[] Arguments => [.. Case.Split(' ').Skip(1)];

    private ExampleLoadContext plain = null!, jitEnabled = null!;

    /// <summary>The plain build <see cref="SetupPlain"/> loaded and warmed.</summary>
    internal ExampleLoadContext PlainContext => plain;

    /// <summary>The JIT-enabled build <see cref="SetupJitEnabled"/> loaded in the mode and warmed.</summary>
    internal ExampleLoadContext JitEnabledContext => jitEnabled;

    /// <summary>The plain builds, loaded and warmed once per case: the mode does not change them.</summary>
    private static readonly Dictionary<string, ExampleLoadContext> Plains = [];

    /// <summary>
    /// Runs of <c>Main</c> before measuring, at least: .NET's tiering takes an interpreter's dispatch method, entered once
    /// per run by the long programs, from the instrumented first tier through on-stack replacement (a new compile of it
    /// after 30 calls) to the optimized <c>Tier1</c> after about 65 calls and the compile's delay. BenchmarkDotNet's
    /// own warm-up made 20 to 40 calls of a 100 ms program, so that side of a ratio was measured across one of these
    /// recompilations or not depending on its run time; both sides now reach the last tier before the first iteration.
    /// </summary>
    private const int WarmUpRuns = 80;

    [GlobalSetup(Target = nameof(Plain))]
    public void SetupPlain()
    {
        if (Plains.TryGetValue(Case, out var warm))
        {
            plain = warm;
            return;
        }
        plain = new ExampleLoadContext(BuiltOnce("neverhot-plain"));
        WarmUp(plain);
        Plains[Case] = plain;
    }

    [GlobalSetup(Target = nameof(JitEnabled))]
    public void SetupJitEnabled()
    {
        Environment.SetEnvironmentVariable("PEJIT_THRESHOLD", Mode == "never hot" ? "2147483647" : null);
        Environment.SetEnvironmentVariable("PEJIT_DISABLE", Mode == "disabled" ? "1" : null);
        jitEnabled = new ExampleLoadContext(BuiltOnce("neverhot-jit", "-p:PeJitEnabled=true"));
        // The JIT-enabled build's own runtime must have read the mode (a runtime shared with another context would
        // not). A program that never reaches a portal (the tree-walker's fib has no while loop) loads none at all.
        jitEnabled.Run(Arguments);
        if (jitEnabled.Assemblies.SingleOrDefault(a => a.GetName().Name == "PeJit.Runtime") is { } runtime)
        {
            bool disabled = (bool)runtime.GetType("PeJit.Runtime.PortalCounters", throwOnError: true)!.GetField("Disabled")!.GetValue(null)!;
            if (disabled != (Mode == "disabled"))
                throw new InvalidOperationException($"{Case}: PEJIT_DISABLE was not read as the mode '{Mode}' says");
        }
        WarmUp(jitEnabled);
    }

    /// <summary>
    /// Runs <paramref name="example"/> <see cref="WarmUpRuns"/> times, and on while .NET still compiled a method during
    /// the last ten runs (a tier-up of a method called more often than the dispatch loop comes later), at most twice
    /// as many: the same for both builds, so each is measured in the tiers it settles in.
    /// </summary>
    internal void WarmUp(ExampleLoadContext example)
    {
        var compiled = new Queue<long>();
        for (int run = 0; run < 2 * WarmUpRuns; run++)
        {
            compiled.Enqueue(System.Runtime.JitInfo.GetCompiledMethodCount());
            if (compiled.Count > 10) compiled.Dequeue();
            if (run >= WarmUpRuns && compiled.Peek() == System.Runtime.JitInfo.GetCompiledMethodCount()) return;
            example.Run(Arguments);
        }
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

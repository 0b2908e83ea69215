using PeJit.Runtime;

namespace PeJit.Benchmarks.Jit;

/// <summary>
/// How the in-process JIT-enabled columns reach their steady state before BenchmarkDotNet measures: a low threshold,
/// and warm-up runs in the global setup until every exit that changes the code has been taken often enough.
/// </summary>
/// <remarks>
/// A benchmark runs the whole interpreted program once per operation, so the code after its hot loop is reached once
/// per operation. Once an exit there has been taken a threshold's times, the loop's unit is specialized again with
/// that code in it (tails, RunTime/Specializer/README.md); with the default threshold of 1,000 that recompilation
/// fell inside the measured iterations, and BenchmarkDotNet averaged its allocation and time over the operations.
/// So the columns use <see cref="Threshold"/> and warm up past it, then until <see cref="QuietRuns"/> runs in a row
/// compile nothing.
/// </remarks>
internal static class SteadyState
{
    /// <summary>The in-process columns' threshold: low, so that warm-up reaches every recompilation in a few runs.</summary>
    public const int Threshold = 20;

    private const int QuietRuns = 2, MaxRuns = 200;

    /// <summary>A JIT-enabled portal with <see cref="Threshold"/>, warmed up by <paramref name="run"/> (one run of the benchmark's program).</summary>
    public static PortalJit Create(System.Reflection.MethodInfo portal, Action<PortalJit> run)
    {
        var jit = PortalJit.Create(portal, new JitSettings { Threshold = Threshold });
        WarmUp(jit, () => run(jit), minimumRuns: Threshold + 2, maximumRuns: MaxRuns);
        return jit;
    }

    /// <summary>
    /// Runs <paramref name="run"/> at least <paramref name="minimumRuns"/> times, then until <see cref="QuietRuns"/>
    /// runs in a row compile nothing (no new unit, no recompilation), at most <paramref name="maximumRuns"/> times.
    /// </summary>
    public static void WarmUp(PortalJit jit, Action run, int minimumRuns, int maximumRuns)
    {
        int quiet = 0;
        for (int runs = 0; runs < maximumRuns && (runs < minimumRuns || quiet < QuietRuns); runs++)
        {
            long before = jit.Runtime.Compilations;
            run();
            quiet = jit.Runtime.Compilations == before ? quiet + 1 : 0;
        }
        jit.Runtime.WaitForCompilations(TimeSpan.FromMinutes(1));
    }
}

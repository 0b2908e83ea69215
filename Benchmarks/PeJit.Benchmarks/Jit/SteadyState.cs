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
    /// Runs <paramref name="run"/> at least <paramref name="minimumRuns"/> times, then until as many runs in a row as
    /// came before the last one that compiled (at least <see cref="QuietRuns"/>) compile nothing (no new unit, no
    /// recompilation), at most <paramref name="maximumRuns"/> times.
    /// </summary>
    /// <remarks>
    /// Why the quiet stretch grows: a compilation in the sixth run shows that counters kept counting across runs (an exit
    /// taken once per run, a key entered a few times per run), and two quiet runs after it say little about the next.
    /// Lua's <c>nbody</c> compiled in runs 1, 2, 3 and 6 (2026-12-06, load 20); with two quiet runs its warm-up stopped
    /// after run 5, and the sixth run's recompilation fell inside BenchmarkDotNet's measured iterations (RatioSD 0.21).
    /// </remarks>
    public static void WarmUp(PortalJit jit, Action run, int minimumRuns, int maximumRuns)
    {
        int quiet = 0, lastCompiling = -1;
        for (int runs = 0; runs < maximumRuns && (runs < minimumRuns || quiet < Math.Max(QuietRuns, lastCompiling + 1)); runs++)
        {
            long before = jit.Runtime.Compilations;
            run();
            if (jit.Runtime.Compilations == before) quiet++;
            else (quiet, lastCompiling) = (0, runs);
        }
        jit.Runtime.WaitForCompilations(TimeSpan.FromMinutes(1));
    }
}

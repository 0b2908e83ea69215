namespace PeJit.Tests;

/// <summary>
/// What the cost tests of issue 12 count and how they judge it: work done for a unit of size N and for one of 2N,
/// counted (ops run, block look-ups, instructions emitted, bytes allocated), not timed, so the tests do not depend on the
/// machine. A linear stage keeps the ratio near 2; a quadratic one brings it near 4. Each test class also checks its
/// measure against a quadratic stand-in, so that the sizes it uses are large enough for a quadratic term to show.
/// </summary>
internal static class CostRatio
{
    /// <summary>The most twice the input may cost, as a multiple of the cost of the input once.</summary>
    public const double Linear = 2.5;

    /// <summary>The bytes <paramref name="work"/> allocates on this thread.</summary>
    public static long Allocated(Action work)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        work();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    /// <summary>Whether <paramref name="large"/> (the cost of the input twice as large) is at most <see cref="Linear"/> times <paramref name="small"/>.</summary>
    public static bool IsAboutLinear(long small, long large) => large <= Linear * Math.Max(small, 1);

    /// <summary>A line for a test's output and its failure messages.</summary>
    public static string Describe(string what, long small, long large) =>
        $"{what,-24} {small,12:N0} → {large,12:N0}  ×{(double)large / Math.Max(1, small):0.00}";
}

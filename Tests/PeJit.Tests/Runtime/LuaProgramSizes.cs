namespace PeJit.Tests.Runtime;

/// <summary>
/// Every bundled Lua program at a size that gets its loops hot in a test's time: the rows of the runtime tests that run each
/// program JIT-enabled against the plain interpreter (<c>[DynamicData(nameof(LuaProgramSizes.Each), typeof(LuaProgramSizes))]</c>),
/// so that a program added to the example is added to all of them at once.
/// </summary>
internal static class LuaProgramSizes
{
    /// <summary>(program, size) rows.</summary>
    public static IEnumerable<object[]> Each =>
    [
        ["numeric", 3000L],
        ["fib", 15L],
        ["sieve", 3000L],
        ["nbody", 300L],
        ["strings", 2000L],
        ["polymorphic", 3000L],
        ["errors", 1000L],
    ];
}

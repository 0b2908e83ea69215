namespace PeJit.Tests.Specializer;

/// <summary>
/// Loop-invariant parameters, memory promotion and what it leaves to clean up (values only the exits use,
/// tests of tests) on hand-written graphs, as file tests
/// (<c>promote/*.ir</c>, run by <see cref="OptimizerFileTest"/>): what is promoted and what must not be, each
/// evaluated before and after on arguments that include arrays out of bounds, null objects and the same array
/// passed twice (where the alias guards fail and the unoptimized copy of the loop runs).
/// </summary>
[TestClass]
public sealed class PromoteMemoryTests
{
    private static string Root => Path.Combine(Golden.SourceDirectory(), "Specializer", "promote");

    public static IEnumerable<object[]> Files => OptimizerFileTest.Files(Root);

    [TestMethod]
    [DynamicData(nameof(Files))]
    public void Run(string file) => OptimizerFileTest.Run(Root, file);
}

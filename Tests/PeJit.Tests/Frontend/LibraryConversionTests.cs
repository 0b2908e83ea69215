using PeJit.Frontend.Construction;
using PeJit.IR.Text;
using PeJit.IR.Verification;

namespace PeJit.Tests.Frontend;

/// <summary>
/// The frontend on real code nobody wrote for it: at least 98% of the methods with bodies in Mono.Cecil,
/// QuikGraph and Iced become verifier-clean graphs; the rest are opaque with a reason.
/// </summary>
[TestClass]
public sealed class LibraryConversionTests
{
    public TestContext TestContext { get; set; } = null!;

    public static IEnumerable<object[]> Libraries =>
    [
        ["Mono.Cecil", typeof(Mono.Cecil.ModuleDefinition).Assembly.Location],
        ["QuikGraph", typeof(QuikGraph.AdjacencyGraph<,>).Assembly.Location],
        ["Iced", typeof(Iced.Intel.Decoder).Assembly.Location],
    ];

    [TestMethod]
    [DynamicData(nameof(Libraries))]
    public void AtLeast98PercentOfMethodsBecomeVerifierCleanGraphsThatParseBack(string name, string path)
    {
        // A fresh read: conversion simplifies macros in the bodies it reads, which must not leak into other tests.
        var module = AssemblyLoader.Load(path);
        var converter = new MethodConverter();
        int total = 0, clean = 0, opaque = 0, invalid = 0, roundTripFailures = 0;
        var problems = new List<string>();
        foreach (var method in module.GetTypes().SelectMany(t => t.Methods).Where(m => m.HasBody))
        {
            total++;
            var result = converter.Convert(method);
            if (result.Graph is null)
            {
                opaque++;
                Assert.IsFalse(string.IsNullOrWhiteSpace(result.OpaqueReason), $"{method.FullName}: opaque without a reason");
                if (problems.Count < 20) problems.Add($"opaque {method.FullName}: {result.OpaqueReason}");
                continue;
            }
            var errors = Verifier.Verify(result.Graph);
            if (errors.Count == 0) clean++;
            else
            {
                invalid++;
                if (problems.Count < 20) problems.Add($"invalid {method.FullName}: {errors[0]}");
            }
            // The text form of every graph parses back to an equal graph.
            string text = IrPrinter.Print(result.Graph);
            var parsed = IrParser.Parse(text);
            var differences = GraphComparer.Differences(result.Graph, parsed);
            string again = IrPrinter.Print(parsed);
            if (differences.Count > 0 || again != text)
            {
                roundTripFailures++;
                if (problems.Count < 20) problems.Add($"round trip {method.FullName}: {string.Join("; ", differences.Take(3))}");
            }
        }
        double percent = 100.0 * clean / total;
        TestContext.WriteLine($"{name}: {total} methods with bodies, {clean} verifier-clean ({percent:F2}%), {opaque} opaque, {invalid} failing the verifier");
        foreach (var problem in problems) TestContext.WriteLine("  " + problem);
        Assert.AreEqual(0, invalid, $"{name}: graphs that fail the verifier are frontend bugs:\n{string.Join("\n", problems)}");
        Assert.AreEqual(0, roundTripFailures, $"{name}: graphs whose text does not parse back equal:\n{string.Join("\n", problems)}");
        Assert.IsGreaterThanOrEqualTo(98.0, percent, $"{name}: only {percent:F2}% of methods converted");
    }
}

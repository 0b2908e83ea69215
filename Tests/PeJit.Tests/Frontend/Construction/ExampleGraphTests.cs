using PeJit.Frontend.Construction;
using PeJit.IR.Text;
using PeJit.IR.Verification;

namespace PeJit.Tests.Frontend.Construction;

/// <summary>
/// The frontend on both example interpreters: every method converts to a verifier-clean graph, and the
/// portals' graphs are golden files a person can read (regenerate with PEJIT_BLESS=1).
/// </summary>
[TestClass]
public sealed class ExampleGraphTests
{
    public static IEnumerable<object[]> Examples =>
    [
        ["StackVm", typeof(PeJit.Examples.StackVm.Interpreter).Assembly.Location],
        ["Brainfuck", typeof(PeJit.Examples.Brainfuck.Interpreter).Assembly.Location],
    ];

    [TestMethod]
    [DynamicData(nameof(Examples))]
    public void EveryMethodConvertsToAVerifierCleanGraph(string name, string path)
    {
        var module = AssemblyLoader.Load(path);
        var converter = new MethodConverter();
        foreach (var method in module.GetTypes().SelectMany(t => t.Methods).Where(m => m.HasBody))
        {
            var result = converter.Convert(method);
            Assert.IsNotNull(result.Graph, $"{method.FullName}: {result.OpaqueReason}");
            var errors = Verifier.Verify(result.Graph);
            Assert.IsEmpty(errors, $"{method.FullName}:\n{string.Join("\n", errors)}");
        }
    }

    [TestMethod]
    [DynamicData(nameof(Examples))]
    public void ThePortalGraphIsGolden(string name, string path)
    {
        var module = AssemblyLoader.Load(path);
        var portal = PortalFinder.FindPortals(module).Single();
        var graph = new MethodConverter().Convert(portal).Graph!;
        Golden.Check($"Golden/{name}.Run.ir", IrPrinter.Print(graph));
    }

    [TestMethod]
    [DynamicData(nameof(Examples))]
    public void CallGraphDiscoveryFromThePortal(string name, string path)
    {
        var module = AssemblyLoader.Load(path);
        var portal = PortalFinder.FindPortals(module).Single();
        var calls = CallGraph.Discover(portal);
        Assert.IsTrue(calls.Methods.Contains(portal));
        if (name == "StackVm")
        {
            Assert.IsTrue(calls.Methods.Any(m => m.Name == "Arithmetic"), "the helper is reached");
            Assert.IsTrue(calls.RecursiveMethods().Contains(portal), "interpreted calls recurse through the portal");
            Assert.IsTrue(calls.ExternalCalls.Any(c => c.Site.Target.Name == "WriteLine"), "printing leaves the analyzed assembly");
        }
    }
}

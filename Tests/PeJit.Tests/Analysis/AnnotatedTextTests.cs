using PeJit.Analysis.BindingTimes;
using PeJit.IR.Text;
using PeJit.Runtime;
using Vm = PeJit.Examples.StackVm;

namespace PeJit.Tests.Analysis;

/// <summary>
/// Annotated graphs round-trip through the text form: every graph the StackVm portal reaches, printed with its
/// binding times, parses (<see cref="IrParser.ParseAnnotated"/>) into the same binding times and prints the same.
/// </summary>
[TestClass]
public sealed class AnnotatedTextTests
{
    [TestMethod]
    public void TheStackVmAnnotatedGraphsPrintParseAndPrintTheSame()
    {
        var analysis = PortalJit.Create(Vm.Runner.Portal).Analysis;
        Assert.IsGreaterThan(1, analysis.Reachable.Count);
        var seen = new HashSet<string>();
        foreach (var annotated in analysis.Reachable)
        {
            string text = annotated.Print();
            var parsed = IrParser.ParseAnnotated(text);
            Assert.AreEqual(text, parsed.Print(), annotated.Name);
            foreach (var value in annotated.Graph.Values.Where(v => parsed.BindingTimes.ContainsKey(v)))
                Assert.AreEqual(annotated.TimeOf(value) == BindingTime.Green ? "green" : "red", parsed.BindingTimes[value], $"{annotated.Name}: {value}");
            seen.UnionWith(parsed.BindingTimes.Values);
        }
        CollectionAssert.AreEquivalent(new[] { "green", "red" }, seen.ToArray(), "both binding times were read back");
    }
}

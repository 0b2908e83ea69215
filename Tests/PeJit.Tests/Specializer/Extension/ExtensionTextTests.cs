using PeJit.Runtime;
using PeJit.Specializer.Extension;
using Bf = PeJit.Examples.Brainfuck;
using Vm = PeJit.Examples.StackVm;
using Ht = PeJit.Examples.HandlerTable;

namespace PeJit.Tests.Specializer.Extension;

/// <summary>
/// The extension's text form reads back (<see cref="ExtensionParser"/>) into a listing that prints the same text,
/// and the verifier finds the example portals' extensions clean and reports what is broken in one that is not.
/// </summary>
[TestClass]
public sealed class ExtensionTextTests
{
    public static IEnumerable<object[]> Portals => [["StackVm"], ["Brainfuck"], ["HandlerTable"]];

    private static string Printed(string portal) =>
        PortalJit.Create(portal switch { "StackVm" => Vm.Runner.Portal, "HandlerTable" => Ht.Runner.Portal, _ => Bf.Runner.Portal }).Runtime.Extension.Print();

    [TestMethod]
    [DynamicData(nameof(Portals))]
    public void TheExtensionPrintsParsesAndPrintsTheSameAndVerifies(string portal)
    {
        string text = Printed(portal);
        var listing = ExtensionParser.Parse(text);
        Assert.AreEqual(text, listing.Print());
        if (portal == "StackVm")
            Assert.IsTrue(listing.Graphs.SelectMany(g => g.Blocks).SelectMany(b => b).Any(op => op.Callees.Count > 0), "some call names the graphs it inlines");
        var errors = ExtensionVerifier.Verify(listing);
        Assert.IsEmpty(errors, string.Join("\n", errors));
    }

    [TestMethod]
    public void ACallThroughAGreenDelegateListsItsFamilyAndReadsBack()
    {
        var listing = ExtensionParser.Parse(Printed("HandlerTable"));
        var invoke = listing.Graphs[0].Blocks.SelectMany(b => b).Single(op => op.Note?.StartsWith("InlineDelegate ", StringComparison.Ordinal) == true);
        // One graph per handler: the lambdas on the compiler's singleton and the static method groups.
        Assert.HasCount(Enum.GetValues<Ht.Op>().Length, invoke.Callees, invoke.Note);
        Assert.IsTrue(invoke.Callees.Any(c => c.StartsWith("Interpreter::Add[", StringComparison.Ordinal)), invoke.Note);
        Assert.IsTrue(invoke.Callees.Any(c => c.Contains("<>c::", StringComparison.Ordinal)), invoke.Note);
        var emptied = invoke with { Note = "InlineDelegate" };
        var portal = listing.Graphs[0];
        var blocks = portal.Blocks.Select(b => b.Select(op => op == invoke ? emptied : op).ToList()).ToList();
        var errors = ExtensionVerifier.Verify(listing with { Graphs = [portal with { Blocks = blocks }, .. listing.Graphs.Skip(1)] });
        Assert.IsTrue(errors.Any(e => e.Contains("names no graph to pick from")), string.Join("\n", errors));
    }

    [TestMethod]
    public void TheVerifierReportsEveryBrokenInvariant()
    {
        var listing = ExtensionParser.Parse(Printed("StackVm"));
        var portal = listing.Graphs[0];
        var (block, index) = Enumerable.Range(0, portal.Blocks.Count)
            .SelectMany(b => Enumerable.Range(0, portal.Blocks[b].Count).Select(i => (b, i)))
            .First(p => portal.Blocks[p.b][p.i] is { Result: { Class: RegisterClass.Int } } op && op.Targets.Count == 0);
        var op = portal.Blocks[block][index];
        var broken = op with
        {
            Result = op.Result! with { Number = portal.IntCount },
            Targets = [new ListedTarget(portal.Blocks.Count, [])],
        };
        var blocks = portal.Blocks.Select(b => b.ToList()).ToList();
        blocks[block][index] = broken;
        var errors = ExtensionVerifier.Verify(listing with { Graphs = [portal with { Blocks = blocks }, .. listing.Graphs.Skip(1)] });
        Assert.IsTrue(errors.Any(e => e.Contains("past the Int file")), string.Join("\n", errors));
        Assert.IsTrue(errors.Any(e => e.Contains($"block{portal.Blocks.Count} is not a block")), string.Join("\n", errors));
    }

    [TestMethod]
    public void AMalformedLineNamesItsLine()
    {
        var error = Assert.Throws<FormatException>(() => ExtensionParser.Parse("; generating extension\n\ngraph G (int 1, float 0, ref 0)\nblock0:\n  green  v0:x1 = const"));
        StringAssert.Contains(error.Message, "line 5");
    }
}

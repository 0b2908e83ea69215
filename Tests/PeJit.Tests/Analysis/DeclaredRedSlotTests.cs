using PeJit.Analysis.BindingTimes;
using PeJit.AnalysisSubjects;
using PeJit.IR;

namespace PeJit.Tests.Analysis;

/// <summary>
/// A declared red that lives in a slot (its address goes to a helper) is red in the slot, so every read of it in the
/// loop is red, even when every write through the address is green arithmetic on it. Left green, the specializer read
/// the slot's green contents, which no key sets (the value before the loop): the wasm example's compiled loop indexed
/// its stack at -1.
/// </summary>
[TestClass]
public sealed class DeclaredRedSlotTests
{
    [TestMethod]
    public void ADeclaredRedPassedByRefIsRedInItsSlotAndAtEveryRead()
    {
        var analyzed = AnalyzedPortal.Of(typeof(RedByRefPortals), nameof(RedByRefPortals.GreenWritesThroughTheAddress));
        Assert.IsFalse(analyzed.Errors.Any(), string.Join("\n", analyzed.Result.Diagnostics));
        var graph = analyzed.Graph;
        var sp = graph.Graph.Slots.Single(s => graph.Graph[s].Name == "sp");
        Assert.AreEqual(BindingTime.Red, graph.TimeOf(sp), "the slot of the declared red 'sp'");
        var reads = graph.Graph.Blocks.SelectMany(b => graph.Graph[b].Instructions)
            .Where(i => i.Opcode == Opcode.LoadSlot && i.Slot == sp).ToList();
        Assert.IsNotEmpty(reads);
        foreach (var read in reads)
            Assert.AreEqual(BindingTime.Red, graph.TimeOf(read.Result!.Value), $"the read at IL_{read.Location.ILOffset:x4}");
    }
}

using PeJit.IR;
using PeJit.Analysis.BindingTimes;
using PeJit.Analysis.Diagnostics;
using PeJit.TestSubjects;
using PeJit.AnalysisSubjects;
using static PeJit.Analysis.BindingTimes.BindingTime;

namespace PeJit.Tests.Analysis;

/// <summary>Green structs (ContextAnalyzer rule 7), on the fixture portals of PeJit.AnalysisSubjects/Structs.cs.</summary>
[TestClass]
public sealed class GreenStructTests
{
    [TestMethod]
    public void ARecordStructReadFromAGreenArrayStaysGreenThroughItsGetters()
    {
        var portal = AnalyzedPortal.Of(typeof(Structs), nameof(Structs.RecordStructFromGreenArray));
        Assert.IsEmpty(portal.Errors, string.Join("\n", portal.Errors.Select(e => e.Message)));
        Assert.AreEqual(Green, portal.TimeOf("pc"));
        Assert.AreEqual(Green, portal.TimeOf("op"), "get_Op called on the local's address");
        Assert.AreEqual(Green, portal.TimeOf("arg"));
        Assert.AreEqual(CallTreatment.Inline, portal.Call("get_Op").Treatment);
        Assert.AreEqual(Green, portal.GraphsOf("get_Op").Single().ReturnTime);
    }

    [TestMethod]
    public void AStructMethodWritingAGreenValueThroughThisKeepsTheLocalGreen()
    {
        var portal = AnalyzedPortal.Of(typeof(Structs), nameof(Structs.MutatingStructMethod));
        Assert.IsEmpty(portal.Errors, string.Join("\n", portal.Errors.Select(e => e.Message)));
        Assert.AreEqual(Green, portal.TimeOf("op"), "the instruction is not written through");
        Assert.AreEqual(Green, portal.TimeOf("advanced"), "Advance, a field writer, writes a green value through the cursor's address");
        Assert.AreEqual(CallTreatment.Inline, portal.Call("Advance").Treatment);
        Assert.IsTrue(WrittenSlots(portal.Graph).Contains("cursor"), "the report counts the writes");
    }

    [TestMethod]
    public void AWithExpressionOnAGreenRecordStructIsGreenWithAGreenValueAndRedWithARedOne()
    {
        var portal = AnalyzedPortal.Of(typeof(Structs), nameof(Structs.WithOnGreenRecordStruct));
        Assert.IsEmpty(portal.Errors, string.Join("\n", portal.Errors.Select(e => e.Message)));
        Assert.AreEqual(Green, portal.TimeOf("op"), "the original is not changed by the with expressions");
        Assert.AreEqual(Green, portal.TimeOf("twice"), "step with { Arg = step.Arg * 2 }: the init setter writes a green value");
        Assert.AreEqual(Red, portal.TimeOf("loadedArg"), "step with { Arg = <red> }");
        // The with expressions' temporary is one slot in IL; each gets its own (SlotVersions), built in the local it is
        // copied into (TemporaryCopies): 'loaded' has one red field, Arg; its other field stays green.
        Assert.IsFalse(portal.Graph.Graph.Slots.Any(s => portal.Graph.WriterReasonOf(s) is not null), "no struct red as a whole:\n" + portal.Graph.Print());
        var loaded = portal.Graph.Graph.Slots.Single(s => portal.Graph.Graph[s].Name == "loaded");
        var red = portal.Graph.RedFieldsOf(loaded);
        CollectionAssert.AreEqual(new[] { "<Arg>k__BackingField" }, red.Keys.ToArray(), portal.Graph.Print());
        StringAssert.Contains(red.Values.Single().Message, "is red: set_Arg writes the red");
        var root = portal.Graph.ReasonChain(red.Values.Single().Cause!.Value)[^1].Reason;
        Assert.AreEqual(RedReasonKind.DeclaredRed, root.Kind, "down to the red frame: " + root.Message);
    }

    [TestMethod]
    public void AStateStructWithARedFieldKeepsItsOtherFieldsGreen()
    {
        var portal = AnalyzedPortal.Of(typeof(Structs), nameof(Structs.StateStructWithRedAccumulator));
        Assert.IsEmpty(portal.Errors, string.Join("\n", portal.Errors.Select(e => e.Message + "\n" + e.Details)));
        Assert.AreEqual(Green, portal.TimeOf("pc"), "the program counter, read from the state's green field Pc");
        var state = portal.Graph.Graph.Slots.Single(s => portal.Graph.Graph[s].Name == "state");
        Assert.AreEqual(Green, portal.Graph.TimeOf(state), "not red as a whole");
        var red = portal.Graph.RedFieldsOf(state);
        CollectionAssert.AreEqual(new[] { "Acc" }, red.Keys.ToArray(), "Add reads and writes Acc alone");
        // Add reads the red Acc: it is called on an address the residual code holds, and writes Acc there.
        StringAssert.Contains(red["Acc"].Message, "the field Acc of the struct 'state' is red: Add writes the red", red["Acc"].Message);
        Assert.AreEqual(RedReasonKind.DeclaredRed, portal.Graph.ReasonChain(red["Acc"].Cause!.Value)[^1].Reason.Kind, "down to the red frame");
    }


    [TestMethod]
    public void AWithExpressionWhoseValueDependsOnABranchKeepsItsGreenFields()
    {
        var portal = AnalyzedPortal.Of(typeof(Structs), nameof(Structs.WithAfterABranch));
        Assert.IsEmpty(portal.Errors, string.Join("\n", portal.Errors.Select(e => e.Message + "\n" + e.Details)));
        Assert.AreEqual(Green, portal.TimeOf("arg"), "a green branch picks the value: the address taken before it is taken again after it\n" + portal.Graph.Print());
        Assert.AreEqual(Green, portal.TimeOf("op"), "a red branch picks one of two constants: green on each path\n" + portal.Graph.Print());
        Assert.IsFalse(portal.Graph.Graph.Slots.Any(s => portal.Graph.TimeOf(s) == Red || portal.Graph.IsPartlyRed(s)), "no struct local red:\n" + portal.Graph.Print());
    }

    [TestMethod]
    public void AFieldWriterCallingAHelperWritesWhatTheHelperComputes()
    {
        var portal = AnalyzedPortal.Of(typeof(Structs), nameof(Structs.SetterCallingAHelper));
        Assert.IsEmpty(portal.Errors, string.Join("\n", portal.Errors.Select(e => e.Message + "\n" + e.Details)));
        Assert.AreEqual(CallTreatment.Inline, portal.Call("set_Input").Treatment);
        Assert.AreEqual(Green, portal.TimeOf("value"), "the setter's pure helper computes a green value\n" + portal.Graph.Print());
        var scaled = portal.Graph.Graph.Slots.Single(s => portal.Graph.Graph[s].Name == "scaled");
        var red = portal.Graph.RedFieldsOf(scaled);
        CollectionAssert.AreEqual(new[] { "Offset" }, red.Keys.ToArray(), "Shift's helper reads a mutable static\n" + portal.Graph.Print());
        StringAssert.Contains(red["Offset"].Message, "Shift writes a red value it computes");
    }

    [TestMethod]
    public void AStateStructWhoseRedPartIsApartStaysGreenThroughFieldStores()
    {
        var portal = AnalyzedPortal.Of(typeof(Structs), nameof(Structs.StateStructWithAccumulatorApart));
        Assert.IsEmpty(portal.Errors, string.Join("\n", portal.Errors.Select(e => e.Message + "\n" + e.Details)));
        Assert.AreEqual(Green, portal.TimeOf("next"), "initobj, stfld and the field reads through the state's address are all green");
        Assert.AreEqual(Red, portal.TimeOf("acc"));
    }

    [TestMethod]
    public void TheWithRegisterMachineIsGreenThroughWithExpressionsRecordsAndMutatingMethods()
    {
        var portal = AnalyzedPortal.Of(typeof(WithVm), nameof(WithVm.Run));
        Assert.IsEmpty(portal.Errors, string.Join("\n", portal.Errors.Select(e => e.Message + "\n" + e.Details)));
        Assert.AreEqual(Green, portal.TimeOf("pc"));
        foreach (var writer in new[] { "set_C", "set_B", "set_Offset", "set_Factor", "Move" })
            Assert.AreEqual(CallTreatment.Inline, portal.Call(writer).Treatment, writer);
        var written = WrittenSlots(portal.Graph);
        Assert.IsTrue(written.Contains("operands") && written.Contains("cursor"), "the operands and the cursor: " + string.Join(", ", written));
        Assert.IsGreaterThanOrEqualTo(4, written.Count, "the temporaries of the with expressions, the operands, the cursor: " + string.Join(", ", written));
        Assert.IsFalse(portal.Portal.Reachable.Any(MadeRed), "no struct made red");
    }

    /// <summary>The slots (by name, or number for a temporary) whose green address a field writer writes through.</summary>
    private static List<string> WrittenSlots(AnnotatedGraph graph) =>
        graph.Graph.Blocks.SelectMany(b => graph.Graph[b].Instructions)
            .Where(i => i.Opcode == Opcode.SlotAddr && graph.TimeOf(i.Result!.Value) == Green && graph.IsWrittenAddress(i.Result!.Value))
            .Select(i => graph.Graph[i.Slot].Name ?? i.Slot.ToString()).Distinct().ToList();

    private static bool MadeRed(AnnotatedGraph graph) => graph.Graph.Slots.Any(s => graph.WriterReasonOf(s) is not null);
}

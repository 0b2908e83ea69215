using PeJit.Analysis.BindingTimes;
using PeJit.Analysis.Diagnostics;
using PeJit.Analysis.Reports;
using PeJit.AnalysisSubjects;
using PeJit.IR;

namespace PeJit.Tests.Analysis;

/// <summary>
/// Spans of arrays (Docs/bta.md rule 12, ContextAnalyzer rule 10), on <see cref="SpanReader"/>: a span of the green code at
/// green bounds is green, and so are the opcode read through it and the operands <c>BinaryPrimitives</c> and
/// <c>MemoryMarshal</c> read from its slices; a span over a red array stays red, with a reason that names the array.
/// </summary>
[TestClass]
public sealed class SpanAnalysisTests
{
    private static AnalyzedPortal Reader() => AnalyzedPortal.WithoutErrors(typeof(SpanReader), nameof(SpanReader.Run));

    [TestMethod]
    public void TheOpcodeAndTheOperandsReadThroughASpanOfTheGreenCodeAreGreen()
    {
        var reader = Reader();
        Assert.IsFalse(reader.Result.Diagnostics.Any(d => d.Code == DiagnosticCodes.RedDispatch),
            "the dispatch is on a green value: " + string.Join("\n", reader.Result.Diagnostics));
        foreach (var method in new[] { "op_Implicit", "AsSpan", ".ctor", "get_Item", "Slice", "get_Length", "ReadInt32LittleEndian", "ReadInt16BigEndian", "Read" })
            Assert.IsTrue(reader.Graph.Calls.Any(c => c.Key.Method!.Name == method && c.Value.Treatment == CallTreatment.GreenCall),
                $"a call of {method} runs while specializing:\n{reader.Graph.Print()}");
        var switches = reader.Graph.Graph.Blocks.SelectMany(b => reader.Graph.Graph[b].Instructions).Where(i => i.Opcode == Opcode.Switch).ToList();
        Assert.IsNotEmpty(switches);
        Assert.IsTrue(switches.All(s => reader.Graph.TimeOf(s.Operands[0]) == BindingTime.Green), reader.Graph.Print());
    }

    [TestMethod]
    public void ASpanOverARedArrayIsRedAndItsReasonNamesTheArray()
    {
        var reader = Reader();
        // `ReadOnlySpan<byte> data = scratch;`, and the element read through it.
        var made = reader.Graph.Calls.Keys.Where(c => c.Method!.Name == "op_Implicit" && reader.Graph.TimeOf(c.Result!.Value) == BindingTime.Red).ToList();
        Assert.HasCount(1, made, reader.Graph.Print());
        var chain = reader.Graph.ReasonChain(made[0].Result!.Value).Select(step => step.Reason.Message).ToList();
        Assert.IsTrue(chain.Any(step => step.Contains("the array of the span is the red")), "the chain says the span's array is red:\n" + string.Join("\n", chain));
        Assert.IsTrue(chain.Any(step => step.Contains("'scratch'")), "and names it:\n" + string.Join("\n", chain));
        Assert.AreEqual(CallTreatment.Residual, reader.Graph.Calls[made[0]].Treatment);
    }

    [TestMethod]
    public void TheBindingTimeReportOfTheSpanReaderIsGolden()
    {
        var reader = Reader();
        Golden.Check("Analysis/Reports/golden/SpanReader.bta.txt", TextReport.Write(reader.Result));
    }
}

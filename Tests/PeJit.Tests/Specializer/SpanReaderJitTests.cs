using PeJit.AnalysisSubjects;
using PeJit.IR;
using PeJit.IR.Text;
using PeJit.Runtime;
using PeJit.Tests.Examples;

namespace PeJit.Tests.Specializer;

/// <summary>
/// A bytecode reader written with spans (<see cref="SpanReader"/>, Docs/bta.md rule 12): the JIT-enabled run returns what the
/// plain one does, and the hot loop reads neither the code nor its operands (no switch, no read of the code array, no call
/// of a span method on it): the span of the green code is held green while specializing. What is left in the loop of span
/// code is the span over the red scratch array; the read past the code's end on a side the program never takes is a call
/// that throws, off the loop.
/// </summary>
[TestClass]
public sealed class SpanReaderJitTests
{
    public TestContext TestContext { get; set; } = null!;

    private static PortalJit Jit() => PortalJit.Create(typeof(SpanReader).GetMethod(nameof(SpanReader.Run))!, new JitSettings { Threshold = 2, Strict = true });

    public static IEnumerable<object[]> Programs =>
    [
        ["1000 turns", 1000, (short)258, 3L, 1000L],
        ["negative operands", -7, (short)-300, 1L << 40, 500L],
        ["one turn", 5, (short)1, 2L, 1L],
        ["3 turns", 123456, (short)0x7fff, long.MaxValue / 4, 3L],
    ];

    [TestMethod]
    [DynamicData(nameof(Programs))]
    public void TheJitEnabledRunReturnsWhatThePlainOneDoes(string name, int little, short big, long wide, long counter)
    {
        var jit = Jit();
        var code = SpanReader.Program(little, big, wide);
        long expected = SpanReader.Run(code, counter, SpanReader.Scratch());
        for (int run = 0; run < 3; run++)
        {
            var actual = run == 0 || counter < 100
                ? jit.Invoke(code, counter, SpanReader.Scratch())
                : JitDifferentialTests.AssertUnitsEntered(jit, name, () => jit.Invoke(code, counter, SpanReader.Scratch()));
            Assert.AreEqual(expected, (long)actual!, $"{name}, run {run}");
        }
    }

    [TestMethod]
    public void TheHotLoopReadsNoCodeAndDispatchesNothing()
    {
        var jit = Jit();
        var code = SpanReader.Program(1000, 258, 3);
        long expected = SpanReader.Run(code, 1000, SpanReader.Scratch());
        Assert.AreEqual(expected, (long)JitDifferentialTests.AssertUnitsEntered(jit, "1000 turns", () => jit.Invoke(code, 1000L, SpanReader.Scratch()))!);
        var unit = jit.Units.OrderByDescending(u => u.Unit.Keys.Count).First().Unit;
        var graph = unit.Residual;
        string text = IrPrinter.Print(graph);
        var loop = ResidualLoopCensus.Loops(graph).OrderByDescending(l => l.Census.Total).First().Loop;
        var instructions = loop.Blocks.SelectMany(b => graph[b].Instructions).ToList();
        TestContext.WriteLine($"SpanReader loop: {ResidualLoopCensus.Of(instructions)}");
        Assert.IsFalse(instructions.Any(i => i.Opcode == Opcode.Switch), $"no dispatch switch:\n{text}");
        Assert.IsFalse(instructions.Any(i => i.Opcode == Opcode.LoadElement && i.TypeOperand is { } t && t.ToString() == "u8"), $"no read of the code array:\n{text}");
        // The only span code left in the loop is the scratch array's: made, measured and indexed.
        var calls = instructions.Where(i => i.Opcode is Opcode.Call or Opcode.CallVirt or Opcode.NewObject).Select(i => i.Method!.Name).Distinct().ToList();
        Assert.IsTrue(calls.All(c => c is "op_Implicit" or "get_Length" or "get_Item"), $"no call but the scratch span's in the loop ({string.Join(", ", calls)}):\n{text}");
        // Widen's int64 read past the code's end, on the side the program never takes: a call that throws, with the span rebuilt.
        Assert.IsTrue(unit.Notes.Any(n => n.Contains("call to ReadInt64BigEndian") && n.Contains("ArgumentOutOfRangeException")),
            "the unit's notes say the read throws: " + string.Join("; ", unit.Notes));
        Assert.IsTrue(graph.Blocks.SelectMany(b => graph[b].Instructions).Any(i => i.Method?.Name == "ReadInt64BigEndian"), $"the throwing read is in the residual code:\n{text}");
    }
}

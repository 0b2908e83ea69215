using PeJit.AnalysisSubjects;
using PeJit.IR;
using PeJit.IR.Text;
using PeJit.Runtime;
using PeJit.Tests.Examples;

namespace PeJit.Tests.Specializer;

/// <summary>
/// A language interpreted from its source text through spans (<see cref="TextSpanForth"/>, Docs/bta.md rule 12): the span of
/// the green text and the <c>MemoryExtensions</c> queries on it (<c>StartsWith</c>, <c>SequenceEqual</c>, <c>IndexOf</c>) run
/// while specializing, so the hot loop compares no word; a query of a red string's span with a green one stays, the green
/// one rebuilt over the constant text. The JIT-enabled run returns what the plain one does, errors included.
/// </summary>
[TestClass]
public sealed class TextSpanForthJitTests
{
    public TestContext TestContext { get; set; } = null!;

    private static PortalJit Jit() => PortalJit.Create(typeof(TextSpanForth).GetMethod(nameof(TextSpanForth.Run))!, new JitSettings { Threshold = 2, Strict = true });

    public static IEnumerable<object[]> Programs =>
    [
        ["sum 1000", "0 1000 dup [ dup swap drop swap over + swap 1 - dup ] drop", "yes"],
        ["words yes", "0 300 dup [ swap :yes + :no 10 * + swap 1 - dup ] drop", "yes"],
        ["words no", "0 300 dup [ swap :yes + :no 10 * + swap 1 - dup ] drop", "no"],
        ["words neither", "0 300 dup [ swap :yes + :no 10 * + swap 1 - dup ] drop", "yesno"],
        ["words empty", "0 300 dup [ swap : + :no 10 * + swap 1 - dup ] drop", ""],
        ["no loop", "12345 67 + 2 *", ""],
        ["number at the end", "5 [ 0 ] 4000000000", ""],
    ];

    [TestMethod]
    [DynamicData(nameof(Programs))]
    public void TheJitEnabledRunReturnsWhatThePlainOneDoes(string name, string text, string word)
    {
        var jit = Jit();
        var source = new TextSpanForth.Source(text);
        object? expected;
        try { expected = TextSpanForth.Run(source, new long[16], word); }
        catch (Exception e) { expected = e.GetType(); }
        for (int run = 0; run < 3; run++)
        {
            object? actual;
            try { actual = jit.Invoke(source, new long[16], word); }
            catch (Exception e) { actual = e.GetType(); }
            Assert.AreEqual(expected, actual, $"{name}, run {run}");
        }
    }

    [TestMethod]
    public void AnUnknownWordThrowsAsPlainDoesFromCompiledCode()
    {
        var jit = Jit();
        // The loop gets hot first, then a word no branch knows: the same exception, with the same message.
        var source = new TextSpanForth.Source("0 50 dup [ swap 1 + swap 1 - dup ] drop x");
        var plain = Assert.Throws<InvalidOperationException>(() => TextSpanForth.Run(source, new long[16], ""));
        for (int run = 0; run < 3; run++)
        {
            var compiled = Assert.Throws<InvalidOperationException>(() => jit.Invoke(source, new long[16], ""));
            Assert.AreEqual(plain.Message, compiled.Message, $"run {run}");
        }
    }

    [TestMethod]
    public void TheHotLoopComparesNoGreenWord()
    {
        var jit = Jit();
        var source = TextSpanForth.Sum(1000);
        long expected = TextSpanForth.Run(source, new long[16], "");
        Assert.AreEqual(expected, (long)JitDifferentialTests.AssertUnitsEntered(jit, "sum", () => jit.Invoke(source, new long[16], ""))!);
        var (instructions, text) = HotLoop(jit);
        Assert.IsFalse(instructions.Any(i => i.Opcode == Opcode.Switch), $"no dispatch switch:\n{text}");
        // What is left of span code: the number `1`, parsed by a call PeJit does not run, on the span rebuilt over the text.
        var calls = instructions.Where(i => i.Opcode is Opcode.Call or Opcode.CallVirt or Opcode.NewObject).Select(i => i.Method!.Name).Distinct().ToList();
        Assert.IsTrue(calls.All(c => c is "Parse" or "AsSpan"), $"no word compared, no character read in the loop ({string.Join(", ", calls)}):\n{text}");
        Assert.IsFalse(instructions.Any(i => i.Opcode == Opcode.Call && i.Method!.Name == "get_Chars"), $"no character of the text read:\n{text}");
    }

    [TestMethod]
    public void AQueryOfARedSpanStaysWithTheGreenSpanRebuilt()
    {
        var jit = Jit();
        var source = TextSpanForth.Words(300);
        long expected = TextSpanForth.Run(source, new long[16], "no");
        Assert.AreEqual(expected, (long)JitDifferentialTests.AssertUnitsEntered(jit, "words", () => jit.Invoke(source, new long[16], "no"))!);
        var (instructions, text) = HotLoop(jit);
        var names = instructions.Where(i => i.Opcode is Opcode.Call or Opcode.NewObject).Select(i => i.Method!.Name).ToList();
        Assert.AreEqual(2, names.Count(n => n == "SequenceEqual"), $"`:yes` and `:no` compare the red word:\n{text}");
        Assert.IsFalse(names.Any(n => n is "StartsWith" or "IndexOf" or "Slice" or "get_Item"), $"no query of the green text is left:\n{text}");
    }

    private (List<Instruction> Instructions, string Text) HotLoop(PortalJit jit)
    {
        var graph = jit.Units.OrderByDescending(u => u.Unit.Keys.Count).First().Unit.Residual;
        string text = IrPrinter.Print(graph);
        var loop = ResidualLoopCensus.Loops(graph).OrderByDescending(l => l.Census.Total).First().Loop;
        var instructions = loop.Blocks.SelectMany(b => graph[b].Instructions).ToList();
        TestContext.WriteLine($"TextSpanForth loop: {ResidualLoopCensus.Of(instructions)}");
        return (instructions, text);
    }
}

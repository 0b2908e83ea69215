using PeJit.AnalysisSubjects;

namespace PeJit.Tests.Frontend.Evaluation;

/// <summary>
/// Differential: the span reader (<see cref="SpanReader"/>), run by evaluating its flow graph, returns what the compiled
/// method does; the evaluator holds its spans as <c>SpanValue</c>s (a span cannot be boxed), as the specializer holds a green
/// one. A read past a span's end throws .NET's own exception.
/// </summary>
[TestClass]
public sealed class SpanEvaluationTests
{
    [TestMethod]
    [DataRow(1000, (short)258, 3L, 20L)]
    [DataRow(-7, (short)-300, 1L << 40, 5L)]
    [DataRow(5, (short)1, 2L, 1L)]
    public void TheSpanReaderEvaluatesLikeTheCompiledMethod(int little, short big, long wide, long counter)
    {
        var (evaluator, portal) = ExampleEvaluationTests.EvaluatorFor(typeof(SpanReader).GetMethod(nameof(SpanReader.Run))!);
        var code = SpanReader.Program(little, big, wide);
        long expected = SpanReader.Run(code, counter, SpanReader.Scratch());
        Assert.AreEqual(expected, evaluator.Evaluate(portal, [code, counter, SpanReader.Scratch()]));
    }

    [TestMethod]
    public void AReadPastTheSpansEndThrowsWhatDotnetThrows()
    {
        var (evaluator, portal) = ExampleEvaluationTests.EvaluatorFor(typeof(SpanReader).GetMethod(nameof(SpanReader.Run))!);
        // The loop's jump target read from a 4-byte slice that is not there: the code ends right after the opcode.
        var code = new SpanReader.Code([(byte)SpanReader.Op.Loop, 0]);
        Assert.Throws<ArgumentOutOfRangeException>(() => SpanReader.Run(code, 5, SpanReader.Scratch()));
        Assert.Throws<ArgumentOutOfRangeException>(() => evaluator.Evaluate(portal, [code, 5L, SpanReader.Scratch()]));
        // An opcode past the end: the indexer's IndexOutOfRangeException.
        var empty = new SpanReader.Code([(byte)SpanReader.Op.AddRemaining]);
        Assert.Throws<IndexOutOfRangeException>(() => SpanReader.Run(empty, 5, SpanReader.Scratch()));
        Assert.Throws<IndexOutOfRangeException>(() => evaluator.Evaluate(portal, [empty, 5L, SpanReader.Scratch()]));
    }
}

/// <summary>
/// Differential: the stack language read from its text through spans (<see cref="TextSpanForth"/>), run by evaluating its
/// flow graph, returns what the compiled method does: spans of strings, the <c>MemoryExtensions</c> queries, a red string's
/// span, and an unknown character's exception.
/// </summary>
[TestClass]
public sealed class TextSpanEvaluationTests
{
    [TestMethod]
    [DataRow("0 30 dup [ dup swap drop swap over + swap 1 - dup ] drop", "")]
    [DataRow("0 20 dup [ swap :yes + :no 10 * + swap 1 - dup ] drop", "no")]
    [DataRow("0 20 dup [ swap :yes + :no 10 * + swap 1 - dup ] drop", "yes")]
    [DataRow("12345 67 + 2 *", "")]
    public void TheTextSpanForthEvaluatesLikeTheCompiledMethod(string text, string word)
    {
        var (evaluator, portal) = ExampleEvaluationTests.EvaluatorFor(typeof(TextSpanForth).GetMethod(nameof(TextSpanForth.Run))!);
        var source = new TextSpanForth.Source(text);
        long expected = TextSpanForth.Run(source, new long[16], word);
        Assert.AreEqual(expected, evaluator.Evaluate(portal, [source, new long[16], word]));
    }

    [TestMethod]
    public void AnUnknownCharacterThrowsWhatTheCompiledMethodThrows()
    {
        var (evaluator, portal) = ExampleEvaluationTests.EvaluatorFor(typeof(TextSpanForth).GetMethod(nameof(TextSpanForth.Run))!);
        var source = new TextSpanForth.Source("1 2 x");
        var plain = Assert.Throws<InvalidOperationException>(() => TextSpanForth.Run(source, new long[16], ""));
        var evaluated = Assert.Throws<InvalidOperationException>(() => evaluator.Evaluate(portal, [source, new long[16], ""]));
        Assert.AreEqual(plain.Message, evaluated.Message);
    }
}

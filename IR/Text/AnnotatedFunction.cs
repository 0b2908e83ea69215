namespace PeJit.IR.Text;

/// <summary>
/// A function read from text with its binding-time annotations (<see cref="IrParser.ParseAnnotated"/>). The IR
/// knows binding times only as the words the analysis prints, <c>green</c> and <c>red</c>, so that it need not
/// reference the analysis.
/// </summary>
/// <param name="Graph">The function.</param>
/// <param name="BindingTimes">Per annotated value: <c>green</c> or <c>red</c>; values printed without one are absent.</param>
public sealed record AnnotatedFunction(FlowGraph Graph, IReadOnlyDictionary<Value, string> BindingTimes)
{
    /// <summary>Prints the function with its annotations, as the analysis printed it.</summary>
    public string Print() => IrPrinter.Print(Graph, value => BindingTimes.GetValueOrDefault(value));
}

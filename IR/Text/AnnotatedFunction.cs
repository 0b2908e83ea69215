namespace PeJit.IR.Text;

/// <summary>
/// A function read from text with its binding-time annotations (<see cref="IrParser.ParseAnnotated"/>). The IR
/// knows binding times only as the words the analysis prints, <c>green</c> and <c>red</c>, so that it need not
/// reference the analysis.
/// </summary>
/// <remarks>
/// The annotations are kept in the IR's map (<see cref="TimeOf"/>), not a <c>Dictionary&lt;Value, string&gt;</c>: a
/// JIT-enabled process reads its stored flow graphs when a portal is first prepared, and a framework dictionary keyed
/// by a struct of PeJit's is compiled by .NET then (Docs/PERFORMANCE.md, warm-up). <see cref="BindingTimes"/> makes
/// the dictionary only when asked (build time and tests).
/// </remarks>
public sealed class AnnotatedFunction
{
    private readonly ValueMap<string> times;
    private readonly List<Value> annotated;
    private IReadOnlyDictionary<Value, string>? bindingTimes;

    /// <summary>A function and its annotations: <paramref name="times"/> per value, <paramref name="annotated"/> the annotated values in the order read.</summary>
    public AnnotatedFunction(FlowGraph graph, ValueMap<string> times, List<Value> annotated)
    {
        Graph = graph;
        this.times = times;
        this.annotated = annotated;
    }

    /// <summary>The function.</summary>
    public FlowGraph Graph { get; }

    /// <summary>The binding time of <paramref name="value"/>: <c>green</c> or <c>red</c>; null for a value printed without one.</summary>
    public string? TimeOf(Value value) => times.GetValueOrDefault(value);

    /// <summary>Per annotated value: <c>green</c> or <c>red</c>; values printed without one are absent.</summary>
    public IReadOnlyDictionary<Value, string> BindingTimes
    {
        get
        {
            if (bindingTimes is null)
            {
                var map = new Dictionary<Value, string>();
                foreach (var value in annotated) map[value] = times[value];
                bindingTimes = map;
            }
            return bindingTimes;
        }
    }

    /// <summary>Prints the function with its annotations, as the analysis printed it.</summary>
    public string Print() => IrPrinter.Print(Graph, TimeOf);
}

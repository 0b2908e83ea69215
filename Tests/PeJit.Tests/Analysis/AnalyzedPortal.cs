using PeJit.Analysis;
using PeJit.Analysis.BindingTimes;
using PeJit.Analysis.Diagnostics;
using PeJit.IR;
using PeJit.Tests.Frontend;

namespace PeJit.Tests.Analysis;

/// <summary>One fixture portal analyzed alone, with lookups of values by their source names.</summary>
internal sealed class AnalyzedPortal
{
    private AnalyzedPortal(AnalysisResult result) => Result = result;

    public AnalysisResult Result { get; }

    public PortalAnalysis Portal => Result.Portals.Single();

    public AnnotatedGraph Graph => Portal.Graph ?? throw new AssertFailedException("the portal has no annotated graph");

    public IEnumerable<Diagnostic> Errors => Result.Diagnostics.Where(d => d.Severity == Severity.Error);

    /// <summary>Analyzes the portal method <paramref name="name"/> of <paramref name="type"/> in its assembly.</summary>
    public static AnalyzedPortal Of(Type type, string name)
    {
        var module = ModuleCache.Of(type.Assembly);
        return new AnalyzedPortal(BindingTimeAnalysis.Analyze(module, m => m.DeclaringType.FullName == type.FullName && m.Name == name));
    }

    /// <summary><see cref="Of"/>, failing the test with each error's message and details if the analysis reported any.</summary>
    public static AnalyzedPortal WithoutErrors(Type type, string name)
    {
        var analyzed = Of(type, name);
        Assert.IsEmpty(analyzed.Errors, string.Join("\n", analyzed.Errors.Select(e => e.Message + "\n" + e.Details)));
        return analyzed;
    }

    /// <summary>The graphs the portal reaches for a method name (one per signature).</summary>
    public IReadOnlyList<AnnotatedGraph> GraphsOf(string method) =>
        Portal.Reachable.Where(g => g.Method.Name == method).ToList();

    /// <summary>Every value named <paramref name="variable"/> in <paramref name="graph"/> (a variable has one SSA value per assignment).</summary>
    public static IReadOnlyList<Value> Named(AnnotatedGraph graph, string variable)
    {
        var values = graph.Graph.Values.Where(v => graph.Graph[v].Name == variable
            && (graph.Graph[v].DefiningInstruction is not null || graph.Graph[v].ParameterOf is not null)).ToList();
        Assert.IsNotEmpty(values, $"no value named '{variable}' in {graph.Name}:\n{graph.Print()}");
        return values;
    }

    /// <summary>The binding time every value of <paramref name="variable"/> has; fails if they differ.</summary>
    public static BindingTime TimeOf(AnnotatedGraph graph, string variable)
    {
        var times = Named(graph, variable).Select(graph.TimeOf).Distinct().ToList();
        Assert.HasCount(1, times, $"'{variable}' is green in some places and red in others:\n{graph.Print()}");
        return times[0];
    }

    public BindingTime TimeOf(string variable) => TimeOf(Graph, variable);

    /// <summary>The reason chain of the first red value named <paramref name="variable"/>, as "kind: message" lines.</summary>
    public static IReadOnlyList<(RedReasonKind Kind, string Message)> Chain(AnnotatedGraph graph, string variable)
    {
        var red = Named(graph, variable).First(v => graph.TimeOf(v) == BindingTime.Red);
        return graph.ReasonChain(red).Select(step => (step.Reason.Kind, step.Reason.Message)).ToList();
    }

    /// <summary>The decision for the (only) call of <paramref name="method"/> in the portal graph, or the one with the given treatment.</summary>
    public CallDecision Call(string method, CallTreatment? treatment = null)
    {
        var calls = Graph.Calls.Where(c => c.Key.Method!.Name == method && (treatment is null || c.Value.Treatment == treatment)).ToList();
        Assert.IsNotEmpty(calls, $"no call of {method}{(treatment is null ? "" : $" treated {treatment}")} in {Graph.Name}");
        return calls[0].Value;
    }
}

using PeJit.Frontend.Resolution;
using System.Reflection;
using PeJit.Frontend.Construction;
using PeJit.IR.Evaluation;
using PeJit.IR.Semantics;
using PeJit.IR;
using PeJit.IR.Text;
using PeJit.IR.Verification;
using PeJit.TestSubjects;

namespace PeJit.Tests.Frontend;

/// <summary>
/// Every test subject (real C#, one CIL construct family per file) through the whole frontend: converted,
/// verified, printed and parsed back to an equal graph, and evaluated on each sample against the real method.
/// </summary>
[TestClass]
public sealed class SubjectTests
{
    public static IEnumerable<object[]> Subjects =>
        Catalog.Subjects().Select(m => new object[] { $"{m.DeclaringType!.Name}.{m.Name}" });

    private static readonly Dictionary<string, MethodInfo> ByName =
        Catalog.Subjects().ToDictionary(m => $"{m.DeclaringType!.Name}.{m.Name}");

    private static FlowGraph Convert(MethodInfo method)
    {
        var result = new MethodConverter().Convert(ModuleCache.Definition(method));
        Assert.IsNotNull(result.Graph, $"{method.Name} is opaque: {result.OpaqueReason}");
        return result.Graph;
    }

    [TestMethod]
    [DynamicData(nameof(Subjects))]
    public void ConvertsToAVerifierCleanGraph(string subject)
    {
        var graph = Convert(ByName[subject]);
        var errors = Verifier.Verify(graph);
        Assert.IsEmpty(errors, string.Join("\n", errors) + "\n" + IrPrinter.Print(graph));
    }

    [TestMethod]
    [DynamicData(nameof(Subjects))]
    public void PrintsAndParsesBackToAnEqualGraph(string subject)
    {
        var graph = Convert(ByName[subject]);
        string text = IrPrinter.Print(graph);
        var parsed = IrParser.Parse(text);
        Assert.AreEqual(text, IrPrinter.Print(parsed));
        var differences = GraphComparer.Differences(graph, parsed);
        Assert.IsEmpty(differences, string.Join("\n", differences));
    }

    [TestMethod]
    [DynamicData(nameof(Subjects))]
    public void EvaluatesLikeTheRealMethod(string subject)
    {
        var method = ByName[subject];
        var graph = Convert(method);
        // Calls into the subjects' own assembly are evaluated on their graphs too, so helpers (ref returns
        // included) run through the evaluator; everything else is called for real.
        var converter = new MethodConverter();
        var evaluator = new GraphEvaluator(new CecilReflectionResolver())
        {
            GraphProvider = callee => callee.Cecil?.Resolve() is { HasBody: true } definition
                && definition.Module.Assembly.Name.Name == typeof(Catalog).Assembly.GetName().Name
                ? converter.Convert(ModuleCache.Definition(typeof(Catalog).Module.ResolveMethod(definition.MetadataToken.ToInt32())!)).Graph
                : null,
        };
        foreach (var sample in method.GetCustomAttributes<SampleAttribute>())
        {
            var expected = Outcome.Of(() => method.Invoke(null, (object?[])sample.Args.Clone()));
            var actual = Outcome.Of(() => evaluator.Evaluate(graph, (object?[])sample.Args.Clone()));
            // A documented limit of the evaluator: ref struct locals (spans, handlers other than string interpolation's,
            // which InterpolatedStringHandlerShim stands for) cannot be boxed, so a method holding one cannot be
            // evaluated; reported, not passed.
            if (actual.Text.Contains(nameof(EvaluationException)) && actual.Text.Contains("ref struct"))
                Assert.Inconclusive(actual.Text);
            Assert.AreEqual(expected, actual, $"{subject}({string.Join(", ", sample.Args)})\n{IrPrinter.Print(graph)}");
        }
    }
}

using PeJit.Frontend.Resolution;
using System.Reflection;
using PeJit.Frontend.Construction;
using PeJit.IR.Evaluation;
using PeJit.IR.Semantics;
using PeJit.IR;
using Vm = PeJit.Examples.StackVm;
using Bf = PeJit.Examples.Brainfuck;

namespace PeJit.Tests.Frontend.Evaluation;

/// <summary>
/// Differential: every program of both examples, run by evaluating the portal's flow graph (and the graphs
/// of the interpreter's helpers), prints and returns exactly what the compiled interpreter does.
/// </summary>
[TestClass]
public sealed class ExampleEvaluationTests
{
    private static readonly Dictionary<string, long[]> SmallArguments = new()
    {
        ["count"] = [300], ["factorial"] = [15], ["fib"] = [10], ["nested"] = [12], ["long"] = [200],
    };

    public static IEnumerable<object[]> StackVmPrograms => Vm.Programs.Names.Select(n => new object[] { n });

    public static IEnumerable<object[]> BrainfuckPrograms => Bf.Programs.Names.Where(n => n != "long").Select(n => new object[] { n });

    /// <summary>An evaluator that looks into every method of the interpreter's own assembly.</summary>
    internal static (GraphEvaluator Evaluator, FlowGraph Portal) EvaluatorFor(MethodInfo portal)
    {
        var module = AssemblyLoader.Load(portal.Module.Assembly.Location);
        var converter = new MethodConverter();
        var graphs = new Dictionary<string, FlowGraph?>();
        FlowGraph? GraphOf(MethodRef method)
        {
            if (graphs.TryGetValue(method.FullName, out var known)) return known;
            var definition = method.Cecil?.Resolve();
            var graph = definition is { HasBody: true } && definition.Module.Assembly.Name.Name == module.Assembly.Name.Name
                ? converter.Convert(module.LookupToken(definition.MetadataToken) as Mono.Cecil.MethodDefinition ?? definition).Graph
                : null;
            return graphs[method.FullName] = graph;
        }
        var evaluator = new GraphEvaluator(new CecilReflectionResolver()) { GraphProvider = GraphOf };
        var portalGraph = converter.Convert((Mono.Cecil.MethodDefinition)module.LookupToken(portal.MetadataToken)).Graph!;
        return (evaluator, portalGraph);
    }

    [TestMethod]
    [DynamicData(nameof(StackVmPrograms))]
    public void StackVmProgramsEvaluateLikeTheCompiledInterpreter(string name)
    {
        var (evaluator, portal) = EvaluatorFor(Vm.Runner.Portal);
        var args = SmallArguments[name];
        var expectedOutput = new StringWriter();
        long expected = Vm.Runner.Run(Vm.Programs.Source(name), expectedOutput, args);
        var output = new StringWriter();
        var result = evaluator.Evaluate(portal, Vm.Runner.PortalArguments(Vm.Programs.Source(name), output, args));
        Assert.AreEqual(expected, result);
        Assert.AreEqual(expectedOutput.ToString(), output.ToString());
    }

    [TestMethod]
    [DynamicData(nameof(BrainfuckPrograms))]
    public void BrainfuckProgramsEvaluateLikeTheCompiledInterpreter(string name)
    {
        var (evaluator, portal) = EvaluatorFor(Bf.Runner.Portal);
        var expectedOutput = new StringWriter();
        int expected = Bf.Runner.Run(Bf.Programs.Source(name), expectedOutput);
        var output = new StringWriter();
        var result = evaluator.Evaluate(portal, Bf.Runner.PortalArguments(Bf.Programs.Source(name), output));
        Assert.AreEqual(expected, result);
        Assert.AreEqual(expectedOutput.ToString(), output.ToString());
    }

    [TestMethod]
    public void AnExceptionOfTheEvaluatedCodeComesOutAsItself()
    {
        var (evaluator, portal) = EvaluatorFor(Vm.Runner.Portal);
        const string source = "func main 0 1\n    push 1\n    push 0\n    div\n    ret\nend\n";
        var error = Assert.Throws<DivideByZeroException>(() => evaluator.Evaluate(portal, Vm.Runner.PortalArguments(source, TextWriter.Null)));
        Assert.AreEqual(new DivideByZeroException().Message, error.Message);
    }

    [TestMethod]
    public void TheStepLimitStopsARunawayEvaluation()
    {
        var (evaluator, portal) = EvaluatorFor(Vm.Runner.Portal);
        evaluator.MaxSteps = 1000;
        StringAssert.Contains(Assert.Throws<EvaluationException>(() => evaluator.Evaluate(portal, Vm.Runner.PortalArguments(Vm.Programs.Source("count"), TextWriter.Null, 100000))).Message, "MaxSteps");
    }
}

using PeJit.Generator;
using PeJit.Frontend.Resolution;
using PeJit.AnalysisSubjects;
using PeJit.IR.Evaluation;
using PeJit.IR.Semantics;
using PeJit.IR;
using PeJit.Specializer.Engine;
using PeJit.Specializer.Extension;
using PeJit.Tests.Analysis;

namespace PeJit.Tests.Specializer.Extension;

/// <summary>
/// Green loads and calls run through delegates compiled with the extension, not reflection: on the rule
/// portals an <c>[Elidable]</c> call and readonly field loads of the green code run through compiled lambdas
/// (counted), give the residual code their values as constants, and a green call that throws is a call in the
/// residual code that throws there. The extension of a bundled interpreter compiles, and its dump names every op.
/// </summary>
[TestClass]
public sealed class GreenAccessTests
{
    private static UnitSpecializer Engine(string portal)
    {
        var resolver = new CecilReflectionResolver();
        return new(ExtensionCompiler.Compile(AnalyzedPortal.Of(typeof(Rules), portal).Portal, resolver), resolver);
    }

    private static IEnumerable<ExtensionOp> Ops(ExtensionProgram program) =>
        program.Graphs.SelectMany(g => g.Blocks.SelectMany(b => b));

    [TestMethod]
    public void AnElidableCallRunsThroughACompiledDelegate()
    {
        var engine = Engine(nameof(Rules.Elidable));
        var code = new Code([1, 2, 3], [100, 200, 300]);
        var unit = engine.Specialize(new GreenKey([0, code]));
        var call = Ops(engine.Extension).Single(o => o.Green == GreenOperation.Access && o.AccessName!.Contains("LookUp"));
        Assert.AreEqual(ExtensionOpKind.Call, call.Kind);
        Assert.IsTrue(call.AccessCompiled, "a compiled lambda, not MethodInfo.Invoke");
        Assert.IsGreaterThan(0, call.AccessRuns, "the green call ran while specializing");
        var residual = unit.Residual;
        var constants = residual.Blocks.SelectMany(b => residual[b].Instructions).Where(i => i.Opcode == Opcode.Const).Select(i => i.Integer).ToList();
        CollectionAssert.Contains(constants, 100L, "LookUp(code, 0) = 100 is a constant of the residual code");
    }

    [TestMethod]
    public void GreenFieldLoadsRunThroughCompiledDelegates()
    {
        var engine = Engine(nameof(Rules.ImmutableFields));
        var code = new Code([5, 6, 7], [0]);
        engine.Specialize(new GreenKey([0, code]));
        var loads = Ops(engine.Extension).Where(o => o.Instruction.Opcode == Opcode.LoadField && o.Green == GreenOperation.Access).ToList();
        Assert.IsNotEmpty(loads, "the green code's readonly fields are loaded while specializing");
        Assert.IsTrue(loads.All(o => o.AccessCompiled), string.Join(", ", loads.Select(o => o.AccessName)));
        Assert.IsTrue(loads.Any(o => o.AccessName!.Contains("Ops") && o.AccessRuns > 0), "Code::Ops was read through its delegate");
        var elements = Ops(engine.Extension).Where(o => o.Instruction.Opcode == Opcode.LoadElement && o.ResultIsGreen).ToList();
        Assert.IsTrue(elements.All(o => o.Green == GreenOperation.Access && o.AccessCompiled), "green element loads too");
    }

    [TestMethod]
    public void AGreenCallThatThrowsIsACallThatThrowsInTheResidualCode()
    {
        // The interpreter, at this pc with this code, throws in LookUp; so does compiled code, at the same point, by making the
        // call there with the greens as constants (the path ends after it). The unit is not refused for it.
        var engine = Engine(nameof(Rules.Elidable));
        var code = new Code([1], []);   // LookUp divides by Constants.Length
        var unit = engine.Specialize(new GreenKey([0, code]));
        var residual = unit.Residual;
        var calls = residual.Blocks.SelectMany(b => residual[b].Instructions).Where(i => i.Method?.Name == "LookUp").ToList();
        Assert.IsNotEmpty(calls, "the throwing call is made by the residual code");
        Assert.IsTrue(unit.Notes.Any(n => n.Contains("the green call to LookUp") && n.Contains("throws DivideByZeroException")), string.Join("; ", unit.Notes));
    }

    [TestMethod]
    public void TheBrainfuckExtensionCompilesEveryLoadAndCall()
    {
        var jit = PeJit.Runtime.PortalJit.Create(PeJit.Examples.Brainfuck.Runner.Portal);
        var program = ExtensionCompiler.Compile(jit.Analysis, new CecilReflectionResolver());
        var accesses = Ops(program).Where(o => o.Green == GreenOperation.Access).ToList();
        Assert.IsNotEmpty(accesses);
        Assert.IsTrue(accesses.All(o => o.AccessCompiled), string.Join(", ", accesses.Where(o => !o.AccessCompiled).Select(o => o.AccessName)));
    }

    [TestMethod]
    public void TheStackVmExtensionCompilesAndPrints()
    {
        var jit = PeJit.Runtime.PortalJit.Create(PeJit.Examples.StackVm.Runner.Portal);
        var program = ExtensionCompiler.Compile(jit.Analysis, new CecilReflectionResolver());
        string text = program.Print();
        Assert.IsGreaterThan(1, program.Graphs.Count, "the portal and the helpers it inlines");
        Assert.IsGreaterThan(0, program.AccessDelegates);
        foreach (var graph in program.Graphs)
        {
            StringAssert.Contains(text, "graph " + graph.Name);
            Assert.AreEqual(graph.Graph.ValueCount, graph.IntCount + graph.FloatCount + graph.RefCount, "one register per value");
        }
        StringAssert.Contains(text, "Int32Arithmetic");
        Assert.IsFalse(Ops(program).Any(o => o.Green == GreenOperation.Access && !o.AccessCompiled), "every load and call compiled");
    }
}

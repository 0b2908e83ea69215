using Opcode = PeJit.IR.Opcode;
using PeJit.IR.Text;
using PeJit.Runtime;
using PeJit.TestSubjects;
using static PeJit.TestSubjects.VisitorTreeWalker;

namespace PeJit.Tests.Runtime;

/// <summary>
/// <see cref="VisitorTreeWalker"/>, a jlox-style tree-walker: boxed values, a visitor interface the sealed interpreter
/// implements and passes itself to, an instance portal. JIT-enabled it computes what the plain walker computes, over the
/// visitor returning <c>object</c> and over the generic one; the visitor calls on <c>this</c> are resolved and inlined (the
/// portal's <c>this</c> is of a sealed class, so its class is green); and where a call inside the generic <c>Accept&lt;R&gt;</c>
/// stays a call, its residual code names the instantiation (<c>R</c> = <c>object</c>).
/// </summary>
[TestClass]
public sealed class VisitorTreeWalkerJitTests
{
    private static readonly double[] Sizes = [0, 1, 3, 10, 1000];

    /// <summary>Runs the program's prologue (every statement before its loop) on <paramref name="evaluate"/>, then the loop through <paramref name="loop"/>.</summary>
    private static void Run(Block program, Func<Node, object?> evaluate, Action<While> loop)
    {
        foreach (var statement in program.Statements)
            if (statement is While w) loop(w);
            else evaluate(statement);
    }

    private static object?[] Plain(double n, bool strings)
    {
        var interpreter = new Interpreter(4);
        interpreter.Evaluate(Sum(n, strings));
        return interpreter.Locals;
    }

    [TestMethod]
    public void TheObjectVisitorComputesWhatThePlainWalkerComputes()
    {
        foreach (bool strings in new[] { false, true })
            foreach (double n in Sizes)
            {
                var jit = PortalJit.Create(typeof(Interpreter).GetMethod(nameof(Interpreter.VisitWhile))!, new JitSettings { Threshold = 3 });
                var interpreter = new Interpreter(4);
                Specializer.JitDifferentialTests.AssertUnitsEntered(jit, $"sum {n}", () =>
                {
                    Run(Sum(n, strings), interpreter.Evaluate, w => jit.Invoke(interpreter, w));
                    return null;
                }, expected: n >= 3);
                CollectionAssert.AreEqual(Plain(n, strings), interpreter.Locals, $"sum {n}, strings {strings}");
            }
    }

    [TestMethod]
    public void TheVisitorCallsOnThisAreInlined()
    {
        var jit = PortalJit.Create(typeof(Interpreter).GetMethod(nameof(Interpreter.VisitWhile))!, new JitSettings { Threshold = 3 });
        var interpreter = new Interpreter(4);
        Run(Sum(100), interpreter.Evaluate, w => jit.Invoke(interpreter, w));
        var graph = jit.Units.Single().Unit.Residual;
        string text = IrPrinter.Print(graph);
        // Calls on the paths that throw (the error message's string interpolation) stay calls.
        var calls = graph.Blocks.SelectMany(b => graph[b].Instructions)
            .Where(i => i.Opcode is Opcode.Call or Opcode.CallVirt && i.Method!.Name is "Evaluate" or "Accept" || i.Method?.Name.StartsWith("Visit", StringComparison.Ordinal) == true)
            .ToList();
        Assert.IsEmpty(calls, "no visitor call left: Evaluate, Accept and the visitor's methods are inlined:\n" + text);
    }

    [TestMethod]
    public void TheGenericVisitorComputesWhatThePlainWalkerComputes()
    {
        foreach (double n in Sizes)
        {
            var jit = PortalJit.Create(typeof(GenericInterpreter).GetMethod(nameof(GenericInterpreter.VisitWhile))!, new JitSettings { Threshold = 3 });
            var interpreter = new GenericInterpreter(4);
            Specializer.JitDifferentialTests.AssertUnitsEntered(jit, $"sum {n}", () =>
            {
                Run(Sum(n, strings: true), interpreter.Evaluate, w => jit.Invoke(interpreter, w));
                return null;
            }, expected: n >= 3);
            CollectionAssert.AreEqual(Plain(n, strings: true), interpreter.Locals, $"sum {n}");
        }
    }

    /// <summary>
    /// Where a call inside the generic <c>Accept&lt;R&gt;</c> stays a call (here past a small inlining depth), its residual code
    /// names what <c>R</c> is at the call that reached it, <c>object</c>: the specializer instantiates the inlined generic
    /// method's code (the call of <c>IVisitor`1&lt;System.Object&gt;::VisitAssign</c>), so the loop compiles and computes the same.
    /// </summary>
    [TestMethod]
    public void AGenericVisitorCallLeftResidualNamesTheInstantiation()
    {
        var log = new StringWriter();
        var jit = PortalJit.Create(typeof(GenericInterpreter).GetMethod(nameof(GenericInterpreter.VisitWhile))!,
            new JitSettings { Threshold = 3, Log = log, Specialization = new PeJit.Specializer.Engine.SpecializationSettings { MaxInliningDepth = 5 } });
        var interpreter = new GenericInterpreter(4);
        Run(Sum(1000, strings: true), interpreter.Evaluate, w => jit.Invoke(interpreter, w));
        CollectionAssert.AreEqual(Plain(1000, strings: true), interpreter.Locals);
        Assert.IsNotEmpty(jit.Units, log.ToString());
        var graph = jit.Units.Single().Unit.Residual;
        string text = IrPrinter.Print(graph);
        var calls = graph.Blocks.SelectMany(b => graph[b].Instructions).Where(i => i.Method?.Name.StartsWith("Visit", StringComparison.Ordinal) == true).ToList();
        Assert.IsNotEmpty(calls, "a visitor call past the inlining depth stays a call:\n" + text);
        foreach (var call in calls)
            StringAssert.Contains(call.Method!.FullName, "IVisitor`1<System.Object>", "the call names the closed interface:\n" + text);
        Assert.DoesNotContain("generic \"R\"", text, "no residual type is the generic parameter");
        Assert.DoesNotContain("<R>", text, "no residual member is of the open generic interface");
    }
}

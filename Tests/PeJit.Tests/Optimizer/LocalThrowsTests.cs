using PeJit.IR;
using PeJit.IR.Text;
using PeJit.Optimizer;
using PeJit.Tests.Specializer;

namespace PeJit.Tests.Optimizer;

/// <summary>
/// The <c>throws</c> pass (<c>LocalThrows</c>): a throw the graph's own catch handler takes becomes a jump to a copy of
/// the handler inside the try, so no .NET exception is raised; a possibly null exception still throws when null; a
/// handler that could raise what its region catches, or a catch type the runtime's own exceptions fall under, is left
/// alone. Each graph runs before and after on sample arguments (same result, same exception, same array contents).
/// </summary>
[TestClass]
public sealed class LocalThrowsTests
{
    // n ≠ 0 raises RaisedError(n) (from a constructor, or from a helper that returns null for n < 0) inside the try; the
    // handler stores the error's code into codes[0]; the function returns 1 when it caught, 0 when not.
    private static string Graph(string catchType, string raise) => $$"""
        function "System.Int32 Demo::Caught(System.Int64,System.Int64[])" -> i32 {
            region0: catch class "{{catchType}}" handler block4
        block0(v0 (n): i64, v1 (codes): class "System.Int64[]"):
            v2: i32 = const 0
            v8: i64 = const 0
            v3: bool = ceq v0, v8
            jump block1
        block1 try region0:
            brif v3, block3, block2
        block2 try region0:
            {{raise}}
            throw v4
        block3 try region0:
            leave block5
        block4(v5 (exception): class "{{catchType}}") handler region0:
            v6: i64 = ldfld "System.Int64 PeJit.Tests.Optimizer.RaisedError::Code" v5
            stelem i64 v1, v2, v6
            leave block6
        block5:
            ret v2
        block6:
            v7: i32 = const 1
            ret v7
        }
        """;

    private const string Error = "PeJit.Tests.Optimizer.RaisedError";
    private const string Constructed = $"v4: class \"{Error}\" = newobj instance \"System.Void {Error}::.ctor(System.Int64)\" v0";
    private const string Made = $"v4: class \"{Error}\" = call \"{Error} {Error}::Make(System.Int64)\" v0";

    private static FlowGraph Optimize(string text)
    {
        var graph = IrParser.Parse(text);
        graph.Members = new NameResolver();
        Pipeline.Run(graph, "throws:dce", verify: true);
        var original = IrParser.Parse(text);
        OptimizerFileTest.AssertSameBehaviour(original, graph);
        return graph;
    }

    private static int Throws(FlowGraph graph) => graph.Blocks.Count(b => graph[b].Terminator?.Opcode == Opcode.Throw);

    [TestMethod]
    public void AThrowOfANewErrorTheHandlerCatchesIsAJumpToItsCopy()
    {
        var graph = Optimize(Graph(Error, Constructed));
        Assert.AreEqual(0, Throws(graph), IrPrinter.Print(graph));
    }

    [TestMethod]
    public void AnErrorAHelperMadeStillThrowsWhenNull()
    {
        var graph = Optimize(Graph(Error, Made));
        Assert.AreEqual(1, Throws(graph), IrPrinter.Print(graph));
        var block = graph.Blocks.Single(b => graph[b].Terminator?.Opcode == Opcode.Throw);
        Assert.AreEqual(1, graph[block].Instructions.Count, $"only the null exception throws, in a block of its own:\n{IrPrinter.Print(graph)}");
    }

    [TestMethod]
    public void ACatchTheRuntimesExceptionsFallUnderIsLeftAlone()
    {
        // A handler copied into the try would catch its own NullReferenceException (a null codes array) when it catches Exception.
        var graph = Optimize(Graph("System.Exception", Constructed)
            .Replace($"ldfld \"System.Int64 {Error}::Code\" v5", "const 7", StringComparison.Ordinal));
        Assert.AreEqual(1, Throws(graph), IrPrinter.Print(graph));
    }
}

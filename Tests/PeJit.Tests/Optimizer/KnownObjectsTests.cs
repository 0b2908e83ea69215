using PeJit.IR;
using PeJit.IR.Evaluation;
using PeJit.IR.Text;
using PeJit.Optimizer;
using PeJit.Tests.Specializer;

namespace PeJit.Tests.Optimizer;

/// <summary>
/// Type tests of objects the unit holds (<c>KnownObjects</c>, in <c>fold</c>): a query engine's comparison
/// <c>a is long x &amp;&amp; b is long y</c>, then <c>a is string s &amp;&amp; b is string t</c>, where b is a constant operand the
/// specializer lifted from the unit's constants (the analysis saw it red: the result of an unfolded virtual call). The
/// tests of b are decided by the object, an <c>unbox.any</c> of it is its value, and the paths that never run go; the tests
/// of the red a stay. Differential first (evaluated before and after), then the shape.
/// </summary>
[TestClass]
public sealed class KnownObjectsTests
{
    private const string Compare = """
        function "System.Int64 Demo::Compare(System.Object[],System.Object)" -> i64 {
        block0(v0 (constants): class "System.Object[]", v1 (a): object):
            v2: i32 = const 1
            v3: object = ldelem object v0, v2
            v4: object = isinst i64 v1
            brif v4, block1, block2
        block1:
            v5: object = isinst i64 v3
            brif v5, block3, block2
        block3:
            v6: i64 = unbox.any i64 v1
            v7: i64 = unbox.any i64 v3
            v8: i64 = sub v6, v7
            ret v8
        block2:
            v9: i32 = const 2
            v10: object = ldelem object v0, v9
            v11: string = isinst string v10
            brif v11, block4, block5
        block4:
            v12: string = isinst string v1
            brif v12, block6, block5
        block6:
            v13: i32 = call pure "System.Int32 System.String::CompareOrdinal(System.String,System.String)" v12, v11
            v14: i64 = conv v13
            ret v14
        block5:
            v15: object = isinst i64 v10
            brif v15, block7, block8
        block7:
            v16: i64 = const 100
            ret v16
        block8:
            v17: i64 = const -100
            ret v17
        }
        """;

    private static readonly object[] Constants = ["unused", 5L, "toys"];

    private static FlowGraph Optimized(bool withConstants)
    {
        var graph = IrParser.Parse(Compare);
        if (withConstants) graph.Constants = Constants;
        graph.Members = new NameResolver();
        Pipeline.Run(graph, "fold:branches:merge:dce", verify: true);
        return graph;
    }

    [TestMethod]
    public void TheOptimizedComparisonComputesWhatTheComparisonComputed()
    {
        var evaluator = new GraphEvaluator(new NameResolver());
        var optimized = Optimized(withConstants: true);
        foreach (object? a in new object?[] { 7L, 5L, -3L, "toy", "toys", "zebra", 2.5, null })
            Assert.AreEqual(evaluator.Evaluate(IrParser.Parse(Compare), Constants, a), evaluator.Evaluate(optimized, Constants, a), $"a = {a ?? "null"}");
    }

    [TestMethod]
    public void TheConstantsTestsAreDecidedAndTheRedOnesStay()
    {
        var graph = Optimized(withConstants: true);
        string text = IrPrinter.Print(graph);
        var instructions = graph.Blocks.SelectMany(b => graph[b].Instructions).ToList();
        var tests = instructions.Where(i => i.Opcode == Opcode.IsInst).ToList();
        Assert.HasCount(2, tests, $"the two tests of a stay, none of the constants':\n{text}");
        Assert.IsTrue(tests.All(t => t.Operands[0] == graph.Parameters[1]), text);
        Assert.AreEqual(1, instructions.Count(i => i.Opcode == Opcode.UnboxAny), $"the constant's unbox is its value:\n{text}");
        Assert.IsFalse(instructions.Any(i => i.Opcode == Opcode.Const && i.Integer == 100), $"the path of the string taken for a long is gone:\n{text}");
    }

    [TestMethod]
    public void WithoutTheConstantsNothingIsDecided()
    {
        var graph = Optimized(withConstants: false);
        var instructions = graph.Blocks.SelectMany(b => graph[b].Instructions).ToList();
        Assert.AreEqual(5, instructions.Count(i => i.Opcode == Opcode.IsInst), IrPrinter.Print(graph));
    }
}

using System.Text;
using PeJit.IR;
using PeJit.IR.Evaluation;
using PeJit.IR.Graphs;
using PeJit.IR.Text;
using PeJit.Optimizer;
using PeJit.Tests.Specializer;

namespace PeJit.Tests.Optimizer;

/// <summary>
/// Loop-invariant code motion (<c>HoistInvariants</c>): a loop that reads the unit's constants and casts them, and
/// computes a pure value of its entry, does so once before the loop; a cast the constant would fail stays where it
/// was. Differential first (the graph evaluated before and after), then the shape.
/// </summary>
[TestClass]
public sealed class HoistInvariantsTests
{
    // out[i] = (StringBuilder)constants[1] for i < length, and, when k * 3 == 6, out[0] = (StringBuilder)constants[2]
    // (a string: the cast throws, so only a run that takes that branch may fail, and it must stay behind the branch).
    private const string Loop = """
        function "System.Int32 Demo::Fill(System.Object[],System.Object[],System.Int32)" -> i32 {
        block0(v0 (constants): class "System.Object[]", v1 (out): class "System.Object[]", v2 (k): i32):
            v3: i32 = const 0
            jump block1(v3)
        block1(v4 (i): i32):
            v5: nuint = ldlen v1
            v6: i32 = conv v5
            v7: bool = clt v4, v6
            brif v7, block2, block3
        block2:
            v8: i32 = const 1
            v9: object = ldelem object v0, v8
            v10: class "System.Text.StringBuilder" = castclass class "System.Text.StringBuilder" v9
            stelem object v1, v4, v10
            v11: i32 = const 3
            v12: i32 = mul v2, v11
            v13: i32 = const 6
            v14: bool = ceq v12, v13
            brif v14, block4, block5
        block4:
            v15: i32 = const 2
            v16: object = ldelem object v0, v15
            v17: class "System.Text.StringBuilder" = castclass class "System.Text.StringBuilder" v16
            stelem object v1, v3, v17
            jump block5
        block5:
            v18: i32 = const 1
            v19: i32 = add v4, v18
            jump block1(v19)
        block3:
            ret v4
        }
        """;

    private static readonly object[] Constants = ["unused", new StringBuilder("built"), "not a builder"];

    private static FlowGraph Parsed()
    {
        var graph = IrParser.Parse(Loop);
        graph.Constants = Constants;
        graph.Members = new NameResolver();
        return graph;
    }

    private static List<Instruction> InLoop(FlowGraph graph)
    {
        var loops = NaturalLoop.Find(graph, Dominators.Compute(graph));
        Assert.HasCount(1, loops, IrPrinter.Print(graph));
        return [.. loops[0].Blocks.SelectMany(b => graph[b].Instructions)];
    }

    [TestMethod]
    public void ConstantLoadsPassingCastsAndPureInvariantsLeaveTheLoop()
    {
        var graph = Parsed();
        Pipeline.Run(graph, "hoist", verify: true);
        string text = IrPrinter.Print(graph);
        var loop = InLoop(graph);
        // Left: the cast of constants[2], which would throw (it is a string), behind its branch; the load cannot throw and leaves.
        Assert.AreEqual(0, loop.Count(i => i.Opcode == Opcode.LoadElement && i.Operands[0] == graph.Parameters[0]), $"no constants load left:\n{text}");
        var casts = loop.Where(i => i.Opcode == Opcode.CastClass).ToList();
        Assert.HasCount(1, casts, $"one cast left in the loop:\n{text}");
        Assert.AreEqual(2, graph[graph[casts[0].Operands[0]].DefiningInstruction!.Operands[1]].DefiningInstruction!.Integer, text);
        Assert.IsFalse(loop.Any(i => i.Opcode is Opcode.Mul or Opcode.Ceq), $"k * 3 == 6 is computed before the loop:\n{text}");
    }

    [TestMethod]
    public void WithoutTheConstantsNoLoadMoves()
    {
        var graph = IrParser.Parse(Loop);
        graph.Members = new NameResolver();
        Pipeline.Run(graph, "hoist", verify: true);
        var loop = InLoop(graph);
        Assert.AreEqual(2, loop.Count(i => i.Opcode == Opcode.LoadElement), IrPrinter.Print(graph));
        Assert.AreEqual(2, loop.Count(i => i.Opcode == Opcode.CastClass), IrPrinter.Print(graph));
    }

    [TestMethod]
    public void TheHoistedLoopDoesWhatTheLoopDid()
    {
        var evaluator = new GraphEvaluator(new NameResolver());
        var hoisted = Parsed();
        Pipeline.Run(hoisted, "hoist", verify: true);
        foreach (int k in new[] { 0, 1, 2 })
            foreach (int length in new[] { 0, 1, 3 })
            {
                var (expectedOut, expected, expectedError) = Run(IrParser.Parse(Loop), k, length);
                var (gotOut, got, error) = Run(hoisted, k, length);
                Assert.AreEqual(expectedError, error, $"k {k}, length {length}");
                Assert.AreEqual(expected, got, $"k {k}, length {length}");
                CollectionAssert.AreEqual(expectedOut, gotOut, $"k {k}, length {length}");
            }

        (object?[] Out, object? Result, string? Error) Run(FlowGraph graph, int k, int length)
        {
            var output = new object?[length];
            try
            {
                return (output, evaluator.Evaluate(graph, Constants, output, k), null);
            }
            catch (Exception e)
            {
                var inner = e;
                while (inner is System.Reflection.TargetInvocationException { InnerException: { } next }) inner = next;
                return (output, null, inner.GetType().Name);
            }
        }
    }
}

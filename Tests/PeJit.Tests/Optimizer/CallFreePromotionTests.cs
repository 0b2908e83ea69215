using PeJit.IR;
using PeJit.IR.Graphs;
using PeJit.IR.Text;
using PeJit.Optimizer;
using PeJit.Tests.Specializer;

namespace PeJit.Tests.Optimizer;

/// <summary>
/// The pass <c>calls</c> with its opt-in promotion (<c>PEJIT_CALL_FREE_PROMOTION=1</c>, <see cref="CallFreeLoops.RunPass(FlowGraph, bool)"/>):
/// a loop that stores into the array a holder keeps on the turns within its Count and calls out on the others (a table's
/// store and its slow path) is copied for the turns that call; in the loop of the other turns the holder (a header
/// parameter every jump passes on, cast in the loop: an interpreter's register) is the entry's value, its cast is hoisted,
/// and promotion hoists the loads of Count and Values. Differential first (compiled before and after on the file tests'
/// sample holders), then the shape: no field load left in the call-free loop, two without the promotion.
/// </summary>
[TestClass]
public sealed class CallFreePromotionTests
{
    // The pass copies at most an eighth of the graph: the code after the loop (a sum of the count, unrolled) makes room.
    private static readonly string Loop = """
        function "System.Int32 Demo::MarkWithCalls(PeJit.Tests.Specializer.ArrayHolder,System.Int32)" -> i32 {
        block0(v0 (o): class "PeJit.Tests.Specializer.ArrayHolder", v1 (n): i32):
            v2: i32 = const 0
            jump block1(v2, v0)
        block1(v3 (i): i32, v4 (table): class "PeJit.Tests.Specializer.ArrayHolder"):
            v5: bool = clt v3, v1
            brif v5, block2, block5
        block2:
            v6: class "PeJit.Tests.Specializer.ArrayHolder" = isinst class "PeJit.Tests.Specializer.ArrayHolder" v4
            brif v6, block3, block5
        block3:
            v7: i32 = ldfld "System.Int32 PeJit.Tests.Specializer.ArrayHolder::Count" v6
            v8: bool = clt v3, v7
            v9: i32 = const 1
            v10: i32 = add v3, v9
            brif v8, block4, block6
        block4:
            v11: class "System.Int64[]" = ldfld "System.Int64[] PeJit.Tests.Specializer.ArrayHolder::Values" v6
            v12: i64 = conv v3
            stelem i64 v11, v3, v12
            jump block1(v10, v4)
        block5:
        PADDING
        block6:
            v13: class "System.Int64[]" = ldfld "System.Int64[] PeJit.Tests.Specializer.ArrayHolder::Values" v6
            call "System.Void PeJit.Tests.Specializer.ArrayHolder::Touch(System.Int64[])" v13
            jump block1(v10, v4)
        }
        """.Replace("PADDING", Padding());

    private static string Padding()
    {
        var text = new System.Text.StringBuilder();
        for (int k = 0; k < 160; k++) text.Append($"    v{100 + k}: i32 = add {(k == 0 ? "v3" : $"v{99 + k}")}, v3\n");
        return text.Append("    ret v259").ToString();
    }

    private static FlowGraph Optimized(bool promote)
    {
        var graph = IrParser.Parse(Loop);
        graph.Members = new NameResolver();
        Pipeline.RunPasses(graph, [new Pass("calls", "the pass under test", g => CallFreeLoops.RunPass(g, promote))], verify: true);
        return graph;
    }

    /// <summary>The instructions of the innermost loops that make no call: the loop of the quiet turns and, promoted, its unoptimized copy.</summary>
    private static List<List<Instruction>> CallFreeLoopsOf(FlowGraph graph)
    {
        var loops = NaturalLoop.Find(graph, Dominators.Compute(graph));
        return [.. loops.Where(l => !loops.Any(o => o != l && l.Blocks.Contains(o.Header)))
            .Select(l => l.Blocks.SelectMany(b => graph[b].Instructions).ToList())
            .Where(body => !body.Any(CallFreeLoops.MakesCall))];
    }

    [TestMethod]
    public void ThePromotedGraphDoesWhatTheLoopDid() => OptimizerFileTest.AssertCompiledAsEvaluated(Optimized(promote: true));

    [TestMethod]
    public void TheCallFreeLoopReadsNoFieldOnEveryTurn()
    {
        var graph = Optimized(promote: true);
        string text = IrPrinter.Print(graph);
        var loops = CallFreeLoopsOf(graph);
        // The quiet loop reads nothing but the array's length (its unoptimized copy, entered when the preheader finds the
        // holder null, still reads both fields and casts).
        Assert.IsTrue(loops.Any(body => body.Any(i => i.Opcode == Opcode.StoreElement) && !body.Any(i => i.Opcode is Opcode.LoadField or Opcode.IsInst)),
            $"no call-free loop stores without loading a field or casting:\n{text}");
    }

    [TestMethod]
    public void WithoutThePromotionTheCallFreeLoopReadsBothFields()
    {
        var graph = Optimized(promote: false);
        var loops = CallFreeLoopsOf(graph);
        Assert.IsNotEmpty(loops, IrPrinter.Print(graph));
        Assert.IsTrue(loops.All(body => body.Count(i => i.Opcode == Opcode.LoadField) == 2), IrPrinter.Print(graph));
    }
}

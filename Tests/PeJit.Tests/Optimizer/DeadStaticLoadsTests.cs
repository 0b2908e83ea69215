using PeJit.IR;
using PeJit.IR.Text;
using PeJit.Optimizer;

namespace PeJit.Tests.Optimizer;

/// <summary>
/// Dead-code elimination of static field loads (<c>dce</c>): a load nobody uses goes once a static of its class was read
/// or written earlier in the block or in a dominating one (that access ran the class constructor, if any), and stays when
/// it is the first access of its class on the way, whose class constructor it may run. A static-state interpreter's
/// inlined steps read <c>Vm.stack</c> and <c>Vm.sp</c> anew at each step; forwarding gives the values, these loads remain.
/// </summary>
[TestClass]
public sealed class DeadStaticLoadsTests
{
    [TestMethod]
    public void ALoadAfterAnAccessOfItsClassGoesAndAFirstAccessStays()
    {
        const string text = """
            function "System.Int64 Demo::Statics()" -> i64 {
            block0:
                v0: i64 = ldsfld "System.Int64 Demo::A"
                v1: i64 = ldsfld "System.Int64 Demo::B"
                v2: i64 = ldsfld "System.Int64 Other::C"
                brif v0, block1, block2
            block1:
                v3: i64 = ldsfld "System.Int64 Demo::A"
                v4: i64 = ldsfld "System.Int64 Other::C"
                v5: i64 = ldsfld "System.Int64 Third::D"
                ret v0
            block2:
                stsfld "System.Int64 Third::D" v0
                v6: i64 = ldsfld "System.Int64 Third::D"
                ret v0
            }
            """;
        var graph = IrParser.Parse(text);
        Pipeline.Run(graph, "dce", verify: true);
        var left = graph.Blocks.SelectMany(b => graph[b].Instructions).Where(i => i.Opcode == Opcode.LoadStatic)
            .Select(i => i.Field!.FullName).ToList();
        CollectionAssert.AreEqual(
            new[] { "System.Int64 Demo::A", "System.Int64 Other::C", "System.Int64 Third::D" }, left,
            "the first access of Demo (used), of Other (dead, but may run its class constructor) and of Third in block1 stay:\n" + IrPrinter.Print(graph));
    }
}

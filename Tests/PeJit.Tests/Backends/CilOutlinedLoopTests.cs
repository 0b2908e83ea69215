using PeJit.Backends;
using PeJit.Backends.Cil;
using PeJit.IR.Semantics;
using PeJit.IR.Text;
using PeJit.IR.Verification;
using PeJit.Tests.Specializer;

namespace PeJit.Tests.Backends;

/// <summary>Which loops the CIL backend outlines, and that the unit computes the same with them outlined.</summary>
[TestClass]
public sealed class CilOutlinedLoopTests
{
    /// <summary>
    /// Two nested loops: the inner one reads and writes the array (an exception thrown inside it leaves through the call),
    /// leaves by two exits, one to the outer loop's latch with its sum, one out of both loops to a block that uses two of
    /// its values directly (live-outs).
    /// </summary>
    private const string NestedLoops = """
        function "System.Int64 Demo::Nested(System.Int64[],System.Int32,System.Int64)" -> i64 {
        block0(v0 (a): class "System.Int64[]", v1 (n): i32, v2 (limit): i64):
            v3: i32 = const 0
            v4: i64 = const 0
            jump block1(v3, v4)
        block1(v5 (i): i32, v6 (sum): i64):
            v7: bool = clt v5, v1
            brif v7, block2, block5
        block2:
            v8: i32 = const 0
            jump block3(v8, v6)
        block3(v9 (j): i32, v10 (s): i64):
            v11: bool = clt v9, v5
            brif v11, block4, block6
        block4:
            v12: i64 = ldelem i64 v0, v9
            v13: i64 = add v10, v12
            stelem i64 v0, v9, v13
            v15: bool = cgt v13, v2
            v16: i32 = const 1
            v17: i32 = add v9, v16
            brif v15, block7, block3(v17, v13)
        block6:
            v18: i32 = const 1
            v19: i32 = add v5, v18
            jump block1(v19, v10)
        block5:
            ret v6
        block7:
            v20: i64 = mul v13, v12
            ret v20
        }
        """;

    private static CilCompiledCode Compile(string text, LoopOutlining which, out PeJit.IR.FlowGraph graph)
    {
        graph = IrParser.Parse(text);
        Assert.IsEmpty(Verifier.Verify(graph), string.Join("\n", Verifier.Verify(graph)));
        return (CilCompiledCode)new CilBackend(new NameResolver()) { OutlineLoops = which }.Compile(graph, typeof(CilOutlinedLoopTests).Module);
    }

    [TestMethod]
    public void AnInnermostLoopInsideAnotherCompilesToAMethodOfItsOwnAndComputesTheSame()
    {
        Assert.AreEqual(0, Compile(NestedLoops, LoopOutlining.None, out _).OutlinedLoops);
        Assert.AreEqual(1, Compile(NestedLoops, LoopOutlining.InnermostOfSeveral, out var graph).OutlinedLoops, "the inner loop; the outer one holds it");
        OptimizerFileTest.AssertCompiledAsEvaluated(graph, r => new CilBackend(r) { OutlineLoops = LoopOutlining.InnermostOfSeveral });
    }

    [TestMethod]
    public void AUnitsOnlyLoopStaysInItsMethodUnlessEveryLoopIsOutlined()
    {
        var text = BackendTests.CaseText("loop");
        Assert.AreEqual(0, Compile(text, LoopOutlining.InnermostOfSeveral, out _).OutlinedLoops);
        Assert.AreEqual(1, Compile(text, LoopOutlining.EveryInnermost, out var graph).OutlinedLoops);
        OptimizerFileTest.AssertCompiledAsEvaluated(graph, r => new CilBackend(r) { OutlineLoops = LoopOutlining.EveryInnermost });
    }

    [TestMethod]
    public void ALoopInsideATryStaysInItsMethod()
    {
        var text = BackendTests.CaseText("try-split");
        Assert.AreEqual(0, Compile(text, LoopOutlining.EveryInnermost, out _).OutlinedLoops);
    }
}

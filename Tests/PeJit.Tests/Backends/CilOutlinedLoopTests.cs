using PeJit.Backends;
using PeJit.Backends.Cil;
using PeJit.IR.Semantics;
using PeJit.IR.Text;
using PeJit.IR.Verification;
using PeJit.Tests.Specializer;

namespace PeJit.Tests.Backends;

/// <summary>Which loops the CIL backend outlines (innermost ones, and one level of nesting), and that the unit computes the same with them outlined.</summary>
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

    /// <summary>
    /// An outer loop holding two inner loops: the first leaves straight to the second's header, with an argument the outer
    /// loop defines (the outer method's own value, passed after the first loop's call); the second uses a value from before
    /// the outer loop (a live-in of both methods) and its result is the outer loop's next sum; the outer loop's own sum is
    /// used after it (a live-out of the outer method).
    /// </summary>
    private const string TwoInnerLoops = """
        function "System.Int64 Demo::TwoInner(System.Int64[],System.Int32,System.Int64)" -> i64 {
        block0(v0 (a): class "System.Int64[]", v1 (n): i32, v2 (k): i64):
            v3: i32 = const 0
            v4: i64 = const 0
            jump block1(v3, v4)
        block1(v5 (i): i32, v6 (sum): i64):
            v7: bool = clt v5, v1
            brif v7, block2(v5, v6), block7
        block2(v8 (j): i32, v9 (s): i64):
            v10: bool = clt v8, v1
            brif v10, block3, block4(v9, v5)
        block3:
            v11: i64 = ldelem i64 v0, v8
            v12: i64 = add v9, v11
            v13: i32 = const 1
            v14: i32 = add v8, v13
            jump block2(v14, v12)
        block4(v15 (t): i64, v16 (c): i32):
            v17: i32 = const 0
            v18: bool = cgt v16, v17
            brif v18, block5, block6
        block5:
            v19: i64 = add v15, v2
            v20: i32 = const 1
            v21: i32 = sub v16, v20
            jump block4(v19, v21)
        block6:
            stelem i64 v0, v5, v15
            v22: i32 = const 1
            v23: i32 = add v5, v22
            jump block1(v23, v15)
        block7:
            ret v6
        }
        """;

    /// <summary>Three nested loops: the innermost and the middle one (which holds only it) are outlined, the outermost stays.</summary>
    private const string ThreeDeep = """
        function "System.Int32 Demo::Deep(System.Int32)" -> i32 {
        block0(v0 (n): i32):
            v1: i32 = const 0
            jump block1(v1, v1)
        block1(v2 (i): i32, v3 (s): i32):
            v4: bool = clt v2, v0
            brif v4, block2(v1, v3), block7
        block2(v5 (j): i32, v6 (s2): i32):
            v7: bool = cle v5, v2
            brif v7, block3(v1, v6), block6
        block3(v8 (k): i32, v9 (s3): i32):
            v10: bool = cle v8, v5
            brif v10, block4, block5
        block4:
            v11: i32 = mul v8, v2
            v12: i32 = add v9, v11
            v13: i32 = const 1
            v14: i32 = add v8, v13
            jump block3(v14, v12)
        block5:
            v15: i32 = const 1
            v16: i32 = add v5, v15
            jump block2(v16, v9)
        block6:
            v17: i32 = const 1
            v18: i32 = add v2, v17
            jump block1(v18, v6)
        block7:
            ret v3
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
    public void AnOuterLoopHoldingOnlyInnermostLoopsCompilesToAMethodOfItsOwnAndComputesTheSame()
    {
        Assert.AreEqual(2, Compile(NestedLoops, LoopOutlining.NestsOfSeveral, out var graph).OutlinedLoops, "the inner loop and the outer one");
        OptimizerFileTest.AssertCompiledAsEvaluated(graph, r => new CilBackend(r) { OutlineLoops = LoopOutlining.NestsOfSeveral });
        Assert.AreEqual(3, Compile(TwoInnerLoops, LoopOutlining.NestsOfSeveral, out graph).OutlinedLoops, "both inner loops and the outer one");
        OptimizerFileTest.AssertCompiledAsEvaluated(graph, r => new CilBackend(r) { OutlineLoops = LoopOutlining.NestsOfSeveral });
        Assert.AreEqual(2, Compile(TwoInnerLoops, LoopOutlining.InnermostOfSeveral, out graph).OutlinedLoops, "the inner loops only");
        OptimizerFileTest.AssertCompiledAsEvaluated(graph, r => new CilBackend(r) { OutlineLoops = LoopOutlining.InnermostOfSeveral });
    }

    [TestMethod]
    public void OfThreeNestedLoopsTheTwoInnerOnesAreOutlined()
    {
        Assert.AreEqual(2, Compile(ThreeDeep, LoopOutlining.NestsOfSeveral, out var graph).OutlinedLoops, "the innermost loop and the middle one; the outermost holds a nest");
        OptimizerFileTest.AssertCompiledAsEvaluated(graph, r => new CilBackend(r) { OutlineLoops = LoopOutlining.NestsOfSeveral });
    }

    [TestMethod]
    public void AUnitsOnlyLoopStaysInItsMethodUnlessEveryLoopIsOutlined()
    {
        var text = BackendTests.CaseText("loop");
        Assert.AreEqual(0, Compile(text, LoopOutlining.NestsOfSeveral, out _).OutlinedLoops);
        Assert.AreEqual(1, Compile(text, LoopOutlining.Every, out var graph).OutlinedLoops);
        OptimizerFileTest.AssertCompiledAsEvaluated(graph, r => new CilBackend(r) { OutlineLoops = LoopOutlining.Every });
    }

    [TestMethod]
    public void ALoopInsideATryStaysInItsMethod()
    {
        var text = BackendTests.CaseText("try-split");
        Assert.AreEqual(0, Compile(text, LoopOutlining.Every, out _).OutlinedLoops);
    }
}

using PeJit.Backends.Amd64;
using PeJit.Backends.Amd64.RegisterAllocation;
using PeJit.IR.Text;
using PeJit.Tests.Specializer;

namespace PeJit.Tests.Backends;

/// <summary>
/// Native code throws the exception of the first faulting instruction in program order, as the graph evaluator
/// does, also when a later one is loop-invariant: the AMD64 backend moves no instruction across another that may
/// throw.
/// </summary>
/// <remarks>
/// Found by <see cref="Amd64RandomGraphTests"/> run with more rounds (seed 7, round 1363): in the loop below, a CIL
/// unit throws <see cref="DivideByZeroException"/> for <c>y = 0</c> where the evaluator and native code throw
/// <see cref="IndexOutOfRangeException"/> from the bounds check before it (.NET 10 hoists the invariant unsigned
/// division ahead of the dead, always out-of-bounds element read; straight-line code keeps the order). So the
/// random graphs are compared with the evaluator, not with the CIL backend.
/// </remarks>
[TestClass]
public sealed class Amd64ExceptionOrderTests
{
    private const string InvariantDivisionAfterBoundsCheck = """
        function "System.Int64 Demo::Order(System.Int32,System.Int64,System.Int64[])" -> i64 {
        block0(v0 (x): i32, v1 (y): i64, v2 (longs): class "System.Int64[]"):
            v3: i32 = const 2147483647
            v4: i32 = const 0
            jump block1(v4)
        block1(v5: i32):
            v6: bool = clt v5, v0
            brif v6, block2, block3
        block2:
            v7: i64 = ldelem i64 v2, v3
            v8: i64 = div.un v1, v1
            v9: i32 = const 1
            v10: i32 = add v5, v9
            jump block1(v10)
        block3:
            v11: i64 = conv v5
            ret v11
        }
        """;

    [TestMethod]
    public void AnInvariantDivisionThrowsOnlyAfterTheBoundsCheckBeforeIt()
    {
        var graph = IrParser.Parse(InvariantDivisionAfterBoundsCheck);
        foreach (int registers in new[] { LinearScan.Allocatable.Count, 2 })
            OptimizerFileTest.AssertCompiledAsEvaluated(graph, resolver => new Amd64Backend(resolver: resolver) { Registers = registers });
        var native = new Amd64Backend(resolver: new NameResolver()).Compile(graph, typeof(Amd64ExceptionOrderTests).Module);
        Assert.Throws<IndexOutOfRangeException>(() => native.Invoke(1, 0L, new long[] { 1, 2, 3, 4 }));
    }
}

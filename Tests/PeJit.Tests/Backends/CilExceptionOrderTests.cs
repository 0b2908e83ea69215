using PeJit.Backends.Cil;
using PeJit.IR.Text;
using PeJit.Tests.Specializer;

namespace PeJit.Tests.Backends;

/// <summary>
/// A CIL unit throws the exception of the first faulting instruction in program order, also when .NET's loop
/// hoisting would move a later loop-invariant division ahead of a loop-invariant bounds check
/// (dotnet/runtime#133585; <c>InvariantElementAccesses</c> in the CIL backend says how the backend prevents it).
/// </summary>
/// <remarks>
/// Each loop reads <c>longs[x]</c> and divides <c>y</c> by itself on its first turn; with <c>x</c> out of bounds
/// and <c>y = 0</c> the read must throw first. Without the backend's own check, every case below but the one with
/// a varying index threw <see cref="DivideByZeroException"/> on .NET 10, whether or not the results were used.
/// </remarks>
[TestClass]
public sealed class CilExceptionOrderTests
{
    private static string Graph(string index, string body, string carried) => $$"""
        function "System.Int64 Demo::Order(System.Int32,System.Int64,System.Int64[])" -> i64 {
        block0(v0 (x): i32, v1 (y): i64, v2 (longs): class "System.Int64[]"):
            v3: i32 = const 1
            v4: i32 = const 0
            v20: i64 = const 0
            jump block1(v4, v20)
        block1(v5: i32, v21: i64):
            v6: bool = clt v5, v3
            brif v6, block2, block3
        block2:
        {{index}}
            v7: i64 = ldelem i64 v2, v30
        {{body}}
            v10: i32 = add v5, v3
            jump block1(v10, {{carried}})
        block3:
            ret v21
        }
        """;

    private const string Invariant = "    v30: i32 = add v0, v4";
    private const string Varying = "    v30: i32 = add v0, v5";
    private const string Unsigned = "    v8: i64 = div.un v1, v1";

    [TestMethod]
    [DataRow(Invariant, Unsigned, "v21", DisplayName = "both results unused")]
    [DataRow(Invariant, Unsigned, "v7", DisplayName = "the element used")]
    [DataRow(Invariant, Unsigned, "v8", DisplayName = "the quotient used")]
    [DataRow(Invariant, "    v8: i64 = div v1, v1\n    v11: i64 = add v7, v8", "v11", DisplayName = "both used, signed division")]
    [DataRow(Invariant, "    v8: i64 = rem v1, v1", "v21", DisplayName = "remainder")]
    [DataRow(Varying, Unsigned, "v21", DisplayName = "an index that changes each turn")]
    public void TheBoundsCheckThrowsBeforeTheInvariantDivisionAfterIt(string index, string body, string carried)
    {
        var graph = IrParser.Parse(Graph(index, body, carried));
        var compiled = new CilBackend(new NameResolver()).Compile(graph, typeof(CilExceptionOrderTests).Module);
        Assert.Throws<IndexOutOfRangeException>(() => compiled.Invoke(7, 0L, new long[] { 1, 2, 3, 4 }));
        Assert.Throws<IndexOutOfRangeException>(() => compiled.Invoke(-1, 0L, new long[] { 1, 2, 3, 4 }));
        Assert.Throws<NullReferenceException>(() => compiled.Invoke(0, 0L, null));
        Assert.Throws<DivideByZeroException>(() => compiled.Invoke(3, 0L, new long[] { 1, 2, 3, 4 }));
        OptimizerFileTest.AssertCompiledAsEvaluated(graph);
    }

    [TestMethod]
    public void AnInt64IndexIsCheckedAsUnsigned()
    {
        var graph = IrParser.Parse(Graph("    v31: i64 = conv v0\n    v30: i64 = add v31, v20", Unsigned, "v7"));
        var compiled = new CilBackend(new NameResolver()).Compile(graph, typeof(CilExceptionOrderTests).Module);
        Assert.Throws<IndexOutOfRangeException>(() => compiled.Invoke(-1, 0L, new long[] { 1, 2, 3, 4 }));
        Assert.AreEqual(4L, compiled.Invoke(3, 1L, new long[] { 1, 2, 3, 4 }));
        OptimizerFileTest.AssertCompiledAsEvaluated(graph);
    }
}

using System.Reflection.Emit;
using PeJit.Backends.Cil;
using PeJit.IR;
using PeJit.IR.Text;
using PeJit.Optimizer;
using PeJit.Tests.Optimizer;
using PeJit.Tests.Specializer;

namespace PeJit.Tests.Backends;

/// <summary>
/// The CIL backend knows, as it emits, whether .NET will optimize the method (<see cref="IlShape"/>): its counts agree
/// with the IL read back (<see cref="ILBasicBlocks.Measure"/>), and a parameter of a block entered by one edge costs
/// no local and no store.
/// </summary>
[TestClass]
public sealed class IlShapeTests
{
    private static (DynamicMethod Method, IlShape Shape) Emit(FlowGraph graph)
    {
        var method = new CilBackend(new NameResolver()).Emit(graph, typeof(IlShapeTests).Module, out var shape);
        return (method, shape);
    }

    /// <summary>Counted as emitted is counted as read back: bytes, instructions, local references exactly; blocks from above.</summary>
    [TestMethod]
    [DataRow(300)]
    [DataRow(1500)]
    public void TheCountsAgreeWithTheILReadBack(int size)
    {
        var graph = LargeUnitGenerator.Generate(size);
        Pipeline.Run(graph);
        var (method, shape) = Emit(graph);
        var read = ILBasicBlocks.Measure(method);
        Assert.AreEqual(read.CodeSize, shape.CodeSize, shape.ToString());
        Assert.AreEqual(read.Instructions, shape.Instructions, shape.ToString());
        Assert.AreEqual(read.LocalReferences, shape.LocalReferences, shape.ToString());
        Assert.IsGreaterThanOrEqualTo(read.BasicBlocks, shape.BasicBlocks, $"{shape}; read back {read.BasicBlocks} blocks");
        Assert.IsLessThanOrEqualTo(2 * read.BasicBlocks, shape.BasicBlocks, $"{shape}; read back {read.BasicBlocks} blocks");
        Assert.IsFalse(shape.CompiledUnoptimized, shape.ToString());
    }

    [TestMethod]
    public void PastAnyLimitIsUnoptimizedAndSaysWhich()
    {
        var shape = new IlShape(1000, 300, 40, 2_345, 9_000);
        Assert.IsTrue(shape.CompiledUnoptimized);
        Assert.AreEqual("2,345 locals (past 2,000), 9,000 references to locals (past 8,000)", shape.Unoptimized);
        Assert.IsNull(new IlShape(59_000, 19_000, 1_999, 2_000, 8_000).Unoptimized);
    }

    /// <summary>
    /// Exits are blocks entered by one edge, with many parameters: each is its argument under another name, so the edges
    /// store nothing, the parameters take no local, and the code still computes the same (the backend cases run every
    /// such shape against the evaluator).
    /// </summary>
    [TestMethod]
    public void AParameterOfABlockEnteredOnceIsItsArgument()
    {
        var graph = IrParser.Parse("""
            function "System.Int64 Demo::Exits(System.Int64,System.Int64)" -> i64 {
            block0(v0 (x): i64, v1 (y): i64):
                v2: i64 = add v0, v1
                v3: i64 = mul v0, v1
                brif v0, block1(v2, v3, v0, v1), block2(v3, v2, v1, v0)
            block1(v4: i64, v5: i64, v6: i64, v7: i64):
                v8: i64 = sub v4, v5
                v9: i64 = sub v6, v7
                v10: i64 = mul v8, v9
                ret v10
            block2(v11: i64, v12: i64, v13: i64, v14: i64):
                v15: i64 = sub v11, v12
                v16: i64 = add v13, v14
                v17: i64 = mul v15, v16
                ret v17
            }
            """);
        var (method, shape) = Emit(graph);
        // The arguments x and y, their locals, v2 and v3, and two pooled temporaries each exit takes again: nothing for
        // the eight parameters of the two exits (16 with a local each).
        Assert.IsLessThanOrEqualTo(2 + 2 + 2 + 2, shape.Locals, shape.ToString());
        foreach (var (x, y) in new[] { (3L, 4L), (0L, 5L), (-7L, 2L) })
        {
            long expected = x != 0 ? (x + y - x * y) * (x - y) : (x * y - (x + y)) * (y + x);
            Assert.AreEqual(expected, (long)method.Invoke(null, [x, y])!);
        }
    }
}

using Mono.Cecil;
using PeJit.Frontend.Construction;
using PeJit.IR;
using PeJit.IR.Graphs;
using PeJit.IR.Text;
using PeJit.Optimizer;
using PeJit.Tests.Specializer;

namespace PeJit.Tests.Optimizer;

/// <summary>
/// Allocation removal (<c>virtualize</c>) beyond its file tests: which constructors the frontend marks
/// (<c>MethodRef.StoredFields</c>), and the whole pipeline on an interpreter-like loop over boxed integers.
/// </summary>
[TestClass]
public sealed class AllocationRemovalTests
{
    private const string Boxed = "class \"PeJit.Tests.Optimizer.BoxedInteger\"";
    private const string Constructor = "stores(\"System.Int64 PeJit.Tests.Optimizer.BoxedInteger::Value\") instance \"System.Void PeJit.Tests.Optimizer.BoxedInteger::.ctor(System.Int64)\"";
    private const string Value = "\"System.Int64 PeJit.Tests.Optimizer.BoxedInteger::Value\"";

    private static TypeDefinition TypeOf<T>()
    {
        var module = ModuleDefinition.ReadModule(typeof(T).Assembly.Location);
        return module.GetType(typeof(T).FullName!.Replace('+', '/'));
    }

    [TestMethod]
    public void AConstructorThatOnlyStoresItsParametersIsMarkedWithItsFields()
    {
        var constructor = TypeOf<BoxedInteger>().Methods.Single(m => m.IsConstructor && !m.IsStatic);
        var method = MethodRef.From(constructor);
        Assert.IsNotNull(method.StoredFields);
        Assert.AreEqual("System.Int64 PeJit.Tests.Optimizer.BoxedInteger::Value", method.StoredFields.Single().FullName);
        // The text form carries it, and parses back.
        Assert.Contains("stores(\"System.Int64 PeJit.Tests.Optimizer.BoxedInteger::Value\")", method.ToString());
    }

    [TestMethod]
    public void ConstructorsThatDoMoreAreNotMarked()
    {
        // ArrayHolder's implicit constructor stores nothing: marked, with no fields. A constructor that computes,
        // calls or initializes a field with a constant is not; neither is a method.
        Assert.IsEmpty(MethodRef.From(TypeOf<ArrayHolder>().Methods.Single(m => m.IsConstructor && !m.IsStatic)).StoredFields!);
        Assert.IsNull(MethodRef.From(TypeOf<WithInitializer>().Methods.Single(m => m.IsConstructor && !m.IsStatic)).StoredFields);
        Assert.IsNull(MethodRef.From(TypeOf<WithFinalizer>().Methods.Single(m => m.IsConstructor && !m.IsStatic)).StoredFields);
        Assert.IsNull(MethodRef.From(TypeOf<BoxedInteger>().Methods.Single(m => m.Name == "Bump")).StoredFields);
    }

    [TestMethod]
    public void TheStoresOfAConstructorRoundTripThroughTheText()
    {
        string text = $"function \"f\" -> i64 {{\nblock0(v0: i64):\n    v1: {Boxed} = newobj {Constructor} v0\n    v2: i64 = ldfld {Value} v1\n    ret v2\n}}\n";
        Assert.AreEqual(text, IrPrinter.Print(IrParser.Parse(text)));
    }

    /// <summary>
    /// The structural test of issue 15's numeric loop: residual code as an interpreter over boxed integers leaves
    /// it (a new box per arithmetic result, type checks on the loop's values, the state written to the exit
    /// array at the exit) has no allocation left in its loop after the whole pipeline, and behaves the same.
    /// </summary>
    [TestMethod]
    public void ALoopOverBoxedIntegersAllocatesNothingAfterThePipeline()
    {
        string text = $$"""
            function "System.Object Demo::Count(System.Object[],System.Int64)" -> object {
            block0(v0 (exit): class "System.Object[]", v1 (n): i64):
                v2: i64 = const 0
                v3: {{Boxed}} = newobj {{Constructor}} v2
                v4: i64 = const 1
                v5: {{Boxed}} = newobj {{Constructor}} v4
                jump block1(v3, v5)
            block1(v6 (i): object, v7 (step): object):
                v8: {{Boxed}} = isinst {{Boxed}} v6
                brif v8, block2, block4
            block2:
                v9: {{Boxed}} = castclass {{Boxed}} v7
                v10: i64 = ldfld {{Value}} v8
                v11: i64 = ldfld {{Value}} v9
                v12: i64 = add v10, v11
                v13: {{Boxed}} = newobj {{Constructor}} v12
                v14: object = box i64 v12
                v15: i64 = unbox.any i64 v14
                v16: bool = clt v15, v1
                brif v16, block3, block5
            block3:
                jump block1(v13, v7)
            block4:
                v17: object = null
                ret v17
            block5:
                v18: i32 = const 0
                stelem object v0, v18, v13
                v19: i32 = const 1
                stelem object v0, v19, v7
                ret v13
            }
            """;
        var graph = IrParser.Parse(text);
        Pipeline.Run(graph, verify: true);
        var loops = NaturalLoop.Find(graph, Dominators.Compute(graph));
        Assert.IsNotEmpty(loops, IrPrinter.Print(graph));
        foreach (var block in loops.SelectMany(l => l.Blocks))
            Assert.IsFalse(graph[block].Instructions.Any(i => i.Opcode is Opcode.NewObject or Opcode.Box or Opcode.IsInst or Opcode.CastClass),
                $"{block} still allocates or tests a type:\n{IrPrinter.Print(graph)}");
        Assert.AreEqual(2, graph.Blocks.SelectMany(b => graph[b].Instructions).Count(i => i.Opcode == Opcode.NewObject),
            $"the exit makes the two objects it stores, once each:\n{IrPrinter.Print(graph)}");
        OptimizerFileTest.AssertSameBehaviour(IrParser.Parse(text), graph);
    }

    private sealed class WithInitializer
    {
        public long A = 5;
        public long B;

        public WithInitializer(long b) => B = b;
    }

    private sealed class WithFinalizer
    {
        public long A;

        public WithFinalizer(long a) => A = a;

        ~WithFinalizer() => A = 0;
    }
}

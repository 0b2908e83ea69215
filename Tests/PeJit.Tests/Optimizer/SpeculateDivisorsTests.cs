using System.Reflection;
using PeJit.Backends.Cil;
using PeJit.IR;
using PeJit.IR.Evaluation;
using PeJit.IR.Graphs;
using PeJit.IR.Text;
using PeJit.Optimizer;
using PeJit.Tests.Specializer;

namespace PeJit.Tests.Optimizer;

/// <summary>
/// A loop-invariant divisor guessed from the runtime's sample of the entry (<c>SpeculateDivisors</c>,
/// <c>SampleValues</c>): the loop gets a copy that divides by the guess as a constant, entered only when the divisor
/// is the guess. Differential first (evaluated and CIL-compiled against the hardware's <c>/</c> and <c>%</c>, with the
/// guess right, wrong, 0 and -1), then the shape.
/// </summary>
[TestClass]
public sealed class SpeculateDivisorsTests
{
    // q[i] = n[i] / d and r[i] = n[i] % d for every element, with d = frame.Registers[2] read once before the loop and
    // no test of it: a division by 0 throws, MinValue / -1 overflows, as the original does.
    private const string Loop = """
        function "System.Int32 Demo::DivideAll(System.Int64[],System.Int64[],System.Int64[],PeJit.Tests.Optimizer.SampledFrame)" -> i32 {
        block0(v0 (n): class "System.Int64[]", v1 (q): class "System.Int64[]", v2 (r): class "System.Int64[]", v3 (frame): class "PeJit.Tests.Optimizer.SampledFrame"):
            v4: class "System.Int64[]" = ldfld "System.Int64[] PeJit.Tests.Optimizer.SampledFrame::Registers" v3
            v5: i32 = const 2
            v6: i64 = ldelem i64 v4, v5
            v8: i32 = const 0
            jump block1(v8)
        block1(v9 (i): i32):
            v10: nuint = ldlen v0
            v11: i32 = conv v10
            v12: bool = clt v9, v11
            brif v12, block2, block3
        block2:
            v13: i64 = ldelem i64 v0, v9
            v14: i64 = div v13, v6
            stelem i64 v1, v9, v14
            v15: i64 = rem v13, v6
            stelem i64 v2, v9, v15
            v16: i32 = const 1
            v17: i32 = add v9, v16
            jump block1(v17)
        block3:
            v18: i32 = const 0
            ret v18
        }
        """;

    private static readonly long[] Dividends = [0, 1, -1, 12, 13, 14, -13, -14, 1000, -1000, long.MinValue, long.MaxValue, long.MinValue + 1];

    private static FlowGraph Speculated(long sampled)
    {
        var graph = IrParser.Parse(Loop);
        graph.SampleArguments = [null, null, null, new SampledFrame { Registers = [0, 0, sampled] }];
        Pipeline.Run(graph, "speculate:cse:dce", verify: true);
        return graph;
    }

    private static IEnumerable<Instruction> DivisionsIn(FlowGraph graph, NaturalLoop loop) =>
        loop.Blocks.SelectMany(b => graph[b].Instructions).Where(i => i.Opcode is Opcode.Div or Opcode.Rem);

    [TestMethod]
    public void TheLoopGetsACopyThatDividesByTheSampledConstant()
    {
        var graph = Speculated(13);
        string text = IrPrinter.Print(graph);
        var loops = NaturalLoop.Find(graph, Dominators.Compute(graph));
        Assert.HasCount(2, loops, $"the loop and its copy:\n{text}");
        var byConstant = loops.Where(l => DivisionsIn(graph, l).All(d => graph[d.Operands[1]].DefiningInstruction is { Opcode: Opcode.Const, Integer: 13 })).ToList();
        Assert.HasCount(1, byConstant, $"one copy divides by the constant 13:\n{text}");
        Assert.HasCount(2, DivisionsIn(graph, byConstant[0]).ToList(), text);
        Assert.IsTrue(graph.Blocks.SelectMany(b => graph[b].Instructions).Any(i => i.Opcode == Opcode.Ceq), $"the test of the guess:\n{text}");
    }

    [TestMethod]
    public void WithoutASampleOrAGuessNothingChanges()
    {
        var plain = IrParser.Parse(Loop);
        string before = IrPrinter.Print(plain);
        Pipeline.Run(plain, "speculate", verify: true);
        Assert.AreEqual(before, IrPrinter.Print(plain), "no sample: the pass does nothing");

        foreach (long useless in new long[] { 0, -1 })
        {
            var graph = IrParser.Parse(Loop);
            graph.SampleArguments = [null, null, null, new SampledFrame { Registers = [0, 0, useless] }];
            Pipeline.Run(graph, "speculate", verify: true);
            Assert.AreEqual(before, IrPrinter.Print(graph), $"a guess of {useless} makes no division cheaper");
        }

        var collected = IrParser.Parse(Loop);
        collected.SampleArguments = [null, null, null, null];   // the frame was collected since it was sampled
        Pipeline.Run(collected, "speculate", verify: true);
        Assert.AreEqual(before, IrPrinter.Print(collected));
    }

    [TestMethod]
    public void BothCopiesDivideLikeTheHardwareEvaluatedAndCompiled()
    {
        var graph = Speculated(13);
        var resolver = new NameResolver();
        var compiled = new CilBackend(resolver).Compile(graph, typeof(SpeculateDivisorsTests).Module);
        var evaluator = new GraphEvaluator(resolver);
        // 13 takes the copy; the others the loop; 0 and -1 throw there as the original does.
        foreach (long d in new long[] { 13, 7, -13, 1, 2, long.MinValue, 0, -1 })
        {
            foreach (var (how, run) in new (string, Func<object?[], object?>)[]
            {
                ("compiled", arguments => compiled.Invoke(arguments)),
                ("evaluated", arguments => evaluator.Evaluate(graph, arguments)),
            })
            {
                long[] q = new long[Dividends.Length], r = new long[Dividends.Length];
                Exception? expected = null;
                try
                {
                    for (int i = 0; i < Dividends.Length; i++) { q[i] = Dividends[i] / d; r[i] = Dividends[i] % d; }
                }
                catch (Exception e) { expected = e; }
                long[] gotQ = new long[Dividends.Length], gotR = new long[Dividends.Length];
                Exception? thrown = null;
                try
                {
                    run([Dividends, gotQ, gotR, new SampledFrame { Registers = [0, 0, d] }]);
                }
                catch (Exception e) { thrown = e is TargetInvocationException { InnerException: { } inner } ? inner : e; }
                Assert.AreEqual(expected?.GetType(), thrown?.GetType(), $"{how}, divisor {d}: {thrown}");
                if (expected is not null) continue;
                CollectionAssert.AreEqual(q, gotQ, $"{how}: n / {d}");
                CollectionAssert.AreEqual(r, gotR, $"{how}: n % {d}");
            }
        }
    }
}

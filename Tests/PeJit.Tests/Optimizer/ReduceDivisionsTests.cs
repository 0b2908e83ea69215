using PeJit.Backends.Cil;
using PeJit.IR;
using PeJit.IR.Evaluation;
using PeJit.IR.Semantics;
using PeJit.IR.Text;
using PeJit.Optimizer;
using PeJit.Tests.Specializer;

namespace PeJit.Tests.Optimizer;

/// <summary>
/// Division by a loop-invariant divisor as a multiply-high, shifts and adds (<c>ReduceDivisions</c>,
/// <see cref="DivisionMagic"/>): against the hardware's <c>/</c> and <c>%</c> on many divisors and dividends
/// (MinValue, MaxValue, negatives, powers of two and their neighbours), the sequence itself and the pass's
/// output, evaluated and compiled by the CIL backend.
/// </summary>
[TestClass]
public sealed class ReduceDivisionsTests
{
    private static readonly long[] Divisors64 = MakeDivisors64();
    private static readonly long[] Dividends64 = MakeDividends64();

    private static long[] MakeDivisors64()
    {
        var random = new Random(11);
        var list = new List<long> { 1, 2, 3, 5, 6, 7, 10, 13, 641, long.MinValue, long.MaxValue, long.MinValue + 1, long.MaxValue - 1 };
        for (int i = 2; i < 200; i++) list.AddRange([i, -i]);
        for (int shift = 1; shift < 63; shift++) list.AddRange([1L << shift, -(1L << shift), (1L << shift) + 1, (1L << shift) - 1, -(1L << shift) - 1]);
        for (int i = 0; i < 300; i++) list.Add(random.NextInt64(long.MinValue, long.MaxValue) >> random.Next(64));
        return [.. list.Where(d => d is not 0 and not -1).Distinct()];
    }

    private static long[] MakeDividends64()
    {
        var random = new Random(13);
        var list = new List<long> { 0, 1, -1, 2, -2, 12, 13, 14, -12, -13, -14, long.MinValue, long.MinValue + 1, long.MaxValue, long.MaxValue - 1 };
        for (int shift = 1; shift < 63; shift++) list.AddRange([1L << shift, -(1L << shift), (1L << shift) - 1, -(1L << shift) + 1]);
        for (int i = 0; i < 300; i++) list.Add(random.NextInt64(long.MinValue, long.MaxValue) >> random.Next(64));
        return [.. list];
    }

    [TestMethod]
    public void TheSequenceDividesLikeTheHardwareAt64Bits()
    {
        foreach (long d in Divisors64)
        {
            long multiplier = DivisionMagic.Multiplier(d), addend = DivisionMagic.Addend(d);
            int shift = DivisionMagic.Shift(d);
            long sign = d >> 63, magnitude = (d ^ sign) - sign;
            foreach (long n in Dividends64)
            {
                long q = DivisionMagic.Divide(n, multiplier, shift, addend);
                Assert.AreEqual(n / d, (q ^ sign) - sign, $"{n} / {d}");
                Assert.AreEqual(n % d, unchecked(n - q * magnitude), $"{n} % {d}");
            }
        }
    }

    [TestMethod]
    public void TheSequenceDividesLikeTheHardwareAt32Bits()
    {
        var random = new Random(17);
        var divisors = new List<int> { 1, 2, 3, 7, 13, int.MinValue, int.MaxValue, int.MinValue + 1 };
        for (int i = 2; i < 300; i++) divisors.AddRange([i, -i]);
        for (int shift = 1; shift < 31; shift++) divisors.AddRange([1 << shift, -(1 << shift), (1 << shift) + 1, (1 << shift) - 1]);
        for (int i = 0; i < 300; i++) divisors.Add(random.Next(int.MinValue, int.MaxValue) >> random.Next(32));
        var dividends = new List<int> { 0, 1, -1, int.MinValue, int.MinValue + 1, int.MaxValue, int.MaxValue - 1 };
        for (int i = 0; i < 400; i++) dividends.Add(random.Next(int.MinValue, int.MaxValue) >> random.Next(32));
        foreach (int d in divisors.Where(d => d is not 0 and not -1))
        {
            int multiplier = DivisionMagic.Multiplier(d), addend = DivisionMagic.Addend(d), shift = DivisionMagic.Shift(d);
            int sign = d >> 31, magnitude = (d ^ sign) - sign;
            foreach (int n in dividends)
            {
                int q = DivisionMagic.Divide(n, multiplier, shift, addend);
                Assert.AreEqual(n / d, (q ^ sign) - sign, $"{n} / {d}");
                Assert.AreEqual(n % d, unchecked(n - q * magnitude), $"{n} % {d}");
            }
        }
    }

    [TestMethod]
    public void MultiplyHighIsTheTopHalfOfTheProduct()
    {
        foreach (long a in Dividends64.Take(80))
            foreach (long b in Dividends64.Skip(40).Take(80))
                Assert.AreEqual((long)((Int128)a * b >> 64), DivisionMagic.MultiplyHigh(a, b), $"{a} * {b}");
        foreach (int a in new[] { 0, 1, -1, int.MinValue, int.MaxValue, 123456789, -987654321 })
            foreach (int b in new[] { 0, 1, -1, int.MinValue, int.MaxValue, 55555, -7 })
                Assert.AreEqual((int)((long)a * b >> 32), DivisionMagic.MultiplyHigh(a, b), $"{a} * {b}");
    }

    // q[i] = n[i] / d and r[i] = n[i] % d for every element, in a loop, behind the tests promotion writes.
    private const string Loop = """
        function "System.Int32 Demo::DivideAll(System.Int64[],System.Int64[],System.Int64[],System.Int64)" -> i32 {
        block0(v0 (n): class "System.Int64[]", v1 (q): class "System.Int64[]", v2 (r): class "System.Int64[]", v3 (d): i64):
            v4: i64 = const 0
            v5: bool = ceq v3, v4
            brif v5, block4, block1
        block1:
            v6: i64 = const -1
            v7: bool = ceq v3, v6
            brif v7, block4, block5
        block5:
            v8: i32 = const 0
            jump block2(v8)
        block2(v9 (i): i32):
            v10: nuint = ldlen v0
            v11: i32 = conv v10
            v12: bool = clt v9, v11
            brif v12, block3, block4
        block3:
            v13: i64 = ldelem i64 v0, v9
            v14: i64 = div v13, v3
            stelem i64 v1, v9, v14
            v15: i64 = rem v13, v3
            stelem i64 v2, v9, v15
            v16: i32 = const 1
            v17: i32 = add v9, v16
            jump block2(v17)
        block4:
            v18: i32 = const 0
            ret v18
        }
        """;

    [TestMethod]
    public void TheReducedLoopDividesLikeTheHardwareEvaluatedAndCompiled()
    {
        var graph = IrParser.Parse(Loop);
        Pipeline.Run(graph, "divisions:cse:dce", verify: true);
        string text = IrPrinter.Print(graph);
        Assert.IsFalse(graph.Blocks.SelectMany(b => graph[b].Instructions).Any(i => i.Opcode is Opcode.Div or Opcode.Rem), $"no division left:\n{text}");
        Assert.IsTrue(graph.Blocks.SelectMany(b => graph[b].Instructions).Any(i => i.Opcode == Opcode.MulHigh), text);

        var resolver = new NameResolver();
        var compiled = new CilBackend(resolver).Compile(graph, typeof(ReduceDivisionsTests).Module);
        var evaluator = new GraphEvaluator(resolver);
        foreach (long d in Divisors64)
        {
            // The evaluator is slow: it sees every divisor on a few dividends, the compiled code on all of them.
            foreach (var (run, dividends) in new (Func<object?[], object?>, long[])[]
            {
                (arguments => compiled.Invoke(arguments), Dividends64),
                (arguments => evaluator.Evaluate(graph, arguments), Dividends64[..24]),
            })
            {
                long[] q = new long[dividends.Length], r = new long[dividends.Length];
                run([dividends, q, r, d]);
                for (int i = 0; i < dividends.Length; i++)
                {
                    Assert.AreEqual(dividends[i] / d, q[i], $"{dividends[i]} / {d}");
                    Assert.AreEqual(dividends[i] % d, r[i], $"{dividends[i]} % {d}");
                }
            }
        }
    }

    [TestMethod]
    public void TheAmd64BackendComputesTheReducedLoopLikeTheHardware()
    {
        // mulhi is a one-operand imul in native code (rdx:rax), so a unit with a reduced division stays native.
        var graph = IrParser.Parse(Loop);
        Pipeline.Run(graph, "divisions:cse:dce", verify: true);
        var code = new PeJit.Backends.Amd64.Amd64Backend(resolver: new NameResolver()).CompileNative(graph);
        Assert.IsTrue(code.Function.Blocks.SelectMany(b => b.Instructions).Any(i => i.Opcode == PeJit.Backends.Amd64.Lowering.MachineOpcode.MultiplyHigh),
            code.Function.ToString());
        foreach (long d in Divisors64)
        {
            long[] q = new long[Dividends64.Length], r = new long[Dividends64.Length];
            code.Invoke(Dividends64, q, r, d);
            for (int i = 0; i < Dividends64.Length; i++)
            {
                Assert.AreEqual(Dividends64[i] / d, q[i], $"{Dividends64[i]} / {d}");
                Assert.AreEqual(Dividends64[i] % d, r[i], $"{Dividends64[i]} % {d}");
            }
        }
    }
}

using PeJit.Generator;
using PeJit.Frontend.Resolution;
using PeJit.IR.Evaluation;
using PeJit.IR.Semantics;
using PeJit.IR;
using PeJit.Specializer.Extension;

namespace PeJit.Tests.Specializer.Extension;

/// <summary>
/// Green operations in the generating extension's compact form compute what <c>ValueSemantics.Pure</c>
/// computes on boxed values (the graph evaluator's semantics): every arithmetic, shift, comparison, unary and
/// conversion opcode over int32, int64, native int, float32 and float64 operands and edge values, result and
/// exception alike; and those common cases run typed, not through the boxed fallback.
/// </summary>
[TestClass]
public sealed class GreenOperationTests
{
    private static readonly CecilReflectionResolver Resolver = new();

    private static readonly Opcode[] Arithmetic =
    [
        Opcode.Add, Opcode.Sub, Opcode.Mul, Opcode.Div, Opcode.DivUn, Opcode.Rem, Opcode.RemUn, Opcode.And, Opcode.Or, Opcode.Xor,
        Opcode.AddOvf, Opcode.AddOvfUn, Opcode.SubOvf, Opcode.SubOvfUn, Opcode.MulOvf, Opcode.MulOvfUn,
    ];

    private static readonly Opcode[] Comparisons =
    [
        Opcode.Ceq, Opcode.Cne, Opcode.Clt, Opcode.Cle, Opcode.Cgt, Opcode.Cge, Opcode.CltUn, Opcode.CleUn, Opcode.CgtUn, Opcode.CgeUn,
    ];

    private static readonly Opcode[] Shifts = [Opcode.Shl, Opcode.Shr, Opcode.ShrUn];

    private static readonly Opcode[] Conversions = [Opcode.Conv, Opcode.ConvUn, Opcode.ConvOvf, Opcode.ConvOvfUn];

    private static readonly IrType[] ConversionTargets =
    [
        IrType.I8, IrType.U8, IrType.I16, IrType.U16, IrType.I32, IrType.U32, IrType.I64, IrType.U64, IrType.NInt,
        IrType.NUInt, IrType.Bool, IrType.Char, IrType.F32, IrType.F64,
    ];

    private static object?[] Samples(IrType type) => type.Kind switch
    {
        TypeKind.I32 => [0, 1, -1, 7, -7, 255, -128, 65535, 31, 33, int.MaxValue, int.MinValue],
        TypeKind.I64 => [0L, 1L, -1L, 7L, -7L, 63L, 65L, (long)uint.MaxValue, 1L << 40, long.MaxValue, long.MinValue],
        TypeKind.NInt => [(nint)0, (nint)1, (nint)(-1), (nint)7, (nint)(-7), unchecked((nint)(1L << 35)), nint.MaxValue, nint.MinValue],
        TypeKind.F32 => [0f, -0f, 1.5f, -2.75f, 3e9f, float.NaN, float.PositiveInfinity, float.NegativeInfinity, float.MaxValue, 255.5f, -129.25f],
        TypeKind.F64 => [0d, -0d, 1.5d, -2.75d, 3e9d, 1e20d, double.NaN, double.PositiveInfinity, -1e300d, 65535.9d, -0.5d],
        _ => throw new ArgumentException(type.ToString()),
    };

    /// <summary>A graph <c>block0(v0, v1): v2 = op v0, v1; ret v2</c> compiled all green.</summary>
    private static ExtensionGraph Compile(Opcode opcode, IrType result, params IrType[] operands)
    {
        var graph = new FlowGraph($"{opcode}", result);
        var block = graph.AddBlock();
        var parameters = operands.Select(t => graph.AddParameter(block, t)).ToArray();
        var instruction = new Instruction(opcode, parameters);
        graph.Append(block, instruction, result);
        graph.Append(block, new Instruction(Opcode.Return, instruction.Result!.Value));
        return ExtensionCompiler.CompileAllGreen(graph, Resolver);
    }

    private static string Outcome(Func<object?> run)
    {
        try
        {
            var value = run();
            return value is null ? "null" : $"{value.GetType().Name} {value switch { double d => d.ToString("R"), float f => f.ToString("R"), _ => value.ToString() }}";
        }
        catch (Exception e) when (e is ArithmeticException or EvaluationException or InvalidCastException)
        {
            return "throws " + e.GetType().Name;
        }
    }

    /// <summary>Runs every operand combination through the compact form and through <c>Pure</c>; returns how many were compared.</summary>
    private static int Compare(Opcode opcode, IrType result, IrType[] operands, bool expectTyped)
    {
        var graph = Compile(opcode, result, operands);
        var op = graph.Blocks[0][0];
        if (expectTyped)
            Assert.AreNotEqual(GreenOperation.Boxed, op.Green, $"{opcode} {string.Join(", ", operands.Select(o => o.ToString()))} -> {result} runs typed");
        var combinations = operands.Length == 1
            ? Samples(operands[0]).Select(a => new[] { a })
            : Samples(operands[0]).SelectMany(a => Samples(operands[1]).Select(b => new[] { a, b }));
        int count = 0;
        foreach (var values in combinations)
        {
            string expected = Outcome(() => ValueSemantics.Pure(opcode, values, result));
            string actual = Outcome(() => graph.RunGreen(values));
            Assert.AreEqual(expected, actual, $"{opcode} ({string.Join(", ", values.Select((v, i) => $"{operands[i]} {v}"))}) -> {result}");
            count++;
        }
        return count;
    }

    [TestMethod]
    public void IntegerArithmeticMatchesValueSemantics()
    {
        int count = 0;
        var pairs = new (IrType, IrType, IrType)[]
        {
            (IrType.I32, IrType.I32, IrType.I32), (IrType.I64, IrType.I64, IrType.I64), (IrType.NInt, IrType.NInt, IrType.NInt),
            (IrType.I32, IrType.NInt, IrType.NInt), (IrType.NInt, IrType.I32, IrType.NInt),
        };
        foreach (var opcode in Arithmetic)
            foreach (var (left, right, result) in pairs)
                count += Compare(opcode, result, [left, right], expectTyped: true);
        Assert.IsGreaterThan(5000, count);
    }

    [TestMethod]
    public void FloatArithmeticMatchesValueSemantics()
    {
        foreach (var opcode in new[] { Opcode.Add, Opcode.Sub, Opcode.Mul, Opcode.Div, Opcode.Rem })
        {
            Compare(opcode, IrType.F32, [IrType.F32, IrType.F32], expectTyped: true);
            Compare(opcode, IrType.F64, [IrType.F64, IrType.F64], expectTyped: true);
            Compare(opcode, IrType.F64, [IrType.F32, IrType.F64], expectTyped: true);
        }
    }

    [TestMethod]
    public void ShiftsMatchValueSemantics()
    {
        foreach (var opcode in Shifts)
        {
            Compare(opcode, IrType.I32, [IrType.I32, IrType.I32], expectTyped: true);
            Compare(opcode, IrType.I64, [IrType.I64, IrType.I32], expectTyped: true);
            Compare(opcode, IrType.NInt, [IrType.NInt, IrType.I32], expectTyped: true);
            Compare(opcode, IrType.I32, [IrType.I32, IrType.NInt], expectTyped: true);
        }
    }

    [TestMethod]
    public void ComparisonsMatchValueSemantics()
    {
        foreach (var opcode in Comparisons)
            foreach (var type in new[] { IrType.I32, IrType.I64, IrType.NInt, IrType.F32, IrType.F64 })
                Compare(opcode, IrType.I32, [type, type], expectTyped: true);
        foreach (var opcode in Comparisons)
        {
            Compare(opcode, IrType.I32, [IrType.I32, IrType.NInt], expectTyped: true);
            Compare(opcode, IrType.Bool, [IrType.F32, IrType.F64], expectTyped: true);
        }
    }

    [TestMethod]
    public void UnaryOperationsMatchValueSemantics()
    {
        foreach (var type in new[] { IrType.I32, IrType.I64, IrType.NInt })
        {
            Compare(Opcode.Neg, type, [type], expectTyped: true);
            Compare(Opcode.Not, type, [type], expectTyped: true);
        }
        foreach (var type in new[] { IrType.F32, IrType.F64 })
        {
            Compare(Opcode.Neg, type, [type], expectTyped: true);
            Compare(Opcode.CheckFinite, type, [type], expectTyped: true);
        }
    }

    [TestMethod]
    public void ConversionsMatchValueSemantics()
    {
        int count = 0;
        foreach (var opcode in Conversions)
            foreach (var source in new[] { IrType.I32, IrType.I64, IrType.NInt, IrType.F32, IrType.F64 })
                foreach (var target in ConversionTargets)
                    count += Compare(opcode, target, [source], expectTyped: true);
        Assert.IsGreaterThan(2000, count);
    }

    [TestMethod]
    public void ConversionsMatchCSharp()
    {
        // The conversions themselves, against the language (one source of truth checked against another).
        var conv = Compile(Opcode.Conv, IrType.U8, IrType.I32);
        Assert.AreEqual(unchecked((int)(byte)300), conv.RunGreen([300]));
        var signed = Compile(Opcode.Conv, IrType.I8, IrType.I64);
        Assert.AreEqual((int)unchecked((sbyte)200L), signed.RunGreen([200L]));
        var toUnsigned = Compile(Opcode.ConvUn, IrType.F64, IrType.I32);
        Assert.AreEqual((double)uint.MaxValue, toUnsigned.RunGreen([-1]));
        var overflow = Compile(Opcode.ConvOvf, IrType.U16, IrType.I32);
        Assert.Throws<OverflowException>(() => overflow.RunGreen([-1]));
        var u32 = Compile(Opcode.Conv, IrType.U32, IrType.I64);
        Assert.AreEqual(unchecked((int)(uint)0x1_8000_0000L), u32.RunGreen([0x1_8000_0000L]));
        var fromFloat = Compile(Opcode.Conv, IrType.I32, IrType.F64);
        Assert.AreEqual((int)-2.75, fromFloat.RunGreen([-2.75]));
    }

    [TestMethod]
    public void OtherOperandClassesRunBoxedThroughPure()
    {
        // A comparison of references by identity, and an opcode the typed cases do not cover.
        var same = Compile(Opcode.Ceq, IrType.I32, IrType.Object, IrType.Object);
        Assert.AreEqual(GreenOperation.ReferenceCompare, same.Blocks[0][0].Green);
        object box = 5;
        Assert.AreEqual(1, same.RunGreen([box, box]));
        Assert.AreEqual(0, same.RunGreen([box, 5]));
        var mixed = Compile(Opcode.Add, IrType.F64, IrType.I32, IrType.F64);
        Assert.AreEqual(GreenOperation.Boxed, mixed.Blocks[0][0].Green);
        Assert.AreEqual(Outcome(() => ValueSemantics.Pure(Opcode.Add, [2, 0.5], IrType.F64)), Outcome(() => mixed.RunGreen([2, 0.5])));
    }
}

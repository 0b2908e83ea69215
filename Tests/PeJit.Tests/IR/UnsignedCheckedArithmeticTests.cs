using PeJit.IR;
using PeJit.IR.Semantics;

namespace PeJit.Tests.IR;

/// <summary>
/// <c>add.ovf.un</c>, <c>sub.ovf.un</c> and <c>mul.ovf.un</c> in <see cref="ValueSemantics"/> (the graph evaluator,
/// green operations while specializing, the tails of native units) throw exactly when C#'s <c>checked</c> arithmetic
/// on the unsigned operands does: an operand that is negative as a signed integer is a large unsigned one, not an
/// overflow. Found by <c>Amd64RandomGraphTests</c> compared with the evaluator: <c>sub.ovf.un</c> of
/// <c>long.MinValue</c> and 0 threw OverflowException there and not in native code.
/// </summary>
[TestClass]
public sealed class UnsignedCheckedArithmeticTests
{
    private static readonly int[] Ints = [0, 1, 2, -1, -2, int.MinValue, int.MaxValue, 65536, -65536];
    private static readonly long[] Longs = [0, 1, 2, -1, -2, long.MinValue, long.MaxValue, 1L << 32, -(1L << 32)];

    [TestMethod]
    public void Int32OperandsAreUnsigned()
    {
        foreach (int a in Ints)
            foreach (int b in Ints)
            {
                uint x = unchecked((uint)a), y = unchecked((uint)b);
                Assert.AreEqual(Outcome(() => unchecked((int)checked(x + y))), Outcome(() => ValueSemantics.Int32(Opcode.AddOvfUn, a, b)), $"add.ovf.un {a}, {b}");
                Assert.AreEqual(Outcome(() => unchecked((int)checked(x - y))), Outcome(() => ValueSemantics.Int32(Opcode.SubOvfUn, a, b)), $"sub.ovf.un {a}, {b}");
                Assert.AreEqual(Outcome(() => unchecked((int)checked(x * y))), Outcome(() => ValueSemantics.Int32(Opcode.MulOvfUn, a, b)), $"mul.ovf.un {a}, {b}");
            }
        Assert.AreEqual(-1, ValueSemantics.Int32(Opcode.AddOvfUn, -1, 0));
    }

    [TestMethod]
    public void Int64OperandsAreUnsigned()
    {
        foreach (long a in Longs)
            foreach (long b in Longs)
            {
                ulong x = unchecked((ulong)a), y = unchecked((ulong)b);
                Assert.AreEqual(Outcome(() => unchecked((long)checked(x + y))), Outcome(() => ValueSemantics.Int64(Opcode.AddOvfUn, a, b)), $"add.ovf.un {a}, {b}");
                Assert.AreEqual(Outcome(() => unchecked((long)checked(x - y))), Outcome(() => ValueSemantics.Int64(Opcode.SubOvfUn, a, b)), $"sub.ovf.un {a}, {b}");
                Assert.AreEqual(Outcome(() => unchecked((long)checked(x * y))), Outcome(() => ValueSemantics.Int64(Opcode.MulOvfUn, a, b)), $"mul.ovf.un {a}, {b}");
            }
        Assert.AreEqual(long.MinValue, ValueSemantics.Int64(Opcode.SubOvfUn, long.MinValue, 0));
    }

    private static string Outcome(Func<long> run)
    {
        try
        {
            return "returns " + run();
        }
        catch (OverflowException)
        {
            return "throws OverflowException";
        }
    }
}

namespace PeJit.TestSubjects;

/// <summary>
/// A class VM with two portals on the same object, both instance methods: a loop portal (<see cref="Loop"/>) whose body
/// calls a function portal (<see cref="Eval"/>, a small accumulator machine without loops) on <c>this</c> at each turn, as
/// an interpreter with statements and expressions in separate dispatch loops does. <see cref="Eval"/> reads a field of
/// <c>this</c> (<see cref="Scaling"/>) and writes one (<see cref="Evaluated"/>). A loop's unit inlines the call of the
/// other portal when the callee's key is known (the expression is a green of the loop) and the receiver is known not to be
/// null (here the loop's own <c>this</c>; <c>PortalCallsJitTests</c> has the static pair).
/// </summary>
public sealed class TwoPortalClassVm(long scaling)
{
    public const int Push = 0;  // value = next code word
    public const int Scale = 1; // value *= this.Scaling
    public const int AddX = 2;  // value += x
    public const int Count = 3; // this.Evaluated += value
    public const int Ret = 4;   // return value

    /// <summary>What <see cref="Scale"/> multiplies by, read from <c>this</c> at each use.</summary>
    public long Scaling = scaling;

    /// <summary>What <see cref="Count"/> added up, written through <c>this</c>.</summary>
    public long Evaluated;

    /// <summary>The sum of <c>Eval(expression, i)</c> for <c>i</c> from 0 to <paramref name="n"/> - 1.</summary>
    [JitPortal(Greens = ["expression"], Reds = ["sum", "i", "n"])]
    public long Loop(int[] expression, long n)
    {
        long sum = 0, i = 0;
        while (true)
        {
            Jit.MergePoint(expression, sum, i, n);
            if (i >= n) return sum;
            sum += Eval(expression, i);
            i++;
            Jit.CanEnterJit(expression, sum, i, n);
        }
    }

    /// <summary>Runs <paramref name="code"/> on <paramref name="x"/>: the accumulator machine of the constants above.</summary>
    [JitPortal(Greens = ["pc", "code"], Reds = ["x", "value"])]
    public long Eval(int[] code, long x)
    {
        int pc = 0;
        long value = 0;
        while (true)
        {
            Jit.MergePoint(pc, code, x, value);
            switch (code[pc++])
            {
                case Push: value = code[pc++]; break;
                case Scale: value *= Scaling; break;
                case AddX: value += x; break;
                case Count: Evaluated += value; break;
                default: return value;
            }
        }
    }

    /// <summary>Counts <c>3 * Scaling + x</c>, returns <c>5 + x</c>.</summary>
    public static int[] Expression() => [Push, 3, Scale, AddX, Count, AddX, Push, 5, AddX, Ret];
}

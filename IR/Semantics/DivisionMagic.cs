using System.Numerics;
using System.Runtime.CompilerServices;

namespace PeJit.IR.Semantics;

/// <summary>
/// Signed division by a divisor known only at run time, done with a multiply-high, shifts and adds: the
/// constants a loop's preheader computes once for a loop-invariant divisor (the optimizer's <c>divisions</c>
/// pass), and the reference the sequence is tested against. The method is Granlund and Montgomery's (PLDI 1994)
/// in libdivide's branch-free signed form (ridiculousfish, <c>libdivide_s64_branchfree_gen</c> and
/// <c>..._do</c>): one sequence for every divisor but 0, exact for every dividend, with no branch on the divisor.
/// </summary>
/// <remarks>
/// For a divisor <c>d</c> of width <c>w</c> (32 or 64) with <c>|d|</c> between 2^L and 2^(L+1):
/// <list type="bullet">
/// <item>a power of two: multiplier 0, shift L, addend 2^L - 1 (a negative dividend is rounded toward zero);</item>
/// <item>otherwise: multiplier <c>m = floor(2^(w+L) / |d|) + 1 - 2^w</c> (it needs w + 1 bits; the missing top
/// bit is the <c>+ n</c> of the sequence), shift L, addend 2^L (a negative intermediate is rounded toward zero).</item>
/// </list>
/// The sequence (<see cref="Divide(long, long, int, long)"/>): <c>q = mulhi(m, n) + n; q += (q &gt;&gt; (w-1)) &amp; addend;
/// q &gt;&gt;= shift</c> is <c>n / |d|</c> truncated; the quotient by <c>d</c> negates it when <c>d &lt; 0</c>, and the
/// remainder is <c>n - q * |d|</c>. All arithmetic wraps, so <c>MinValue</c> dividends and the divisor
/// <c>MinValue</c> need no case; only <c>d = -1</c> with <c>n = MinValue</c> (which overflows with the hardware
/// division) and <c>d = 0</c> must be excluded by whoever uses it. The constants of 0 are 0 (any value would do:
/// they are computed in a preheader before its test of the divisor has decided anything).
/// Every method is pure and total (never throws): <see cref="KnownPureMethods"/> lists the class.
/// </remarks>
public static class DivisionMagic
{
    /// <summary>The multiplier for a 64-bit divisor <paramref name="d"/>.</summary>
    public static long Multiplier(long d) => (long)Generate(Magnitude(d), 64).Multiplier;

    /// <summary>The multiplier for a 32-bit divisor <paramref name="d"/>.</summary>
    public static int Multiplier(int d) => (int)(uint)Generate(Magnitude(d), 32).Multiplier;

    /// <summary>The right shift for a 64-bit divisor <paramref name="d"/> (0 to 63): the floor of log2 |d|.</summary>
    public static int Shift(long d) => Log(Magnitude(d));

    /// <summary>The right shift for a 32-bit divisor <paramref name="d"/> (0 to 31).</summary>
    public static int Shift(int d) => Log(Magnitude(d));

    /// <summary>What a negative intermediate quotient gets added before the shift, for a 64-bit divisor: 2^shift, less 1 for a power of two.</summary>
    public static long Addend(long d)
    {
        ulong magnitude = Magnitude(d);
        return unchecked((1L << Log(magnitude)) - (IsPowerOfTwo(magnitude) ? 1 : 0));
    }

    /// <summary>What a negative intermediate quotient gets added before the shift, for a 32-bit divisor.</summary>
    public static int Addend(int d)
    {
        ulong magnitude = Magnitude(d);
        return unchecked((1 << Log(magnitude)) - (IsPowerOfTwo(magnitude) ? 1 : 0));
    }

    /// <summary>The high 64 bits of the signed 128-bit product (what the IR's <c>mulhi</c> computes on int64).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long MultiplyHigh(long a, long b) => Math.BigMul(a, b, out _);

    /// <summary>The high 32 bits of the signed 64-bit product (what the IR's <c>mulhi</c> computes on int32).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int MultiplyHigh(int a, int b) => (int)(((long)a * b) >> 32);

    /// <summary>
    /// <c>n / |d|</c> truncated, by the sequence (the reference the optimizer's IR spells out), from the constants
    /// of <paramref name="multiplier"/>, <paramref name="shift"/> and <paramref name="addend"/> of a divisor d.
    /// </summary>
    public static long Divide(long n, long multiplier, int shift, long addend)
    {
        long q = unchecked(MultiplyHigh(multiplier, n) + n);
        q = unchecked(q + ((q >> 63) & addend));
        return q >> shift;
    }

    /// <summary><c>n / |d|</c> truncated, by the 32-bit sequence.</summary>
    public static int Divide(int n, int multiplier, int shift, int addend)
    {
        int q = unchecked(MultiplyHigh(multiplier, n) + n);
        q = unchecked(q + ((q >> 31) & addend));
        return q >> shift;
    }

    // |d| as an unsigned number: MinValue's magnitude is 2^63 (2^31), which only the unsigned type holds.
    private static ulong Magnitude(long d) => d < 0 ? unchecked(0UL - (ulong)d) : (ulong)d;

    private static ulong Magnitude(int d) => d < 0 ? unchecked(0UL - (uint)d) & 0xFFFF_FFFF : (ulong)d;

    private static int Log(ulong magnitude) => magnitude == 0 ? 0 : 63 - BitOperations.LeadingZeroCount(magnitude);

    // 0 counts as one: its constants are all 0 and harmless.
    private static bool IsPowerOfTwo(ulong magnitude) => (magnitude & (magnitude - 1)) == 0;

    // libdivide's branch-free generator for width bits: a power of two has multiplier 0; otherwise the multiplier
    // is floor(2^(width-1+L) / |d|) doubled, plus one more when twice the remainder reaches |d| (so it is
    // floor(2^(width+L) / |d|) without its top bit), plus one (the rounding up that makes it exact).
    private static (ulong Multiplier, int Shift) Generate(ulong magnitude, int width)
    {
        int log = Log(magnitude);
        if (IsPowerOfTwo(magnitude)) return (0, log);
        UInt128 numerator = UInt128.One << (width - 1 + log);
        ulong multiplier = (ulong)(numerator / magnitude);
        ulong remainder = (ulong)(numerator % magnitude);
        // magnitude <= 2^(width-1), so twice the remainder fits in 64 bits for both widths.
        multiplier += multiplier;
        if (remainder + remainder >= magnitude) multiplier++;
        multiplier++;
        ulong mask = width == 64 ? ulong.MaxValue : 0xFFFF_FFFFUL;
        return (multiplier & mask, log);
    }
}

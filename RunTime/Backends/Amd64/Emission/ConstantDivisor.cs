using System.Numerics;

namespace PeJit.Backends.Amd64.Emission;

/// <summary>
/// The magic number of a signed division by a constant known when the unit is compiled: <c>n / d</c> is
/// <c>q = mulhi(Multiplier, n)</c>, then <c>q += n</c> when <see cref="AddDividend"/>, <c>q -= n</c> when
/// <see cref="SubtractDividend"/>, <c>q &gt;&gt;= Shift</c> (arithmetic), and <c>q += q &gt;&gt;&gt; (w-1)</c> (one more
/// when the quotient so far is negative, which rounds it toward zero). Exact for every dividend of the width.
/// </summary>
/// <remarks>
/// Strategy: Warren's smallest magic number (Hacker's Delight, 2nd ed., 10-4 and 10-5, after Granlund and
/// Montgomery), what RyuJIT uses for a CIL unit's constant division. It is shorter than
/// <c>PeJit.IR.Semantics.DivisionMagic</c>'s branch-free form, which must serve a divisor known only at run time
/// with one sequence for all (so always <c>+ n</c>, a shift one larger and a masked rounding): for 13 at 64 bits
/// this one is <c>mulhi, sar 2, shr 63, add</c> where that one is <c>mulhi, add, sar 63, and, add, sar 3</c>.
/// Valid for <c>2 &lt;= |d|</c> with <c>|d|</c> not a power of two (the emitter gives powers of two, 1 and
/// <c>MinValue</c> their own sequence, and never divides by 0 or -1 without guards).
/// </remarks>
public readonly record struct ConstantDivisor(long Multiplier, int Shift, bool AddDividend, bool SubtractDividend)
{
    /// <summary>The magic number of <paramref name="d"/> at <paramref name="width"/> bits (32 or 64).</summary>
    public static ConstantDivisor Of(long d, int width)
    {
        // All quantities below stay under 2^(width+1), so 128-bit arithmetic never wraps.
        UInt128 two = UInt128.One << (width - 1);
        UInt128 magnitude = d < 0 ? (UInt128)(0UL - (ulong)d) : (UInt128)(ulong)d;
        if (width == 32) magnitude &= 0xFFFF_FFFF;
        if (magnitude < 3 || BitOperations.IsPow2((ulong)magnitude))
            throw new ArgumentOutOfRangeException(nameof(d), d, "the magic number is for divisors whose magnitude is at least 3 and not a power of two");
        // |nc|: the largest dividend magnitude with nc mod d = d - 1 (one more on the negative side when d < 0).
        UInt128 t = two + (d < 0 ? UInt128.One : UInt128.Zero);
        UInt128 limit = t - 1 - t % magnitude;
        int p = width - 1;
        UInt128 q1 = two / limit, r1 = two - q1 * limit;
        UInt128 q2 = two / magnitude, r2 = two - q2 * magnitude;
        UInt128 delta;
        do
        {
            p++;
            q1 *= 2;
            r1 *= 2;
            if (r1 >= limit)
            {
                q1++;
                r1 -= limit;
            }
            q2 *= 2;
            r2 *= 2;
            if (r2 >= magnitude)
            {
                q2++;
                r2 -= magnitude;
            }
            delta = magnitude - r2;
        }
        while (q1 < delta || (q1 == delta && r1 == 0));
        // The multiplier as a signed width-bit number (at most 2^width - 1 before the sign, so it may read negative).
        ulong bits = (ulong)(q2 + 1);
        if (d < 0) bits = 0UL - bits;
        long multiplier = width == 32 ? (int)(uint)bits : (long)bits;
        return new ConstantDivisor(multiplier, p - width, AddDividend: d > 0 && multiplier < 0, SubtractDividend: d < 0 && multiplier > 0);
    }
}

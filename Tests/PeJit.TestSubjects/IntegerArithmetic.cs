namespace PeJit.TestSubjects;

/// <summary>add, sub, mul, div, rem (signed and unsigned), bitwise operations, shifts, checked forms.</summary>
public static class IntegerArithmetic
{
    [Sample(7, 3)] [Sample(-7, 3)] [Sample(int.MaxValue, 1)] [Sample(5, 0)] [Sample(int.MinValue, -1)]
    public static int Mixed(int a, int b) => a + b * 3 - a / (b == 0 ? 1 : b) + a % (b == 0 ? 1 : b) - (a ^ b) + (a & b) - (a | b);

    [Sample(10, 0)] [Sample(10, 3)] [Sample(int.MinValue, -1)]
    public static int Divide(int a, int b) => a / b;

    [Sample(10, 0)] [Sample(-10, 3)]
    public static int Remainder(int a, int b) => a % b;

    [Sample(4000000000u, 7u)] [Sample(7u, 4000000000u)] [Sample(1u, 0u)]
    public static uint Unsigned(uint a, uint b) => a / b + a % b;

    [Sample(1L, 63)] [Sample(-1L, 1)] [Sample(long.MinValue, 65)]
    public static long Shifts(long a, int s) => (a << s) ^ (a >> s) ^ (long)((ulong)a >> s);

    [Sample(5, 3)] [Sample(int.MaxValue, 1)] [Sample(int.MinValue, 1)]
    public static int CheckedAdd(int a, int b) => checked(a + b - 1);

    [Sample(100000, 100000)] [Sample(3, 4)]
    public static int CheckedMultiply(int a, int b) => checked(a * b);

    [Sample(3u, 5u)] [Sample(5u, 3u)]
    public static uint CheckedUnsignedSubtract(uint a, uint b) => checked(a - b);

    [Sample((byte)200, (byte)100)] [Sample((byte)1, (byte)255)]
    public static int SmallTypes(byte a, byte b) => (byte)(a + b) + (sbyte)a;

    [Sample((short)-5, (short)5)] [Sample(short.MaxValue, (short)1)]
    public static int Shorts(short a, short b) => (short)(a + b) * 2 + ~a + -b;

    [Sample(long.MaxValue, 2L)] [Sample(-9L, 4L)]
    public static long Longs(long a, long b) => unchecked(a * b) + a / b - a % b;
}

namespace PeJit.TestSubjects;

/// <summary>conv.* and conv.ovf.* between integers and floats.</summary>
public static class Conversions
{
    [Sample(300)] [Sample(-1)] [Sample(int.MaxValue)]
    public static long Narrowing(int x) => (sbyte)x + (byte)x + (short)x + (ushort)x + (uint)x + (char)x;

    [Sample(-1)] [Sample(5)]
    public static ulong Widening(int x) => (ulong)(uint)x + (ulong)(long)x;

    [Sample(3.7)] [Sample(-3.7)] [Sample(1e20)] [Sample(double.NaN)]
    public static long FromDouble(double d) => (int)d + (long)d + (byte)d;

    [Sample(4000000000u)] [Sample(5u)]
    public static double FromUnsigned(uint u) => u + (double)(ulong)u;

    [Sample(300)] [Sample(100)] [Sample(-5)]
    public static byte CheckedToByte(int x) => checked((byte)x);

    [Sample(-1)] [Sample(7)]
    public static uint CheckedToUnsigned(int x) => checked((uint)x);

    [Sample(4000000000u)] [Sample(7u)]
    public static int CheckedFromUnsigned(uint x) => checked((int)x);

    [Sample(1e10)] [Sample(12.9)]
    public static int CheckedFromDouble(double d) => checked((int)d);

    [Sample('a')] [Sample('Z')]
    public static int Characters(char c) => c + 1 + (char)(c + 1);

    [Sample(123456789012L)]
    public static float LongToFloat(long l) => l;
}

namespace PeJit.TestSubjects;

/// <summary>float and double arithmetic, remainders, NaN and infinity, Math.</summary>
public static class FloatArithmetic
{
    [Sample(1.5, 2.25)] [Sample(0.0, 0.0)] [Sample(double.PositiveInfinity, 1.0)] [Sample(-3.0, 0.5)]
    public static double Doubles(double a, double b) => a * b + a / b - a % (b == 0 ? 1 : b);

    [Sample(1.5f, 2.25f)] [Sample(3.0f, 0.0f)]
    public static float Floats(float a, float b) => a * b + a / b - a;

    [Sample(double.NaN, 1.0)] [Sample(1.0, 2.0)] [Sample(2.0, 1.0)] [Sample(1.0, 1.0)]
    public static int UnorderedComparisons(double a, double b) =>
        (a < b ? 1 : 0) + (a <= b ? 2 : 0) + (a > b ? 4 : 0) + (a >= b ? 8 : 0) + (a == b ? 16 : 0) + (a != b ? 32 : 0) + (!(a < b) ? 64 : 0) + (!(a >= b) ? 128 : 0);

    [Sample(2.0)] [Sample(-1.0)] [Sample(0.0)]
    public static double MathCalls(double x) => Math.Sqrt(Math.Abs(x)) + Math.Max(x, 1.0) + Math.Floor(x * 1.5) + Math.Pow(2, x);

    [Sample(7.5, 2.0)] [Sample(-7.5, 2.0)] [Sample(1.0, 0.0)]
    public static double Remainder(double a, double b) => a % b;
}

namespace PeJit.TestSubjects;

/// <summary>ceq, cgt, clt and their unsigned forms; comparisons with null.</summary>
public static class Comparisons
{
    [Sample(1, 2)] [Sample(2, 1)] [Sample(-1, 1)]
    public static int Signed(int a, int b) => (a < b ? 1 : 0) | (a > b ? 2 : 0) | (a == b ? 4 : 0) | (a <= b ? 8 : 0) | (a >= b ? 16 : 0);

    [Sample(1u, 2u)] [Sample(4000000000u, 1u)]
    public static int Unsigned(uint a, uint b) => (a < b ? 1 : 0) | (a > b ? 2 : 0) | (a <= b ? 4 : 0) | (a >= b ? 8 : 0);

    [Sample("x")] [Sample((string?)null)]
    public static bool IsNull(string? s) => s == null;

    [Sample(5L, 5L)] [Sample(5L, 6L)]
    public static bool LongEquality(long a, long b) => a == b && !(a != b);

    [Sample(true, false)] [Sample(true, true)]
    public static bool Booleans(bool a, bool b) => a ^ b || (a && !b);
}

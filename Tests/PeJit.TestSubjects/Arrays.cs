namespace PeJit.TestSubjects;

/// <summary>Arrays of every element kind, lengths, bounds, covariance, jagged arrays, structs in arrays.</summary>
public static class Arrays
{
    [Sample(5)] [Sample(0)]
    public static long Kinds(int n)
    {
        var ints = new int[n];
        var longs = new long[n];
        var bytes = new byte[n];
        var doubles = new double[n];
        var strings = new string[n];
        var chars = new char[n];
        long sum = 0;
        for (int i = 0; i < n; i++)
        {
            ints[i] = i * 3;
            longs[i] = ints[i] * 1000000000L;
            bytes[i] = (byte)(i * 100);
            doubles[i] = i / 2.0;
            strings[i] = i.ToString();
            chars[i] = (char)('a' + i);
            sum += ints[i] + longs[i] + bytes[i] + (long)(doubles[i] * 10) + strings[i].Length + chars[i];
        }
        return sum + ints.Length + longs.LongLength;
    }

    [Sample(2)] [Sample(5)] [Sample(-1)]
    public static int OutOfBounds(int index) => new[] { 1, 2, 3 }[index];

    [Sample(4)] [Sample(-2)]
    public static int NegativeLength(int n) => new int[n].Length;

    [Sample("x")]
    public static string Covariance(string s)
    {
        object[] objects = new string[2];
        objects[0] = s;
        objects[1] = 42;
        return (string)objects[0];
    }

    [Sample(3)] [Sample(6)]
    public static int Jagged(int n)
    {
        var rows = new int[n][];
        for (int i = 0; i < n; i++)
        {
            rows[i] = new int[i + 1];
            for (int j = 0; j <= i; j++) rows[i][j] = i == j || j == 0 ? 1 : rows[i - 1][j - 1] + rows[i - 1][j];
        }
        return rows[n - 1].Sum();
    }

    [Sample(4)]
    public static int StructArray(int n)
    {
        var points = new Point[n];
        for (int i = 0; i < n; i++) points[i].Move(i, 2 * i);
        ref var last = ref points[n - 1];
        last.X += 100;
        return points.Sum(p => p.X + p.Y);
    }

    [Sample(new[] { 5, 3, 9, 1 })]
    public static string SortAndReverse(int[] values)
    {
        var copy = (int[])values.Clone();
        Array.Sort(copy);
        Array.Reverse(copy);
        return string.Join(",", copy);
    }
}

namespace PeJit.TestSubjects;

/// <summary>Structs by value and by reference, ref locals and returns, in parameters, initobj, copies, tuples.</summary>
public static class ValueTypes
{
    private static void Shift(ref Point p, int by) => p.Move(by, by);

    private static int Read(in Point p) => p.X * 10 + p.Y;

    private static ref int Largest(int[] values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
        return ref values[best];
    }

    [Sample(1, 2)] [Sample(-3, 4)]
    public static string Structs(int x, int y)
    {
        var p = new Point(x, y);
        var copy = p;
        copy.Move(100, 100);
        Shift(ref p, 1);
        var zero = default(Point);
        return p.ToString() + copy + zero + Read(in p);
    }

    [Sample(3)]
    public static string RefLocals(int n)
    {
        var values = new[] { 4, 9, 2 };
        ref int largest = ref Largest(values);
        largest += n;
        ref int first = ref values[0];
        first++;
        return string.Join(",", values);
    }

    [Sample(2, 5)]
    public static int Tuples(int a, int b)
    {
        var pair = (a, b);
        (int sum, int product) = (pair.a + pair.b, pair.a * pair.b);
        var swapped = (pair.b, pair.a);
        return sum * 100 + product + swapped.Item1 * 1000;
    }
}

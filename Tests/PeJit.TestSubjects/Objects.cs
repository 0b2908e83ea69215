namespace PeJit.TestSubjects;

/// <summary>Allocation, static/instance/virtual/interface calls, ref and out, generics, delegates, constrained calls.</summary>
public static class Objects
{
    [Sample(1.0, 2.0)] [Sample(0.5, 3.0)]
    public static string Virtual(double radius, double side)
    {
        Shape[] shapes = [new Circle(radius), new Square(side)];
        string result = "";
        foreach (var shape in shapes) result += shape.Describe() + ";";
        return result;
    }

    [Sample(3)] [Sample(0)]
    public static int Interface(int n)
    {
        ICounter counter = new Counter();
        int last = 0;
        for (int i = 0; i < n; i++) last = counter.Next();
        return last;
    }

    private static void Swap(ref int a, ref int b) => (a, b) = (b, a);

    private static bool TryHalve(int x, out int half)
    {
        half = x / 2;
        return x % 2 == 0;
    }

    [Sample(4, 9)] [Sample(7, 2)]
    public static int RefAndOut(int a, int b)
    {
        Swap(ref a, ref b);
        return TryHalve(a, out int half) ? half * 100 + b : -half - b;
    }

    private static T Identity<T>(T value) => value;

    [Sample(5, "five")]
    public static string Generics(int n, string s)
    {
        var list = new List<int>();
        for (int i = 0; i < n; i++) list.Add(Identity(i * i));
        var map = new Dictionary<string, int> { [s] = list.Count };
        return Identity(s) + map[s] + list[^1] + list.Sum();
    }

    private static int Triple(int x) => 3 * x;

    [Sample(4)] [Sample(-2)]
    public static int Delegates(int x)
    {
        Func<int, int> triple = Triple;
        Func<int, int> add = y => y + x;
        return triple(x) + add(10);
    }

    private static string Show<T>(T value) => value!.ToString() + value.GetHashCode().ToString().Length + value.Equals(value);

    [Sample(42)] [Sample(-1)]
    public static string Constrained(int x) => Show(x) + Show(new Point(x, 1)) + Show("s");

    [Sample(3)]
    public static int StaticLocalFunction(int n)
    {
        return Fib(n + 5);
        static int Fib(int k) => k < 2 ? k : Fib(k - 1) + Fib(k - 2);
    }
}

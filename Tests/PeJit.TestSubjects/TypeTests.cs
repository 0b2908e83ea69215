namespace PeJit.TestSubjects;

/// <summary>isinst and castclass on classes and interfaces, pattern matching, failed casts.</summary>
public static class TypeTests
{
    private static object Make(int kind) => kind switch
    {
        0 => new Circle(1),
        1 => new Square(2),
        2 => new Counter(),
        3 => "string",
        _ => 42,
    };

    [Sample(0)] [Sample(1)] [Sample(2)] [Sample(3)] [Sample(4)]
    public static string Patterns(int kind) => Make(kind) switch
    {
        Circle c => "circle " + c.Radius,
        Shape s => "shape " + s.Name,
        ICounter counter => "counter " + counter.Next(),
        string s => "string " + s.Length,
        int i => "int " + i,
        _ => "other",
    };

    [Sample(0)] [Sample(2)]
    public static int AsAndIs(int kind)
    {
        var value = Make(kind);
        var shape = value as Shape;
        return (shape is null ? 0 : 1) + (value is IDisposable ? 10 : 0) + (value is Circle { Radius: > 0 } ? 100 : 0);
    }

    [Sample(1)] [Sample(3)]
    public static double FailedCast(int kind) => ((Shape)Make(kind)).Area();
}

namespace PeJit.TestSubjects;

/// <summary>Static and instance fields, readonly fields, fields of structs.</summary>
public static class Fields
{
    private static int total;
    private static readonly int[] Table = [1, 1, 2, 3, 5, 8, 13];

    [Sample(3)] [Sample(10)]
    public static int Statics(int n)
    {
        total = 0;
        for (int i = 0; i < n; i++) total += Table[i % Table.Length];
        return total;
    }

    [Sample(2.0)] [Sample(0.5)]
    public static double Instance(double side)
    {
        var square = new Square(side);
        square.Side += 1;
        return square.Side + square.Area() + square.Name.Length;
    }

    [Sample(3, 4)] [Sample(-1, 1)]
    public static int StructFields(int x, int y)
    {
        var holder = new Holder { Count = 2 };
        holder.Inner.X = x;
        holder.Inner.Y = y;
        holder.Inner.Move(1, 1);
        holder.Count += holder.Inner.Sum;
        return holder.Count * 10 + holder.Inner.X;
    }
}

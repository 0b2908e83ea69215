namespace PeJit.TestSubjects;

/// <summary>box, unbox, unbox.any, Nullable, enums.</summary>
public static class Boxing
{
    [Sample(5)] [Sample(-5)]
    public static int RoundTrip(int x)
    {
        object boxed = x;
        object other = x;
        int back = (int)boxed;
        return back + (boxed.Equals(other) ? 10 : 0) + (ReferenceEquals(boxed, other) ? 100 : 0);
    }

    [Sample("text")]
    public static int WrongUnbox(string s)
    {
        object boxed = s;
        return (int)boxed;
    }

    [Sample(3)] [Sample(-1)]
    public static int Nullables(int x)
    {
        int? maybe = x > 0 ? x : null;
        int? none = null;
        return (maybe ?? 100) + (maybe.HasValue ? maybe.Value : -1) + (none ?? 7) + (maybe.GetValueOrDefault());
    }

    [Sample((byte)2)] [Sample((byte)5)]
    public static string Enums(byte raw)
    {
        var color = (Color)raw;
        object boxed = color;
        return color.ToString() + (int)color + (color == Color.Green) + boxed.GetType().Name + (color | Color.Red);
    }
}

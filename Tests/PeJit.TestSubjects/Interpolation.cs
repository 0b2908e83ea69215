using System.Globalization;

namespace PeJit.TestSubjects;

/// <summary>
/// C#'s string interpolation: a local of the ref struct <c>DefaultInterpolatedStringHandler</c>, made, appended to and
/// turned into a string through its address. What an interpreter's error messages are built with.
/// </summary>
public static class Interpolation
{
    /// <summary>Each kind of hole: a value type, a string, a nullable, an object, null.</summary>
    [Sample(7L, "x")] [Sample(-3L, null)]
    public static string Holes(long n, string? s)
    {
        object boxed = n * 2;
        int? maybe = n > 0 ? (int)n : null;
        return $"n={n} s={s} maybe={maybe} boxed={boxed} none={null} char={'c'}";
    }

    /// <summary>Format strings and alignment, on value types, strings and objects.</summary>
    [Sample(255L, 2.5)] [Sample(-1L, -0.125)]
    public static string Formats(long n, double d)
    {
        object o = n;
        string text = "ab";
        return $"[{n,6}] [{n,-6}] [{n:x}] [{n,8:x4}] [{d:F2}] [{d,10:E1}] [{text,4}] [{text,-4}|] [{o,5}] [{o:D5}]";
    }

    /// <summary>A culture given to the handler (<c>string.Create</c>), against the current one.</summary>
    [Sample(1234.5)]
    public static string Cultures(double d) =>
        string.Create(CultureInfo.InvariantCulture, $"{d:N1}") + "|" + string.Create(new CultureInfo("de-DE"), $"{d:N1} {d}");

    /// <summary>A value of the program's own type: formatted through its <c>IFormattable</c>.</summary>
    [Sample(3)]
    public static string OwnFormattable(int n)
    {
        var point = new Point(n, -n);
        return $"{point} {point:brackets} {point,12}";
    }

    /// <summary>An interpreter's trap: the message is made only on the path that throws.</summary>
    [Sample(5)] [Sample(-1)]
    public static int Trap(int pc) => pc >= 0 ? pc * 2 : throw new InvalidOperationException($"unreachable executed at pc {pc - 1} ({pc:x})");

    /// <summary>Interpolation in a loop: one handler slot made again on every turn.</summary>
    [Sample(4)]
    public static string Loop(int n)
    {
        string all = "";
        for (int i = 0; i < n; i++) all += $"<{i}:{i * i,3}>";
        return all;
    }

    /// <summary>A point that formats itself, with and without a format.</summary>
    public readonly struct Point(int x, int y) : IFormattable
    {
        /// <inheritdoc/>
        public string ToString(string? format, IFormatProvider? provider) => format == "brackets" ? $"[{x};{y}]" : $"({x}, {y})";

        /// <inheritdoc/>
        public override string ToString() => ToString(null, null);
    }
}

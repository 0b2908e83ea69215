using System.Globalization;

namespace PeJit.Examples.Lua.Values;

/// <summary>Lua's rules for what C# does differently: floor division and modulo, and how a float prints.</summary>
public static class LuaArithmetic
{
    /// <summary>Integer <c>a // b</c>, rounding towards minus infinity; <paramref name="b"/> is not 0.</summary>
    public static long FloorDivide(long a, long b)
    {
        if (b == -1) return unchecked(-a);
        long q = a / b;
        if ((a % b != 0) && ((a < 0) != (b < 0))) q--;
        return q;
    }

    /// <summary>Integer <c>a % b</c>, with the sign of <paramref name="b"/>; <paramref name="b"/> is not 0.</summary>
    public static long Modulo(long a, long b)
    {
        if (b == -1) return 0;
        long m = a % b;
        if (m != 0 && (m < 0) != (b < 0)) m += b;
        return m;
    }

    /// <summary>Float <c>a % b</c>, with the sign of <paramref name="b"/>.</summary>
    public static double Modulo(double a, double b)
    {
        double m = a % b;
        if (m != 0 && (m < 0) != (b < 0)) m += b;
        return m;
    }

    /// <summary>
    /// A float as Lua's <c>%.14g</c> prints it, with <c>.0</c> added when it looks like an integer; every NaN as <c>nan</c>.
    /// </summary>
    /// <remarks>
    /// A NaN's sign is not printed (C's printf would write <c>-nan</c> for some): .NET does not fix which NaN an operation on
    /// two NaNs gives (x64's <c>addsd</c> gives its first operand's, and RyuJIT swaps the operands of <c>+</c> and <c>*</c> when
    /// it optimizes: <c>LuaFloat.Add</c> keeps the left NaN's sign at tier 0 and the right one's fully optimized), so the sign
    /// would make the same program print differently from one run of the same interpreter to the next.
    /// </remarks>
    public static string FormatFloat(double value)
    {
        if (double.IsNaN(value)) return "nan";
        if (double.IsPositiveInfinity(value)) return "inf";
        if (double.IsNegativeInfinity(value)) return "-inf";
        string text = value.ToString("G14", CultureInfo.InvariantCulture);
        int e = text.IndexOf('E');
        if (e >= 0)
        {
            // C# writes E+15 or E-05; C writes e+15 and at least two exponent digits.
            string mantissa = text[..e];
            char sign = text[e + 1];
            string digits = text[(e + 2)..].TrimStart('0');
            if (digits.Length < 2) digits = digits.PadLeft(2, '0');
            return mantissa + "e" + sign + digits;
        }
        return text.Contains('.') ? text : text + ".0";
    }
}

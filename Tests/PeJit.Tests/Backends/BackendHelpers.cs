namespace PeJit.Tests.Backends;

/// <summary>Static methods the backend cases call (native code calls them through the AMD64 trampoline).</summary>
public static class BackendHelpers
{
    /// <summary><c>x * 3 + k</c>; throws for a negative <paramref name="x"/>, so that a helper's exception must come out as itself.</summary>
    public static long Step(long x, int k) => x < 0 ? throw new ArgumentOutOfRangeException(nameof(x), x, "negative") : x * 3 + k;

    /// <summary>Writes <paramref name="value"/> and a space: a helper taking an object (a handle in native code).</summary>
    public static void Write(TextWriter writer, long value)
    {
        writer.Write(value);
        writer.Write(' ');
    }

    /// <summary>A narrow result and narrow parameters: the stack form must survive the trampoline both ways.</summary>
    public static byte Low(short value, bool negate) => (byte)(negate ? -value : value);
}

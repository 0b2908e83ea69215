using System.Reflection;

namespace PeJit.Examples.HandlerTable;

/// <summary>The bundled programs (Programs/*.hvm, embedded in the assembly).</summary>
public static class Programs
{
    private const string Prefix = "PeJit.Examples.HandlerTable.Programs.";

    /// <summary>The names of the bundled programs, sorted.</summary>
    public static IReadOnlyList<string> Names { get; } = typeof(Programs).Assembly.GetManifestResourceNames()
        .Where(n => n.StartsWith(Prefix, StringComparison.Ordinal) && n.EndsWith(".hvm", StringComparison.Ordinal))
        .Select(n => n[Prefix.Length..^4]).Order().ToList();

    /// <summary>The source of a bundled program.</summary>
    public static string Source(string name)
    {
        using var stream = typeof(Programs).Assembly.GetManifestResourceStream(Prefix + name + ".hvm")
            ?? throw new ArgumentException($"no bundled program '{name}'; the programs are: {string.Join(", ", Names)}");
        return new StreamReader(stream).ReadToEnd();
    }
}

using System.Reflection;

namespace PeJit.Examples.TreeWalker;

/// <summary>The bundled programs (Programs/*.tw, embedded in the assembly).</summary>
public static class Programs
{
    private const string Prefix = "PeJit.Examples.TreeWalker.Programs.";

    /// <summary>The names of the bundled programs, sorted.</summary>
    public static IReadOnlyList<string> Names { get; } = typeof(Programs).Assembly.GetManifestResourceNames()
        .Where(n => n.StartsWith(Prefix, StringComparison.Ordinal) && n.EndsWith(".tw", StringComparison.Ordinal))
        .Select(n => n[Prefix.Length..^3]).Order().ToList();

    /// <summary>The source of a bundled program.</summary>
    public static string Source(string name)
    {
        using var stream = typeof(Programs).Assembly.GetManifestResourceStream(Prefix + name + ".tw")
            ?? throw new ArgumentException($"no bundled program '{name}'; the programs are: {string.Join(", ", Names)}");
        return new StreamReader(stream).ReadToEnd();
    }
}

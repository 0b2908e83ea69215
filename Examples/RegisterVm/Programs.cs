using System.Reflection;

namespace PeJit.Examples.RegisterVm;

/// <summary>The bundled programs (Programs/*.rvm, embedded in the assembly).</summary>
public static class Programs
{
    private const string Prefix = "PeJit.Examples.RegisterVm.Programs.";

    /// <summary>The names of the bundled programs, sorted.</summary>
    public static IReadOnlyList<string> Names { get; } = typeof(Programs).Assembly.GetManifestResourceNames()
        .Where(n => n.StartsWith(Prefix, StringComparison.Ordinal) && n.EndsWith(".rvm", StringComparison.Ordinal))
        .Select(n => n[Prefix.Length..^4]).Order().ToList();

    /// <summary>The source of a bundled program.</summary>
    public static string Source(string name)
    {
        using var stream = typeof(Programs).Assembly.GetManifestResourceStream(Prefix + name + ".rvm")
            ?? throw new ArgumentException($"no bundled program '{name}'; the programs are: {string.Join(", ", Names)}");
        return new StreamReader(stream).ReadToEnd();
    }
}

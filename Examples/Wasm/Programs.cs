namespace PeJit.Examples.Wasm;

/// <summary>The bundled programs (Programs/*.wat, embedded in the assembly).</summary>
public static class Programs
{
    private const string Prefix = "PeJit.Examples.Wasm.Programs.";

    /// <summary>The names of the bundled programs, sorted.</summary>
    public static IReadOnlyList<string> Names { get; } = typeof(Programs).Assembly.GetManifestResourceNames()
        .Where(n => n.StartsWith(Prefix, StringComparison.Ordinal) && n.EndsWith(".wat", StringComparison.Ordinal))
        .Select(n => n[Prefix.Length..^4]).Order().ToList();

    /// <summary>The source of a bundled program.</summary>
    public static string Source(string name)
    {
        using var stream = typeof(Programs).Assembly.GetManifestResourceStream(Prefix + name + ".wat")
            ?? throw new ArgumentException($"no bundled program '{name}'; the programs are: {string.Join(", ", Names)}");
        return new StreamReader(stream).ReadToEnd();
    }
}

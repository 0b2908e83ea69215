namespace PeJit.Examples.Lua;

/// <summary>The bundled programs (Programs/*.lua, embedded in the assembly).</summary>
public static class Programs
{
    private const string Prefix = "PeJit.Examples.Lua.Programs.";

    /// <summary>The names of the bundled programs, sorted.</summary>
    public static IReadOnlyList<string> Names { get; } = typeof(Programs).Assembly.GetManifestResourceNames()
        .Where(n => n.StartsWith(Prefix, StringComparison.Ordinal) && n.EndsWith(".lua", StringComparison.Ordinal))
        .Select(n => n[Prefix.Length..^4]).Order().ToList();

    /// <summary>For each program, a size (the value of <c>N</c>) that keeps the plain interpreter busy for a few seconds.</summary>
    public static IReadOnlyDictionary<string, long> MeasureSizes { get; } = new Dictionary<string, long>
    {
        ["numeric"] = 20_000_000,
        ["fib"] = 30,
        ["sieve"] = 4_000_000,
        ["nbody"] = 500_000,
        ["strings"] = 1_000_000,
        ["polymorphic"] = 10_000_000,
        ["errors"] = 1_000_000,
    };

    /// <summary>The source of a bundled program.</summary>
    public static string Source(string name)
    {
        using var stream = typeof(Programs).Assembly.GetManifestResourceStream(Prefix + name + ".lua")
            ?? throw new ArgumentException($"no bundled program '{name}'; the programs are: {string.Join(", ", Names)}");
        return new StreamReader(stream).ReadToEnd();
    }
}

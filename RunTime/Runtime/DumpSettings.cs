using System.Text.RegularExpressions;
using PeJit.Optimizer;

namespace PeJit.Runtime;

/// <summary>
/// What <c>PEJIT_DUMP=[&lt;portal or key glob&gt;:]&lt;pass,...|all&gt;</c> asks for: which units (a glob on the portal's
/// name or the green key), after which optimizer passes, and where (<c>PEJIT_DUMP_DIR</c>, default
/// <c>./pejit-dump</c>). A unit that matches is written as the engine emitted it, after each named pass, and as
/// handed to the backend; its portal's extension program is written once, when the portal is prepared.
/// </summary>
/// <param name="Directory">The folder the files go to (created when the first is written).</param>
/// <param name="Glob">Only portals or keys that match it (<c>*</c> and <c>?</c>); null for every unit.</param>
/// <param name="Passes">The pass names to dump after; null for every pass.</param>
public sealed record DumpSettings(string Directory, string? Glob, IReadOnlySet<string>? Passes)
{
    /// <summary>The folder used when <c>PEJIT_DUMP_DIR</c> is not set.</summary>
    public const string DefaultDirectory = "pejit-dump";

    /// <summary>The settings <c>PEJIT_DUMP</c> and <c>PEJIT_DUMP_DIR</c> give; null when <c>PEJIT_DUMP</c> is not set.</summary>
    /// <remarks>
    /// A value that names no pass is a one-line warning (once per process) and no dump: it is read while the
    /// first <c>CanEnterJit</c> sets up the runtime, where an exception would take the interpreter down.
    /// </remarks>
    public static DumpSettings? FromEnvironment()
    {
        if (Environment.GetEnvironmentVariable("PEJIT_DUMP") is not { Length: > 0 } value) return null;
        try
        {
            return Parse(value, Environment.GetEnvironmentVariable("PEJIT_DUMP_DIR") is { Length: > 0 } directory ? directory : DefaultDirectory);
        }
        catch (ArgumentException e)
        {
            if (Interlocked.Exchange(ref warnedAboutEnvironment, 1) == 0) JitLog.Shared.Warning($"pejit: warning: {e.Message}; nothing is dumped");
            return null;
        }
    }

    private static int warnedAboutEnvironment;

    /// <summary>Reads <c>[glob:]pass,pass|all</c>.</summary>
    /// <exception cref="ArgumentException">A name that is no pass of <see cref="Pipeline.Passes"/>.</exception>
    public static DumpSettings Parse(string value, string directory)
    {
        // The pass list never holds a colon, so the last one ends the glob (a key glob may hold colons).
        int colon = value.LastIndexOf(':');
        string? glob = colon >= 0 ? value[..colon] : null;
        var names = value[(colon + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (names is [] || names.Contains("all")) return new DumpSettings(directory, glob, null);
        var known = Pipeline.Passes.Select(p => p.Name).Distinct().ToList();
        if (names.FirstOrDefault(n => !known.Contains(n)) is { } unknown)
            throw new ArgumentException($"PEJIT_DUMP names no optimization pass '{unknown}'; name some of {string.Join(", ", known)}, or 'all'");
        return new DumpSettings(directory, glob, names.ToHashSet());
    }

    /// <summary>
    /// True when the unit of <paramref name="portal"/> at the key printed <paramref name="key"/> is dumped; with a
    /// null key, when anything of the portal is (its extension program).
    /// </summary>
    public bool Matches(string portal, string? key)
    {
        if (Glob is null) return true;
        var pattern = new Regex("^" + Regex.Escape(Glob).Replace(@"\*", ".*").Replace(@"\?", ".") + "$");
        // The short name (Run) is what a person types; the full name (Type.Run) tells two portals apart.
        return pattern.IsMatch(portal) || pattern.IsMatch(portal[(portal.LastIndexOf('.') + 1)..]) || (key is not null && pattern.IsMatch(key));
    }

    /// <summary>True when the graph after <paramref name="pass"/> is dumped.</summary>
    public bool DumpsAfter(Pass pass) => Passes is null || Passes.Contains(pass.Name);
}

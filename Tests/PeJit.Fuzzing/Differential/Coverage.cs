using System.Text;

namespace PeJit.Fuzzing.Differential;

/// <summary>What compiled code did over many programs in one configuration.</summary>
public sealed class ConfigurationCoverage
{
    /// <summary>Programs run.</summary>
    public int Programs { get; private set; }

    /// <summary>Programs for which at least one unit was compiled.</summary>
    public int ProgramsCompiled { get; private set; }

    /// <summary>Programs that entered compiled code at least once.</summary>
    public int ProgramsEntered { get; private set; }

    /// <summary>Programs whose compiled code left at an exit at least once.</summary>
    public int ProgramsExited { get; private set; }

    /// <summary>Units compiled.</summary>
    public long Units { get; private set; }

    /// <summary>Units the AMD64 backend compiled to machine code (the others are CIL units).</summary>
    public long NativeUnits { get; private set; }

    /// <summary>Case bridges attached, those compiled to machine code, and those entered natively from their exit.</summary>
    public (long All, long Native, long EnteredNatively) CaseBridges { get; private set; }

    /// <summary>Times compiled code was entered.</summary>
    public long Entries { get; private set; }

    /// <summary>Times compiled code left at an exit.</summary>
    public long ExitsTaken { get; private set; }

    /// <summary>IR opcodes seen in residual code, with the number of programs whose units had them.</summary>
    public SortedDictionary<string, long> ResidualOpcodes { get; } = new(StringComparer.Ordinal);

    /// <summary>The language's operations at green keys of compiled units, with the number of programs.</summary>
    public SortedDictionary<string, long> OperationsCompiled { get; } = new(StringComparer.Ordinal);

    /// <summary>Why hot keys were not compiled, with how often.</summary>
    public SortedDictionary<string, long> CompileFailures { get; } = new(StringComparer.Ordinal);

    /// <summary>Why units were CIL units rather than native ones (the AMD64 backend's refusals), with how often.</summary>
    public SortedDictionary<string, long> NotNative { get; } = new(StringComparer.Ordinal);

    /// <summary>Wall-clock time spent in this configuration (compiling and running), summed over the programs.</summary>
    public TimeSpan Time { get; private set; }

    /// <summary>Counts <paramref name="coverage"/>, one program's, which took <paramref name="time"/>.</summary>
    public void Add(UnitCoverage coverage, TimeSpan time = default)
    {
        Time += time;
        Programs++;
        if (coverage.Units > 0) ProgramsCompiled++;
        if (coverage.Entries > 0) ProgramsEntered++;
        if (coverage.ExitsTaken > 0) ProgramsExited++;
        Units += coverage.Units;
        NativeUnits += coverage.NativeUnits;
        CaseBridges = (CaseBridges.All + coverage.CaseBridges.All, CaseBridges.Native + coverage.CaseBridges.Native, CaseBridges.EnteredNatively + coverage.CaseBridges.EnteredNatively);
        Entries += coverage.Entries;
        ExitsTaken += coverage.ExitsTaken;
        foreach (var opcode in coverage.ResidualOpcodes) Increment(ResidualOpcodes, opcode, 1);
        foreach (var operation in coverage.OperationsCompiled) Increment(OperationsCompiled, operation, 1);
        foreach (var failure in coverage.CompileFailures) Increment(CompileFailures, failure, 1);
        foreach (var reason in coverage.NotNative ?? []) Increment(NotNative, reason, 1);
    }

    /// <summary>Adds the counts of <paramref name="other"/>.</summary>
    public void Add(ConfigurationCoverage other)
    {
        Programs += other.Programs;
        Time += other.Time;
        ProgramsCompiled += other.ProgramsCompiled;
        ProgramsEntered += other.ProgramsEntered;
        ProgramsExited += other.ProgramsExited;
        Units += other.Units;
        NativeUnits += other.NativeUnits;
        CaseBridges = (CaseBridges.All + other.CaseBridges.All, CaseBridges.Native + other.CaseBridges.Native, CaseBridges.EnteredNatively + other.CaseBridges.EnteredNatively);
        Entries += other.Entries;
        ExitsTaken += other.ExitsTaken;
        foreach (var (key, count) in other.ResidualOpcodes) Increment(ResidualOpcodes, key, count);
        foreach (var (key, count) in other.OperationsCompiled) Increment(OperationsCompiled, key, count);
        foreach (var (key, count) in other.CompileFailures) Increment(CompileFailures, key, count);
        foreach (var (key, count) in other.NotNative) Increment(NotNative, key, count);
    }

    /// <summary>The share of programs that entered compiled code, 0 to 1.</summary>
    public double EnteredShare => Programs == 0 ? 0 : (double)ProgramsEntered / Programs;

    /// <summary>The share of programs whose compiled code took an exit, 0 to 1.</summary>
    public double ExitedShare => Programs == 0 ? 0 : (double)ProgramsExited / Programs;

    internal static void Increment(IDictionary<string, long> counts, string key, long by) =>
        counts[key] = counts.TryGetValue(key, out long count) ? count + by : by;
}

/// <summary>
/// What a fuzzing run covered: how the programs ended in the plain interpreter, the operations they contain,
/// and per configuration what compiled code did. A fuzzer whose programs never compile proves nothing, so
/// the tests assert on these.
/// </summary>
public sealed class Coverage
{
    /// <summary>Programs run.</summary>
    public int Programs { get; private set; }

    /// <summary>How programs ended in the plain interpreter (<c>returned</c> or the exception's type), with counts.</summary>
    public SortedDictionary<string, long> Endings { get; } = new(StringComparer.Ordinal);

    /// <summary>The language's operations the programs contain, with the number of programs.</summary>
    public SortedDictionary<string, long> OperationsGenerated { get; } = new(StringComparer.Ordinal);

    /// <summary>Per configuration name.</summary>
    public SortedDictionary<string, ConfigurationCoverage> Configurations { get; } = new(StringComparer.Ordinal);

    /// <summary>Counts one program's result.</summary>
    public void Add(ProgramResult result, IEnumerable<string> operations)
    {
        Programs++;
        ConfigurationCoverage.Increment(Endings, result.Plain.Exception is null ? "returned" : result.Plain.Exception.Split(':')[0], 1);
        foreach (var operation in operations.Distinct()) ConfigurationCoverage.Increment(OperationsGenerated, operation, 1);
        foreach (var run in result.Runs) For(run.Configuration.Name).Add(run.Coverage, run.Elapsed);
    }

    /// <summary>Adds the counts of <paramref name="other"/>.</summary>
    public void Add(Coverage other)
    {
        Programs += other.Programs;
        foreach (var (key, count) in other.Endings) ConfigurationCoverage.Increment(Endings, key, count);
        foreach (var (key, count) in other.OperationsGenerated) ConfigurationCoverage.Increment(OperationsGenerated, key, count);
        foreach (var (name, coverage) in other.Configurations) For(name).Add(coverage);
    }

    private ConfigurationCoverage For(string name)
    {
        if (!Configurations.TryGetValue(name, out var coverage)) Configurations[name] = coverage = new ConfigurationCoverage();
        return coverage;
    }

    /// <summary>The report: a few lines per configuration, every count named.</summary>
    public string Report(IReadOnlyList<string> allOperations)
    {
        var text = new StringBuilder();
        text.AppendLine($"programs: {Programs}; endings in the plain interpreter: {Counts(Endings)}");
        var missing = allOperations.Where(o => !OperationsGenerated.ContainsKey(o)).ToList();
        text.AppendLine($"operations generated: {OperationsGenerated.Count} of {allOperations.Count}{(missing.Count > 0 ? " (never: " + string.Join(", ", missing) + ")" : "")}");
        foreach (var (name, c) in Configurations)
        {
            text.AppendLine($"[{name}] compiled {Share(c.ProgramsCompiled, c.Programs)}, entered compiled code {Share(c.ProgramsEntered, c.Programs)}, " +
                $"took exits {Share(c.ProgramsExited, c.Programs)}; {c.Units} units{(c.NativeUnits > 0 ? $" ({c.NativeUnits} native)" : "")}{(c.CaseBridges.All > 0 ? $", {c.CaseBridges.All} case bridges ({c.CaseBridges.Native} native, {c.CaseBridges.EnteredNatively} entered natively)" : "")}, {c.Entries} entries, {c.ExitsTaken} exits taken; {c.Time.TotalSeconds:0.0} s");
            var notCompiled = allOperations.Where(o => !c.OperationsCompiled.ContainsKey(o)).ToList();
            text.AppendLine($"[{name}] operations in compiled units: {c.OperationsCompiled.Count} of {allOperations.Count}{(notCompiled.Count > 0 ? " (never: " + string.Join(", ", notCompiled) + ")" : "")}");
            text.AppendLine($"[{name}] residual IR opcodes ({c.ResidualOpcodes.Count}): {string.Join(" ", c.ResidualOpcodes.Keys)}");
            if (c.CompileFailures.Count > 0)
                text.AppendLine($"[{name}] not compiled: {string.Join("; ", c.CompileFailures.Select(p => $"{p.Value}x {p.Key}"))}");
            if (c.NotNative.Count > 0)
                text.AppendLine($"[{name}] CIL units, not native: {string.Join("; ", c.NotNative.OrderByDescending(p => p.Value).Select(p => $"{p.Value}x {p.Key}"))}");
        }
        return text.ToString();
    }

    private static string Counts(IDictionary<string, long> counts) => string.Join(", ", counts.Select(p => $"{p.Key} {p.Value}"));

    private static string Share(long part, long whole) => whole == 0 ? "0" : $"{part}/{whole} ({100.0 * part / whole:0.0}%)";
}

using System.Diagnostics;
using System.Text.RegularExpressions;
using PeJit.Fuzzing.Languages;
using PeJit.Runtime;

namespace PeJit.Fuzzing.Differential;

/// <summary>
/// Runs programs of one language in the plain interpreter and through a <see cref="PortalJit"/> per
/// configuration, and compares what they did. Not thread-safe: one runner per thread. The portals live as long
/// as the runner: every program is a new green object, so a program's units serve only that program, and the
/// code cache drops old programs' units past its bound.
/// </summary>
public sealed partial class DifferentialRunner
{
    private readonly Dictionary<JitConfiguration, (PortalJit Jit, StringWriter Log)> portals = [];
    private long startedTicks;

    /// <summary>
    /// The program object and portal of the program's run in each configuration that runs once, by settings: a
    /// configuration that runs twice with the same settings (<c>warm</c>) runs only its second run on them, its
    /// first being that run already (same settings, same program, so the same units), compared already.
    /// </summary>
    private readonly Dictionary<JitSettings, (PortalJit Jit, StringWriter Log, object Green)> firstRuns = [];

    /// <summary>A runner for <paramref name="language"/> in <paramref name="configurations"/>.</summary>
    public DifferentialRunner(FuzzLanguage language, IReadOnlyList<JitConfiguration> configurations)
    {
        Language = language;
        Configurations = configurations;
    }

    /// <summary>The language.</summary>
    public FuzzLanguage Language { get; }

    /// <summary>The configurations each program runs in.</summary>
    public IReadOnlyList<JitConfiguration> Configurations { get; }

    /// <summary>When the run going on (plain, or in one configuration) started (<see cref="Stopwatch"/> ticks), 0 when none is: a watchdog reads it.</summary>
    public long StartedTicks => Interlocked.Read(ref startedTicks);

    /// <summary>What the run going on is running: <c>plain</c> or a configuration's name.</summary>
    public string Stage { get; private set; } = "";

    /// <summary>
    /// Runs <paramref name="program"/> plain, then JIT-enabled in each configuration (or only in
    /// <paramref name="only"/>). The program must be runnable (<see cref="FuzzLanguage.IsRunnable"/>).
    /// </summary>
    public ProgramResult Run(string program, JitConfiguration? only = null)
    {
        Interlocked.Exchange(ref startedTicks, Stopwatch.GetTimestamp());
        try
        {
            Stage = "plain";
            var plain = Language.RunPlain(program);
            var runs = new List<JittedRun>();
            firstRuns.Clear();
            foreach (var configuration in only is null ? Configurations : [only])
            {
                long started = Stopwatch.GetTimestamp();
                var run = RunIn(configuration, program, plain);
                runs.Add(run with { Elapsed = Stopwatch.GetElapsedTime(started) });
            }
            return new ProgramResult(program, plain, runs);
        }
        finally
        {
            Interlocked.Exchange(ref startedTicks, 0);
        }
    }

    private JittedRun RunIn(JitConfiguration configuration, string program, Behaviour plain)
    {
        Stage = configuration.Name;
        Behaviour behaviour;
        UnitCoverage coverage;
        if (configuration.Weaved)
        {
            var weaved = WeavedInterpreter.For(Language);
            Interlocked.Exchange(ref startedTicks, Stopwatch.GetTimestamp());
            behaviour = Language.RunWeaved(weaved, program, out var green);
            // The runtime of a weaved assembly logs only to PEJIT_LOG: no compile failures to read here.
            coverage = Coverage(weaved.Units, green, "");
        }
        else
        {
            Interlocked.Exchange(ref startedTicks, Stopwatch.GetTimestamp());
            if (configuration.Twice && firstRuns.TryGetValue(configuration.Settings, out var first))
            {
                first.Log.GetStringBuilder().Clear();
                object? again = first.Green;
                behaviour = Language.RunJitted(first.Jit, program, ref again);
                coverage = Coverage(first.Jit.Units, first.Green, first.Log.ToString());
                return new JittedRun(configuration, behaviour, coverage, plain.Differences(behaviour));
            }
            var (jit, log) = Portal(configuration);
            log.GetStringBuilder().Clear();
            object? green = null;
            behaviour = Language.RunJitted(jit, program, ref green);
            bool matched = plain.Differences(behaviour).Count == 0;
            if (!configuration.Twice && matched) firstRuns.TryAdd(configuration.Settings, (jit, log, green!));
            if (configuration.Twice && matched)
                behaviour = Language.RunJitted(jit, program, ref green);
            coverage = Coverage(jit.Units, green!, log.ToString());
        }
        return new JittedRun(configuration, behaviour, coverage, plain.Differences(behaviour));
    }

    private (PortalJit Jit, StringWriter Log) Portal(JitConfiguration configuration)
    {
        if (!portals.TryGetValue(configuration, out var portal))
        {
            var log = new StringWriter();
            portal = (PortalJit.Create(Language.Portal, configuration.Settings with { Log = log }, configuration.Backend), log);
            portals[configuration] = portal;
        }
        return portal;
    }

    /// <summary>What the units compiled for <paramref name="green"/> (the program object in their keys) did.</summary>
    private UnitCoverage Coverage(IReadOnlyList<CompiledUnit> all, object green, string log)
    {
        var units = all.Where(u => Language.Owns(green, u.Unit.Entry)).ToList();
        var opcodes = new HashSet<string>();
        var operations = new HashSet<string>();
        foreach (var unit in units)
        {
            var residual = unit.Unit.Residual;
            foreach (var block in residual.Blocks)
                foreach (var instruction in residual[block].Instructions)
                    opcodes.Add(instruction.Opcode.ToString());
            foreach (var key in unit.Unit.Keys)
                operations.UnionWith(Language.OperationsAt(key));
        }
        // Without the key's position and the unit's size, so that one cause counts once however many programs meet it.
        var failures = log.Split('\n').Select(l => NotCompiled().Match(l)).Where(m => m.Success)
            .Select(m => UnitSize().Replace(m.Groups[1].Value.Trim(), "unit at (...): N residual instructions")).ToList();
        // Without value, block and instruction names, so that one kind of refusal counts once.
        var notNative = log.Split('\n').Select(l => NotNative().Match(l)).Where(m => m.Success)
            .Select(m => Names().Replace(Quoted().Replace(m.Groups[1].Value.Trim(), "'...'"), "N")).ToList();
        var caseBridges = log.Split('\n').Where(l => l.Contains(": case bridge at exit #", StringComparison.Ordinal)).ToList();
        return new UnitCoverage(units.Count, units.Sum(u => u.Entries), units.Sum(u => u.ExitsTaken), opcodes, operations, failures,
            units.Count(u => u.Code.Backend == "amd64"), notNative,
            (caseBridges.Count, caseBridges.Count(l => l.Contains(", amd64, ", StringComparison.Ordinal)), caseBridges.Count(l => l.Contains("entered natively", StringComparison.Ordinal))));
    }

    [GeneratedRegex(@"not compiling \S+ at \(.*?\): (.*)$")]
    private static partial Regex NotCompiled();

    [GeneratedRegex(@"is a cil unit: (?:.*?cannot express this unit: )?(.*)$")]
    private static partial Regex NotNative();

    [GeneratedRegex(@"'[^']*\s[^']*'")]
    private static partial Regex Quoted();

    [GeneratedRegex(@"(?<=\b(?:v|block|IL_))[0-9a-fA-F]+\b|\d+")]
    private static partial Regex Names();

    [GeneratedRegex(@"unit at \([^)]*\): \d+ residual instructions")]
    private static partial Regex UnitSize();
}

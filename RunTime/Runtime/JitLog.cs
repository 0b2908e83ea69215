using System.Diagnostics;
using System.Globalization;
using System.Text;
using PeJit.IR.Text;
using PeJit.Specializer.Engine;

namespace PeJit.Runtime;

/// <summary>
/// The log of JIT-enabled code, in the spirit of PyPy's <c>PYPYLOG</c>: <c>PEJIT_LOG=summary</c> prints at
/// process exit what was compiled; <c>units</c> logs each unit as it is compiled; <c>residual</c> dumps its
/// residual code. It goes to stderr (the interpreted program's stdout stays its own), or to the file
/// <c>PEJIT_LOG_FILE</c> names, appended to: several processes may share one log file, and each message lands
/// whole (<see cref="AppendingLogFile"/>).
/// </summary>
public sealed class JitLog
{
    private readonly object gate = new();
    private readonly Func<TextWriter> open;
    private readonly Stopwatch uptime = Stopwatch.StartNew();
    // Made at the first record, under the gate: every JIT-enabled process makes the shared log, and without a log (or
    // never hot) nothing is recorded, so it need not load these collections' generic instantiations (some 20 types).
    private Records? records;

    /// <summary>What the summary reports, per portal.</summary>
    private sealed class Records
    {
        public readonly List<LoggedUnit> Compiled = [];
        public readonly Dictionary<string, int> NotCompiled = [];

        /// <summary>Per portal, why its first hot key could not be compiled: the summary says it when nothing was.</summary>
        public readonly Dictionary<string, string> FirstRefusal = [];

        // One class per portal, not dictionaries of TimeSpan or DotnetJitCost: .NET compiles a framework dictionary over
        // a struct value in every process that logs, during the very preparation the summary times.
        public readonly Dictionary<string, Preparation> Prepared = [];
    }

    /// <summary>The records, made on first use; call it holding the gate.</summary>
    private Records Recorded => records ??= new Records();

    private sealed record Preparation(TimeSpan Time, DotnetJitCost DotnetJit, string? Parts, Func<string>? Later, TimeSpan? Cpu);
    private DotnetJitCost? firstUnitJit;
    private IReadOnlyList<StageCost>? firstUnitStages;
    private bool firstUnitLogged;
    private DotnetJitCost firstUnitOwnThread;
    private TimeSpan? firstUnitCpu;
    private TimeSpan? firstEntered;
    private DotnetJitCost firstEnteredJit;
    private (CompiledUnit Unit, DotnetJitCost Compile)? firstEntry;
    private int entered;
    private TextWriter? writer;
    private int summaries;

    /// <summary>A log of <paramref name="topics"/> to the writer <paramref name="open"/> gives on first use.</summary>
    public JitLog(JitLogTopics topics, Func<TextWriter> open)
    {
        Topics = topics;
        this.open = open;
    }

    /// <summary>The log the environment asks for; its summary is written when the process exits.</summary>
    public static JitLog Shared { get; } = FromEnvironment();

    /// <summary>What is logged.</summary>
    public JitLogTopics Topics { get; }

    /// <summary>Reads <c>PEJIT_LOG</c> and <c>PEJIT_LOG_FILE</c>.</summary>
    public static JitLog FromEnvironment()
    {
        var topics = ParseTopics(Environment.GetEnvironmentVariable("PEJIT_LOG"), out var unknown);
        string? file = Environment.GetEnvironmentVariable("PEJIT_LOG_FILE");
        var log = new JitLog(topics, () => file is { Length: > 0 } ? OpenFile(file) : Console.Error);
        if (unknown.Count > 0)
            log.Write($"pejit: PEJIT_LOG: unknown topic(s) {string.Join(", ", unknown)}; the topics are summary, units, residual, asm, assemblies, memory, all");
        if (topics.HasFlag(JitLogTopics.Summary)) AppDomain.CurrentDomain.ProcessExit += (_, _) => log.WriteSummary();
        if (topics.HasFlag(JitLogTopics.Assemblies)) AppDomain.CurrentDomain.ProcessExit += (_, _) => log.WriteAssemblies();
        if (topics.HasFlag(JitLogTopics.Memory))
            AppDomain.CurrentDomain.ProcessExit += (_, _) => log.Write(string.Create(CultureInfo.InvariantCulture,
                $"pejit: memory: at exit: {GC.GetTotalMemory(forceFullCollection: false)} bytes in the heap, {GC.GetTotalAllocatedBytes(precise: true)} allocated by the process, collections gen0 {GC.CollectionCount(0)}, gen1 {GC.CollectionCount(1)}, gen2 {GC.CollectionCount(2)}"));
        return log;
    }

    /// <summary>Parses a topic list: <c>summary,residual</c>; names not known are returned in <paramref name="unknown"/>.</summary>
    public static JitLogTopics ParseTopics(string? text, out List<string> unknown)
    {
        unknown = [];
        var topics = JitLogTopics.None;
        if (string.IsNullOrEmpty(text)) return topics;  // every JIT-enabled process without PEJIT_LOG: no split, no LINQ
        foreach (string name in (text ?? "").Split(',', ':', ' ').Where(n => n.Length > 0))
        {
            // The non-generic parse: Enum.TryParse<T> and Enum.IsDefined<T> are generics .NET compiles in every process that logs.
            if (Enum.TryParse(typeof(JitLogTopics), name, ignoreCase: true, out var parsed) && parsed is JitLogTopics topic
                && Enum.IsDefined(typeof(JitLogTopics), topic)) topics |= topic;
            else unknown.Add(name);
        }
        return topics;
    }

    /// <summary>The <c>assemblies</c> topic: the loaded assemblies' names, sorted, on one line.</summary>
    public void WriteAssemblies() =>
        Write("pejit: loaded assemblies: " + string.Join(", ", AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetName().Name).Order(StringComparer.Ordinal)));

    private static TextWriter OpenFile(string path)
    {
        try
        {
            return new AppendingLogFile(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"pejit: cannot write the log to PEJIT_LOG_FILE={path} ({e.Message}); logging to stderr instead");
            return Console.Error;
        }
    }

    /// <summary>
    /// A unit of <paramref name="portal"/> was compiled; <paramref name="dotnetJit"/> is what .NET compiled
    /// meanwhile (PeJit's own code on the first unit, unless it ships precompiled).
    /// </summary>
    /// <param name="portal">The portal's name.</param>
    /// <param name="unit">The unit.</param>
    /// <param name="dotnetJit">What .NET compiled while the unit was made.</param>
    /// <param name="stages">What the compiling thread compiled, by stage (specialization, each optimization pass, backend), when <see cref="WantsFirstUnitStages"/>.</param>
    /// <param name="ownThread">What the compiling thread compiled in all.</param>
    /// <param name="cpu">The compiling thread's CPU time while the unit was made (<see cref="ThreadCpuTime"/>), when known.</param>
    public void UnitCompiled(string portal, CompiledUnit unit, DotnetJitCost dotnetJit = default, IReadOnlyList<StageCost>? stages = null,
        DotnetJitCost ownThread = default, TimeSpan? cpu = null)
    {
        if (Topics == JitLogTopics.None) return;
        lock (gate)
        {
            Recorded.Compiled.Add(new LoggedUnit(portal, unit));
            if (firstUnitJit is null)
            {
                firstUnitJit = dotnetJit;
                firstUnitStages = stages;
                firstUnitOwnThread = ownThread;
                firstUnitCpu = cpu;
                Volatile.Write(ref firstUnitLogged, true);
            }
        }
        if (Topics.HasFlag(JitLogTopics.Units))
        {
            Write(Describe(portal, unit));
            foreach (string note in unit.Unit.Notes) Write($"pejit:   {note}");
        }
        if (Topics.HasFlag(JitLogTopics.Residual))
        {
            Write($"pejit: residual code of {portal} at {unit.Unit.Entry}:\n{IrPrinter.Print(unit.Unit.Residual)}");
            if (unit.Unit.ShapedEntry is { } shaped) Write($"pejit: residual code of {portal} at {unit.Unit.Entry}, its shaped entry:\n{IrPrinter.Print(shaped)}");
        }
    }

    /// <summary>
    /// True until the first unit is logged, when the summary is on: the compiler then counts what .NET compiles in
    /// each stage of that unit (a handful of counter reads), which the summary breaks the first unit's line into.
    /// </summary>
    public bool WantsFirstUnitStages => Topics.HasFlag(JitLogTopics.Summary) && !Volatile.Read(ref firstUnitLogged);

    /// <summary>A portal of a JIT-enabled assembly was prepared: its stored extension program read and linked.</summary>
    /// <param name="portal">The portal's name.</param>
    /// <param name="graphs">How many graphs its extension program holds.</param>
    /// <param name="time">The whole preparation.</param>
    /// <param name="dotnetJit">What .NET compiled meanwhile.</param>
    /// <param name="parts">What the time went to, for the summary (<c>read 3.1 ms, linked 2.0 ms</c>), or null.</param>
    /// <param name="later">What was loaded after the preparation (graphs read when first needed), asked when the summary is written; or null.</param>
    /// <param name="cpu">The preparing thread's CPU time for it (<see cref="ThreadCpuTime"/>), when known.</param>
    public void PortalPrepared(string portal, int graphs, TimeSpan time, DotnetJitCost dotnetJit = default, string? parts = null, Func<string>? later = null, TimeSpan? cpu = null)
    {
        if (Topics == JitLogTopics.None) return;
        lock (gate)
        {
            Recorded.Prepared[portal] = new Preparation(time, dotnetJit, parts, later, cpu);
        }
        if (Topics.HasFlag(JitLogTopics.Units))
            Write(string.Create(CultureInfo.InvariantCulture, $"pejit: prepared {portal}: read and linked the stored extension program ({graphs} graphs) in {time.TotalMilliseconds:F1} ms ({(cpu is { } used ? $"{used.TotalMilliseconds:F1} ms of the thread's CPU, " : "")}.NET compiled {dotnetJit.Methods} methods in {dotnetJit.Time.TotalMilliseconds:F1} ms; {parts})"));
    }

    /// <summary>
    /// Compiled code is about to be entered: the first time, the summary notes how long after the process
    /// started that was (warm-up as a user feels it) and what .NET had compiled by then. True only for that first
    /// entry, when a log is on: the caller then reports what .NET compiled while the unit first ran
    /// (<see cref="FirstEntryCompiled"/>).
    /// </summary>
    public bool Entering()
    {
        if (Volatile.Read(ref entered) != 0 || Topics == JitLogTopics.None || Interlocked.Exchange(ref entered, 1) != 0) return false;
        var sinceStart = DateTime.Now - Process.GetCurrentProcess().StartTime;
        var jit = DotnetJitCost.SinceStart();
        lock (gate)
        {
            firstEntered = sinceStart;
            firstEnteredJit = jit;
        }
        return true;
    }

    /// <summary>
    /// What .NET compiled on the entering thread while the first unit entered ran: its method (a CIL unit's
    /// <c>DynamicMethod</c> is compiled by .NET at its first call, not when the backend makes it) and anything it
    /// called for the first time. With the unit's own times, that is the cost from a key getting hot to its compiled
    /// code running.
    /// </summary>
    public void FirstEntryCompiled(CompiledUnit unit, DotnetJitCost compile)
    {
        lock (gate) firstEntry = (unit, compile);
    }

    /// <summary>A key of <paramref name="portal"/> got hot but could not be compiled; the interpreter runs it.</summary>
    public void NotCompiled(string portal, GreenKey key, string reason)
    {
        if (Topics == JitLogTopics.None) return;
        lock (gate)
        {
            var recorded = Recorded;
            recorded.NotCompiled[portal] = recorded.NotCompiled.GetValueOrDefault(portal) + 1;
            recorded.FirstRefusal.TryAdd(portal, $"at {key}: {reason}");
        }
        if (Topics.HasFlag(JitLogTopics.Units)) Write($"pejit: not compiling {portal} at {key}: {reason}");
    }

    /// <summary>Something worth a line under <see cref="JitLogTopics.Units"/> (a unit dropped, a portal that cannot be JIT-enabled).</summary>
    public void Event(string message)
    {
        if (Topics.HasFlag(JitLogTopics.Units)) Write(message);
    }

    /// <summary>Text under <see cref="JitLogTopics.Residual"/> (a compiled continuation's graph, <c>PortalRuntime.ContinuationMade</c>).</summary>
    public void Residual(string text)
    {
        if (Topics.HasFlag(JitLogTopics.Residual)) Write(text);
    }

    /// <summary>Whether <see cref="Alive"/> writes anything: a caller skips the stage's work (a full collection) otherwise.</summary>
    public bool WantsMemory => Topics.HasFlag(JitLogTopics.Memory);

    /// <summary>
    /// Under <see cref="JitLogTopics.Memory"/>, the bytes alive after a full collection at <paramref name="where"/>, and what this
    /// thread allocated since <paramref name="allocatedBefore"/> (<c>GC.GetAllocatedBytesForCurrentThread</c>); returns the
    /// thread's allocated bytes now (after the line is written), for the next stage's figure.
    /// </summary>
    public long Alive(string where, long allocatedBefore)
    {
        if (!WantsMemory) return 0;
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        long alive = GC.GetTotalMemory(forceFullCollection: true);
        Write(string.Create(CultureInfo.InvariantCulture, $"pejit: memory: {where}: {alive} bytes alive; this thread allocated {allocated - allocatedBefore} bytes since the last line"));
        return GC.GetAllocatedBytesForCurrentThread();
    }

    /// <summary>A unit's disassembly, under <see cref="JitLogTopics.Asm"/>.</summary>
    public void Disassembly(string text)
    {
        if (Topics.HasFlag(JitLogTopics.Asm)) Write(text);
    }

    /// <summary>A line that is written whatever the topics: a setting that is not valid, and what is used instead.</summary>
    public void Warning(string message) => Write(message);

    /// <summary>One line about a compiled unit: keys, size, exits, and the time each stage took.</summary>
    public static string Describe(string portal, CompiledUnit unit) => string.Create(CultureInfo.InvariantCulture,
        $"pejit: compiled {portal} at {unit.Unit.Entry}: {unit.Unit.Keys.Count} keys, {unit.Size} residual instructions, {unit.Unit.Exits.Count} exits; specialization {unit.SpecializationTime.TotalMilliseconds:F2} ms, optimization {unit.OptimizationTime.TotalMilliseconds:F2} ms, backend {unit.Code.Backend} {unit.BackendTime.TotalMilliseconds:F2} ms");

    /// <summary>Writes the summary: per portal, each unit with its key, size, times and how often it ran.</summary>
    public void WriteSummary()
    {
        if (Interlocked.Increment(ref summaries) > 1) return;
        List<LoggedUnit> units;
        Records recorded;
        lock (gate)
        {
            recorded = Recorded;
            units = [.. recorded.Compiled];
        }
        var text = new StringBuilder();
        var invariant = CultureInfo.InvariantCulture;
        text.AppendLine(invariant, $"pejit summary: {units.Count} units compiled; {uptime.Elapsed.TotalSeconds:F2} s since JIT-enabled code first ran");
        // What the whole process paid .NET by exit (issue 12's whole-process line: every thread's allocations can pause the
        // interpreter's thread, and .NET's tier-1 thread recompiles what got hot, PeJit's precompiled code too).
        text.AppendLine(invariant, $"  .NET in the process: {GC.CollectionCount(0)} gen0, {GC.CollectionCount(1)} gen1, {GC.CollectionCount(2)} gen2 collections, {GC.GetTotalPauseDuration().TotalMilliseconds:F1} ms paused in all, {GC.GetTotalAllocatedBytes() / 1024} KB allocated; {System.Runtime.JitInfo.GetCompiledMethodCount()} methods JIT-compiled in {System.Runtime.JitInfo.GetCompilationTime().TotalMilliseconds:F1} ms");
        if (firstEntered is { } first)
            text.AppendLine(invariant, $"  first compiled code entered {first.TotalMilliseconds:F1} ms after the process started; .NET had JIT-compiled {firstEnteredJit.Methods} methods in {firstEnteredJit.Time.TotalMilliseconds:F1} ms by then");
        if (firstEntry is { } entry)
        {
            var made = entry.Unit.SpecializationTime + entry.Unit.OptimizationTime + entry.Unit.BackendTime;
            text.AppendLine(invariant, $"  first unit entered: made in {made.TotalMilliseconds:F1} ms (specialization {entry.Unit.SpecializationTime.TotalMilliseconds:F1}, optimization {entry.Unit.OptimizationTime.TotalMilliseconds:F1}, backend {entry.Unit.BackendTime.TotalMilliseconds:F1}), then .NET compiled {entry.Compile.Methods} methods in {entry.Compile.Time.TotalMilliseconds:F1} ms as it first ran: {(made + entry.Compile.Time).TotalMilliseconds:F1} ms from hot to compiled code running");
        }
        if (firstUnitJit is { } unitJit)
        {
            text.AppendLine(invariant, $"  first unit: .NET JIT-compiled {unitJit.Methods} methods in {unitJit.Time.TotalMilliseconds:F1} ms while it was made{(firstUnitCpu is { } cpu ? $"; the compiling thread's CPU time {cpu.TotalMilliseconds:F1} ms" : "")}");
            if (firstUnitStages is { Count: > 0 } stages)
                text.AppendLine(invariant, $"    on the compiling thread {firstUnitOwnThread.Methods} methods in {firstUnitOwnThread.Time.TotalMilliseconds:F1} ms; by stage: {string.Join(", ", stages.Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Stage} {s.Cost.Methods} ({s.Cost.Time.TotalMilliseconds:F1} ms{(s.Cpu is { } stageCpu ? $", CPU {stageCpu.TotalMilliseconds:F1} ms" : "")})")))}");
        }
        // A portal whose hot keys were all refused has no unit, but the reason is what its user needs to see.
        var portals = units.GroupBy(u => u.Portal).ToDictionary(g => g.Key, g => g.ToList());
        lock (gate)
        {
            foreach (var refused in recorded.NotCompiled.Keys)
                portals.TryAdd(refused, []);
            // A portal prepared in a process that ended before its first unit was made (Lua `errors`): what it cost is all loss.
            foreach (var prepared in recorded.Prepared.Keys)
                portals.TryAdd(prepared, []);
        }
        foreach (var portal in portals.Select(p => (Key: p.Key, Units: p.Value)))
        {
            string preparation = recorded.Prepared.TryGetValue(portal.Key, out var made)
                ? $"; prepared (stored extension read and linked) in {made.Time.TotalMilliseconds:F2} ms{(made.Cpu is { } cpu ? $" (thread CPU {cpu.TotalMilliseconds:F2} ms)" : "")}{(made.Parts is { } parts ? $" ({parts})" : "")}, .NET JIT-compiled {made.DotnetJit.Methods} methods in {made.DotnetJit.Time.TotalMilliseconds:F1} ms meanwhile{(made.Later is { } later ? $"; {later()}" : "")}"
                : "";
            text.AppendLine(invariant, $"  portal {portal.Key}: {portal.Units.Count} units, {recorded.NotCompiled.GetValueOrDefault(portal.Key)} hot keys not compilable{preparation}");
            string? why;
            lock (gate) why = portal.Units.Count == 0 ? recorded.FirstRefusal.GetValueOrDefault(portal.Key) : null;
            if (why is not null)
                text.AppendLine(invariant, $"    no unit: the first hot key was refused {why} (PEJIT_LOG=units lists every refusal; `pejit bta` explains the binding times)");
            foreach (var unit in portal.Units) text.AppendLine(unit.Describe());
        }
        double Total(Func<LoggedUnit, TimeSpan> time) => units.Sum(u => time(u).TotalMilliseconds);
        text.Append(invariant, $"  total: {units.Sum(u => u.Size)} residual instructions; specialization {Total(u => u.SpecializationTime):F2} ms, optimization {Total(u => u.OptimizationTime):F2} ms, backend {Total(u => u.BackendTime):F2} ms");
        Write(text.ToString());
    }

    private void Write(string line)
    {
        TextWriter target;
        lock (gate) target = writer ??= open();
        target.WriteLine(line);
        target.Flush();
    }
}

using System.Diagnostics;
using System.Text;
using PeJit.Fuzzing.Differential;
using PeJit.Fuzzing.Languages;
using PeJit.Fuzzing.Shrinking;

namespace PeJit.Fuzzing;

/// <summary>What a fuzzing session runs.</summary>
public sealed record FuzzOptions
{
    /// <summary>The language.</summary>
    public required FuzzLanguage Language { get; init; }

    /// <summary>Programs to run.</summary>
    public int Count { get; init; } = 1000;

    /// <summary>The session's seed: program i is generated from <see cref="FuzzSession.ProgramSeed"/>(Seed, i).</summary>
    public int Seed { get; init; } = 1;

    /// <summary>The index of the first program (to resume or split a session).</summary>
    public int First { get; init; }

    /// <summary>Threads running programs.</summary>
    public int Jobs { get; init; } = 1;

    /// <summary>The configurations every program runs in.</summary>
    public IReadOnlyList<JitConfiguration> Configurations { get; init; } = JitConfiguration.All;

    /// <summary>Where to write regression cases (a folder per language under it); null for nowhere.</summary>
    public string? RegressionFolder { get; init; }

    /// <summary>Mismatches to shrink; the ones after are reported as found.</summary>
    public int MaxShrinks { get; init; } = 5;

    /// <summary>Candidates the shrinker may try per mismatch.</summary>
    public int MaxShrinkCandidates { get; init; } = 3000;

    /// <summary>
    /// Time one run of a program (plain, or in one configuration) may take before the session gives up on it as
    /// hung: a last resort, since programs end within bounds by construction. Generous: a loaded machine and a
    /// configuration that recompiles constantly make some runs take tens of seconds.
    /// </summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(300);

    /// <summary>Called about every <see cref="ProgressInterval"/> while the session runs.</summary>
    public Action<FuzzProgress>? Progress { get; init; }

    /// <summary>How often <see cref="Progress"/> is called.</summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromSeconds(2);
}

/// <summary>Where a session is.</summary>
/// <param name="Done">Programs run.</param>
/// <param name="Count">Programs to run.</param>
/// <param name="Entered">Programs that entered compiled code (in the first configuration).</param>
/// <param name="ExitsTaken">Exits taken by compiled code, every configuration.</param>
/// <param name="Mismatches">Programs with a mismatch.</param>
/// <param name="Elapsed">Time since the session started.</param>
public sealed record FuzzProgress(int Done, int Count, int Entered, long ExitsTaken, int Mismatches, TimeSpan Elapsed)
{
    /// <summary>One line: <c>1200/100000 programs, 410/s, entered 81.2%, 52311 exits, 0 mismatches, 00:00:02, 00:04:00 left</c>.</summary>
    public override string ToString()
    {
        double rate = Done / Math.Max(Elapsed.TotalSeconds, 1e-3);
        var left = rate > 0 ? TimeSpan.FromSeconds((Count - Done) / rate) : TimeSpan.Zero;
        return $"{Done}/{Count} programs, {rate:0}/s, entered compiled code {(Done == 0 ? 0 : 100.0 * Entered / Done):0.0}%, " +
            $"{ExitsTaken} exits taken, {Mismatches} mismatches, {Elapsed:hh\\:mm\\:ss} elapsed, {left:hh\\:mm\\:ss} left";
    }
}

/// <summary>A program whose JIT-enabled run differed from the plain one, and its shrunk form.</summary>
/// <param name="Index">The program's index in the session.</param>
/// <param name="ProgramSeed">The seed it was generated from.</param>
/// <param name="Program">The program as generated.</param>
/// <param name="Shrunk">The smallest program found that still differs in the same configuration (the program itself when not shrunk).</param>
/// <param name="Plain">What the plain interpreter did with <paramref name="Shrunk"/>.</param>
/// <param name="Jitted">The differing JIT-enabled run of <paramref name="Shrunk"/>.</param>
/// <param name="SavedTo">The regression case file, if one was written.</param>
/// <param name="Note">How shrinking went.</param>
public sealed record Mismatch(int Index, int ProgramSeed, string Program, string Shrunk, Behaviour Plain, JittedRun Jitted, string? SavedTo, string Note)
{
    /// <summary>The shrunk program and both behaviours, for a person.</summary>
    public string Describe()
    {
        var text = new StringBuilder();
        text.AppendLine($"program {Index} (program seed {ProgramSeed}), configuration {Jitted.Configuration.Name}: differs in {string.Join(", ", Jitted.Differences)}; {Note}");
        if (SavedTo is not null) text.AppendLine($"saved as {SavedTo}");
        text.AppendLine("--- program ---");
        text.Append(Shrunk);
        text.AppendLine("--- plain interpreter ---");
        text.AppendLine(Plain.Describe());
        text.AppendLine($"--- JIT-enabled ({Jitted.Configuration.Name}) ---");
        text.AppendLine(Jitted.Behaviour.Describe());
        return text.ToString();
    }
}

/// <summary>What a session found.</summary>
public sealed class FuzzSummary
{
    /// <summary>Programs run to the end.</summary>
    public int ProgramsRun { get; init; }

    /// <summary>What the programs covered.</summary>
    public required Coverage Coverage { get; init; }

    /// <summary>The mismatches, by program index.</summary>
    public required IReadOnlyList<Mismatch> Mismatches { get; init; }

    /// <summary>Programs of the fuzzer's own that failed (a generated program that does not run): defects of the fuzzer.</summary>
    public required IReadOnlyList<string> FuzzerErrors { get; init; }

    /// <summary>A program that ran past the timeout, with the seed it came from; the session stopped there.</summary>
    public string? Hang { get; init; }

    /// <summary>Time the session took.</summary>
    public TimeSpan Elapsed { get; init; }

    /// <summary>Whether every program ran and behaved the same JIT-enabled.</summary>
    public bool Passed => Mismatches.Count == 0 && FuzzerErrors.Count == 0 && Hang is null;
}

/// <summary>
/// Runs many generated programs of one language, in parallel, each plain and JIT-enabled; shrinks and saves
/// the mismatches; guards against hangs with a watchdog.
/// </summary>
public static class FuzzSession
{
    private sealed class Worker(DifferentialRunner runner)
    {
        public readonly DifferentialRunner Runner = runner;
        public readonly Coverage Coverage = new();
        public volatile string? Current;
        public Thread? Thread;
    }

    /// <summary>The seed program <paramref name="index"/> of a session seeded <paramref name="seed"/> is generated from (SplitMix64).</summary>
    public static int ProgramSeed(int seed, int index)
    {
        ulong z = unchecked(((ulong)(uint)seed << 32 | (uint)index) + 0x9E3779B97F4A7C15UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return (int)(z ^ (z >> 31)) & int.MaxValue;
    }

    /// <summary>Program <paramref name="index"/> of a session of <paramref name="language"/> seeded <paramref name="seed"/>.</summary>
    public static string ProgramAt(FuzzLanguage language, int seed, int index) => language.Generate(new Random(ProgramSeed(seed, index)));

    /// <summary>Runs the session; returns when every program ran, or when one hung.</summary>
    public static FuzzSummary Run(FuzzOptions options)
    {
        // 1. Workers: each its own runner (its own portals), on a thread with a large stack (interpreted calls nest).
        var clock = Stopwatch.StartNew();
        var mismatches = new List<Mismatch>();
        var fuzzerErrors = new List<string>();
        int next = 0, done = 0, entered = 0, mismatchCount = 0, shrinks = 0;
        long exits = 0;
        bool stop = false;
        var workers = Enumerable.Range(0, Math.Max(1, options.Jobs))
            .Select(_ => new Worker(new DifferentialRunner(options.Language, options.Configurations))).ToList();
        foreach (var worker in workers)
        {
            worker.Thread = new Thread(() =>
            {
                // 2. Each worker takes the next index, generates, runs, counts; shrinks what differs.
                int index;
                while (!Volatile.Read(ref stop) && (index = Interlocked.Increment(ref next) - 1) < options.Count)
                {
                    int programSeed = ProgramSeed(options.Seed, options.First + index);
                    string program = options.Language.Generate(new Random(programSeed));
                    worker.Current = $"program {options.First + index} (program seed {programSeed}) of {options.Language.Name}, seed {options.Seed}:\n{program}";
                    ProgramResult result;
                    try
                    {
                        result = worker.Runner.Run(program);
                        worker.Coverage.Add(result, options.Language.OperationsIn(program));
                    }
                    catch (Exception e)
                    {
                        lock (fuzzerErrors) fuzzerErrors.Add($"{worker.Current}\nthe fuzzer failed: {e}");
                        continue;
                    }
                    if (result.Runs.Count > 0 && result.Runs[0].Coverage.Entries > 0) Interlocked.Increment(ref entered);
                    Interlocked.Add(ref exits, result.Runs.Sum(r => r.Coverage.ExitsTaken));
                    Interlocked.Increment(ref done);
                    if (result.Matches) continue;
                    Interlocked.Increment(ref mismatchCount);
                    bool shrink = Interlocked.Increment(ref shrinks) <= options.MaxShrinks;
                    var mismatch = Report(options, options.First + index, programSeed, program, result, worker.Runner, shrink);
                    lock (mismatches) mismatches.Add(mismatch);
                }
                worker.Current = null;
            }, maxStackSize: 256 << 20) { IsBackground = true, Name = $"fuzz {options.Language.Name}" };
            worker.Thread.Start();
        }
        // 3. The watchdog: progress, and a run past the timeout stops the session (its thread cannot be stopped; it is a background thread).
        string? hang = null;
        var lastProgress = TimeSpan.Zero;
        while (workers.Any(w => w.Thread!.IsAlive))
        {
            Thread.Sleep(50);
            long now = Stopwatch.GetTimestamp();
            foreach (var worker in workers)
            {
                long started = worker.Runner.StartedTicks;
                if (started != 0 && Stopwatch.GetElapsedTime(started, now) > options.Timeout && worker.Current is { } current)
                    hang = $"{current}\nran longer than {options.Timeout.TotalSeconds:0} s in {(worker.Runner.Stage == "plain" ? "the plain interpreter" : "configuration " + worker.Runner.Stage)}";
            }
            if (hang is not null)
            {
                Volatile.Write(ref stop, true);
                break;
            }
            if (options.Progress is not null && clock.Elapsed - lastProgress >= options.ProgressInterval)
            {
                lastProgress = clock.Elapsed;
                options.Progress(new FuzzProgress(Volatile.Read(ref done), options.Count, Volatile.Read(ref entered), Interlocked.Read(ref exits), Volatile.Read(ref mismatchCount), clock.Elapsed));
            }
        }
        options.Progress?.Invoke(new FuzzProgress(done, options.Count, entered, Interlocked.Read(ref exits), mismatchCount, clock.Elapsed));
        // 4. Merge what the workers counted.
        var coverage = new Coverage();
        if (hang is null) foreach (var worker in workers) coverage.Add(worker.Coverage);
        lock (mismatches) lock (fuzzerErrors)
            return new FuzzSummary
            {
                ProgramsRun = done, Coverage = coverage, Mismatches = mismatches.OrderBy(m => m.Index).ToList(),
                FuzzerErrors = fuzzerErrors.ToList(), Hang = hang, Elapsed = clock.Elapsed,
            };
    }

    /// <summary>
    /// Shrinks the mismatch, checks that the shrunk program fails on fresh portals too, and saves it; past
    /// <see cref="FuzzOptions.MaxShrinks"/> (<paramref name="shrink"/> false) only reports it.
    /// </summary>
    private static Mismatch Report(FuzzOptions options, int index, int programSeed, string program, ProgramResult result, DifferentialRunner runner, bool shrink)
    {
        var language = options.Language;
        var first = result.FirstMismatch!;
        var configuration = first.Configuration;
        if (!shrink) return new Mismatch(index, programSeed, program, program, result.Plain, first, null, "not shrunk nor saved (past --max-shrinks)");
        var shrinker = new Shrinker(language, p => !runner.Run(p, configuration).Matches, options.MaxShrinkCandidates);
        string shrunk = shrinker.Shrink(program);
        string note = $"shrunk from {language.Split(program).Count} to {language.Split(shrunk).Count} pieces ({shrinker.Tried} candidates)";
        // A program's units serve only it, but check on fresh portals: the case must fail on its own.
        var final = new DifferentialRunner(language, [configuration]).Run(shrunk);
        if (final.Matches)
        {
            note = $"the shrunk program ({language.Split(shrunk).Count} pieces) does not fail on fresh portals: kept unshrunk";
            shrunk = program;
            final = new DifferentialRunner(language, [configuration]).Run(shrunk);
        }
        var run = final.FirstMismatch ?? first;
        var plain = final.FirstMismatch is null ? result.Plain : final.Plain;
        string? saved = null;
        if (options.RegressionFolder is { } folder && final.FirstMismatch is not null)
        {
            string origin = $"found by: PeJit.Fuzzing --language {language.Name} --seed {options.Seed} (program {index}, program seed {programSeed})";
            saved = RegressionCase.Write(folder, language, shrunk, run, plain, origin);
        }
        return new Mismatch(index, programSeed, program, shrunk, plain, run, saved, note);
    }
}

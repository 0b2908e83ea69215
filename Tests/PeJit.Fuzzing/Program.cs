using System.Globalization;
using PeJit.Fuzzing;
using PeJit.Fuzzing.Differential;
using PeJit.Fuzzing.Languages;
using PeJit.Fuzzing.Shrinking;

// dotnet run -c Release --project Tests/PeJit.Fuzzing -- [options]; Docs/fuzzing.md explains them.
const string Usage = """
    usage: PeJit.Fuzzing [--language stackvm|brainfuck|registervm|handlertable|treewalker|treewalker-virtual|lua|wasm|all] [--count N] [--seed S] [--first I] [--jobs J]
                         [--configs NAME,...] [--timeout SECONDS] [--max-shrinks N] [--save DIR | --no-save] [--quiet]
           PeJit.Fuzzing --language L --show I [--seed S]     print program I of the session and run it
           PeJit.Fuzzing --run FILE [--configs NAME,...]     run one program file (.svm, .bf, .rvm, .hvm, .tw, .lua, .wat) and compare
           PeJit.Fuzzing --write DIR [--language L] [--count N] [--seed S] [--first I]
                                                         write the programs to DIR/<language>/<index>.svm|.bf|.rvm|.hvm|.tw|.lua|.wat
    Runs N generated programs per language in the plain interpreter and JIT-enabled, in every configuration
    (threshold3, tinyunits, wholeunits, tinybudgets, warm: PortalJit; weaved: the interpreter as pejit build makes it);
    exit code 0 when every program behaved the same, 1 on a mismatch or a hang, 2 on bad arguments.
    Mismatches are shrunk and saved under DIR/<language>/ (default: the repository's
    Tests/PeJit.Tests/Fuzzing/regressions when run inside it). Docs/fuzzing.md explains it all.
    """;

// The weaved interpreter's runtime takes its cache bound from the environment: keep old programs' units few.
if (Environment.GetEnvironmentVariable("PEJIT_CACHE_LIMIT") is null) Environment.SetEnvironmentVariable("PEJIT_CACHE_LIMIT", "200000");
// It compiles in the background by default, so a short program could end before its unit is ready and prove
// nothing about compiled code: the fuzzer wants every hot loop compiled where it got hot, as the tests do.
if (Environment.GetEnvironmentVariable("PEJIT_BACKGROUND") is null) Environment.SetEnvironmentVariable("PEJIT_BACKGROUND", "0");
// Every unit verified after every optimizer pass, as in the tests: a malformed graph can still run the same (a guard on a
// value that is not defined on every path sends the loop to its copy), so only the verifier sees it (PEJIT_VERIFY=0 skips).
if (Environment.GetEnvironmentVariable("PEJIT_VERIFY") is null) Environment.SetEnvironmentVariable("PEJIT_VERIFY", "1");
try
{
    var options = Options.Parse(args);
    if (options.Help)
    {
        Console.WriteLine(Usage);
        return 0;
    }
    if (options.RunFile is { } file) return RunFile(file, options);
    if (options.Show is { } show) return Show(options, show);
    if (options.Write is { } folder) return Write(options, folder);
    bool passed = true;
    foreach (var language in options.Languages)
    {
        Console.WriteLine($"{language.Name}: {options.Count} programs from seed {options.Seed}, first {options.First}, {options.Jobs} jobs, configurations {string.Join(", ", options.Configurations.Select(c => c.Name))}");
        bool interactive = !Console.IsErrorRedirected;
        var summary = FuzzSession.Run(new FuzzOptions
        {
            Language = language, Count = options.Count, Seed = options.Seed, First = options.First, Jobs = options.Jobs,
            Configurations = options.Configurations, RegressionFolder = options.Save, MaxShrinks = options.MaxShrinks,
            Timeout = options.Timeout,
            Progress = options.Quiet ? null : p => Console.Error.Write(interactive ? $"\r{language.Name}: {p}   " : $"{language.Name}: {p}\n"),
            ProgressInterval = TimeSpan.FromSeconds(interactive ? 1 : 10),
        });
        if (!options.Quiet && interactive) Console.Error.WriteLine();
        Console.Write(summary.Coverage.Report(language.Operations));
        foreach (var mismatch in summary.Mismatches)
        {
            Console.WriteLine($"MISMATCH {mismatch.Describe()}");
        }
        foreach (var error in summary.FuzzerErrors) Console.WriteLine($"FUZZER ERROR {error}");
        if (summary.Hang is not null) Console.WriteLine($"HANG {summary.Hang}");
        Console.WriteLine($"{language.Name}: {summary.ProgramsRun} programs in {summary.Elapsed:hh\\:mm\\:ss}, {summary.Mismatches.Count} mismatches" +
            (summary.FuzzerErrors.Count > 0 ? $", {summary.FuzzerErrors.Count} fuzzer errors" : "") + (summary.Hang is not null ? ", stopped at a hang" : ""));
        passed &= summary.Passed;
        if (summary.Hang is not null) break;
    }
    // A hung run's thread cannot be stopped; exit without waiting for it.
    Console.Out.Flush();
    Environment.Exit(passed ? 0 : 1);
    return passed ? 0 : 1;
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"PeJit.Fuzzing: {e.Message} (see --help)");
    return 2;
}

static int Show(Options options, int index)
{
    var language = options.Languages.Single();
    string program = FuzzSession.ProgramAt(language, options.Seed, index);
    Console.WriteLine($"; program {index} of seed {options.Seed} (program seed {FuzzSession.ProgramSeed(options.Seed, index)}), {language.Split(program).Count} pieces");
    Console.Write(program);
    return Compare(language, program, options.Configurations);
}

static int Write(Options options, string folder)
{
    foreach (var language in options.Languages)
    {
        string directory = Path.Combine(folder, language.Name);
        Directory.CreateDirectory(directory);
        for (int index = options.First; index < options.First + options.Count; index++)
            File.WriteAllText(Path.Combine(directory, $"{index}{language.Extension}"), FuzzSession.ProgramAt(language, options.Seed, index));
        Console.WriteLine($"{language.Name}: wrote programs {options.First} to {options.First + options.Count - 1} of seed {options.Seed} to {directory}");
    }
    return 0;
}

static int RunFile(string file, Options options)
{
    if (!File.Exists(file)) throw new ArgumentException($"{file}: no such file");
    string text = File.ReadAllText(file).Replace("\r\n", "\n");
    // The folder names the language where an extension has two (a regression case of treewalker-virtual is a .tw).
    string folder = Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(file))) ?? "";
    var language = FuzzLanguage.All.FirstOrDefault(l => l.Name == folder && file.EndsWith(l.Extension, StringComparison.OrdinalIgnoreCase))
        ?? FuzzLanguage.All.FirstOrDefault(l => file.EndsWith(l.Extension, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"{file}: the extension names no language (.svm, .bf, .rvm, .hvm, .tw, .lua, .wat)");
    if (!language.IsRunnable(text)) throw new ArgumentException($"{file}: not a program that runs to its end within {FuzzLanguage.StepLimit} steps");
    var configurations = options.ConfigurationsGiven ? options.Configurations
        : text.Contains("fuzz regression: configuration", StringComparison.Ordinal) ? [RegressionCase.ConfigurationOf(text)] : options.Configurations;
    return Compare(language, text, configurations);
}

static int Compare(FuzzLanguage language, string program, IReadOnlyList<JitConfiguration> configurations)
{
    var result = new DifferentialRunner(language, configurations).Run(program);
    Console.WriteLine("--- plain interpreter ---");
    Console.WriteLine(result.Plain.Describe());
    foreach (var run in result.Runs)
    {
        var c = run.Coverage;
        Console.WriteLine($"--- JIT-enabled ({run.Configuration.Name}): {(run.Matches ? "same" : "DIFFERS in " + string.Join(", ", run.Differences))}; " +
            $"{c.Units} units, {c.Entries} entries, {c.ExitsTaken} exits taken, operations compiled: {string.Join(" ", c.OperationsCompiled.Order())}" +
            (c.CompileFailures.Count > 0 ? "; not compiled: " + string.Join("; ", c.CompileFailures) : ""));
        if (!run.Matches) Console.WriteLine(run.Behaviour.Describe());
    }
    return result.Matches ? 0 : 1;
}

/// <summary>The command line, parsed.</summary>
internal sealed class Options
{
    public IReadOnlyList<FuzzLanguage> Languages { get; private set; } = FuzzLanguage.All;
    public int Count { get; private set; } = 1000;
    public int Seed { get; private set; } = 1;
    public int First { get; private set; }
    public int Jobs { get; private set; } = Environment.ProcessorCount;
    public IReadOnlyList<JitConfiguration> Configurations { get; private set; } = JitConfiguration.All;
    public bool ConfigurationsGiven { get; private set; }
    public TimeSpan Timeout { get; private set; } = TimeSpan.FromSeconds(300);
    public int MaxShrinks { get; private set; } = 5;
    public string? Save { get; private set; } = DefaultRegressionFolder();
    public bool Quiet { get; private set; }
    public bool Help { get; private set; }
    public int? Show { get; private set; }
    public string? RunFile { get; private set; }
    public string? Write { get; private set; }

    public static Options Parse(string[] args)
    {
        var options = new Options();
        for (int i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int Number(int min) => int.TryParse(Value(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n >= min
                ? n : throw new ArgumentException($"{args[i - 1]} takes a whole number of at least {min}, not '{args[i]}'");
            switch (args[i])
            {
                case "--language" or "-l":
                    string name = Value();
                    options.Languages = name == "all" ? FuzzLanguage.All : [FuzzLanguage.Named(name)];
                    break;
                case "--count" or "-n": options.Count = Number(0); break;
                case "--seed" or "-s": options.Seed = Number(0); break;
                case "--first": options.First = Number(0); break;
                case "--jobs" or "-j": options.Jobs = Number(1); break;
                case "--timeout": options.Timeout = TimeSpan.FromSeconds(Number(1)); break;
                case "--max-shrinks": options.MaxShrinks = Number(0); break;
                case "--configs":
                    options.Configurations = Value().Split(',', StringSplitOptions.RemoveEmptyEntries).Select(JitConfiguration.Named).ToList();
                    options.ConfigurationsGiven = true;
                    break;
                case "--save": options.Save = Path.GetFullPath(Value()); break;
                case "--no-save": options.Save = null; break;
                case "--quiet" or "-q": options.Quiet = true; break;
                case "--show": options.Show = Number(0); break;
                case "--run": options.RunFile = Value(); break;
                case "--write": options.Write = Value(); break;
                case "--help" or "-h": options.Help = true; break;
                default: throw new ArgumentException($"unknown option '{args[i]}'");
            }
        }
        if (options.Show is not null && options.Languages.Count != 1) throw new ArgumentException("--show needs one --language");
        return options;
    }

    /// <summary>Tests/PeJit.Tests/Fuzzing/regressions of the repository the current folder is in, if it is in one.</summary>
    private static string? DefaultRegressionFolder()
    {
        for (var folder = new DirectoryInfo(Environment.CurrentDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "PeJit.sln")))
                return Path.Combine(folder.FullName, "Tests", "PeJit.Tests", "Fuzzing", "regressions");
        }
        return null;
    }
}

using Vm = PeJit.Examples.StackVm;
using Bf = PeJit.Examples.Brainfuck;

namespace PeJit.Tests.Tools;

/// <summary>
/// `pejit build`: the JIT-enabled assembly behaves exactly like the original for every program (run with
/// `dotnet` in a child process); bad input is one clear message, a non-zero exit, and nothing half-written.
/// </summary>
[TestClass]
public sealed class BuildCommandTests
{
    private static readonly Lazy<string> StackVmBuild = new(() => Build(Vm.Runner.Portal.Module.Assembly.Location, "--threshold", "3"));
    private static readonly Lazy<string> BrainfuckBuild = new(() => Build(Bf.Runner.Portal.Module.Assembly.Location, "--threshold", "3"));

    internal static string StackVmFolder => StackVmBuild.Value;

    internal static string BrainfuckFolder => BrainfuckBuild.Value;

    private static (int Exit, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int exit = PeJit.Cli.Program.Run(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }

    private static string Build(string assembly, params string[] options)
    {
        string outdir = Directory.CreateTempSubdirectory("pejit-build-").FullName;
        var (exit, output, error) = Run(["build", assembly, "-o", outdir, .. options]);
        Assert.AreEqual(0, exit, error);
        StringAssert.Contains(output, "JIT-enabled");
        return outdir;
    }

    private static void AssertSameAsOriginal(string outdir, string assembly, string program, params string[] args)
    {
        string original = Path.Combine(AppContext.BaseDirectory, assembly);
        var expected = DotnetProcess.Run([original, program, .. args]);
        var actual = DotnetProcess.Run([Path.Combine(outdir, assembly), program, .. args], new Dictionary<string, string> { ["PEJIT_LOG"] = "summary" });
        Assert.AreEqual(expected.Exit, actual.Exit, actual.Error);
        Assert.AreEqual(expected.Output, actual.Output, $"{assembly} {program}: the JIT-enabled assembly printed something else");
        if (actual.Error.Contains("pejit summary", StringComparison.Ordinal))
            Assert.DoesNotContain("without the JIT", actual.Error, "the runtime started");
    }

    public static IEnumerable<object[]> StackVmPrograms => Vm.Programs.Names.Select(n => new object[] { n });

    public static IEnumerable<object[]> BrainfuckPrograms => Bf.Programs.Names.Select(n => new object[] { n });

    [TestMethod]
    [DynamicData(nameof(StackVmPrograms))]
    public void StackVmBehavesLikeTheOriginal(string program) => AssertSameAsOriginal(StackVmBuild.Value, "StackVm.dll", program);

    [TestMethod]
    [DynamicData(nameof(BrainfuckPrograms))]
    public void BrainfuckBehavesLikeTheOriginal(string program) => AssertSameAsOriginal(BrainfuckBuild.Value, "Brainfuck.dll", program);

    [TestMethod]
    public void HotLoopsAreCompiledAndTheSummarySaysSo()
    {
        var run = DotnetProcess.Run([Path.Combine(StackVmBuild.Value, "StackVm.dll"), "long", "100000"], new Dictionary<string, string> { ["PEJIT_LOG"] = "summary,units", ["PEJIT_BACKGROUND"] = "0" });
        Assert.AreEqual(0, run.Exit, run.Error);
        StringAssert.Contains(run.Error, "pejit: compiled PeJit.Examples.StackVm.Interpreter.Run at (");
        StringAssert.Matches(run.Error, new System.Text.RegularExpressions.Regex(@"pejit summary: [1-9]\d* units compiled"));
        StringAssert.Contains(run.Error, "portal PeJit.Examples.StackVm.Interpreter.Run: ");
        // Warm-up as a user feels it, and what .NET still compiles for PeJit (ReadyToRun leaves generics).
        StringAssert.Matches(run.Error, new System.Text.RegularExpressions.Regex(@"first compiled code entered \d+\.\d ms after the process started; \.NET had JIT-compiled \d+ methods"));
        StringAssert.Matches(run.Error, new System.Text.RegularExpressions.Regex(@"first unit: \.NET JIT-compiled \d+ methods in"));
        // From a key getting hot to its code running: the unit's stages plus .NET's compilation of its method at the first call.
        StringAssert.Matches(run.Error, new System.Text.RegularExpressions.Regex(@"first unit entered: made in \d+\.\d ms \(specialization [\d.]+, optimization [\d.]+, backend [\d.]+\), then \.NET compiled [1-9]\d* methods in [\d.]+ ms as it first ran: \d+\.\d ms from hot to compiled code running"));
        StringAssert.Contains(run.Error, "ms meanwhile");
    }

    [TestMethod]
    public void TheOutputFolderHoldsTheAssemblyItsPdbTheRuntimeAndTheReport()
    {
        string outdir = StackVmBuild.Value;
        foreach (string file in new[] { "StackVm.dll", "StackVm.pdb", "StackVm.bta.html", "PeJit.Runtime.dll", "PeJit.Specializer.dll", "PeJit.IR.dll", "StackVm.deps.json" })
            Assert.IsTrue(File.Exists(Path.Combine(outdir, file)), $"{file} is missing from the output folder");
        // The run time reads the stored extension program: nothing of build time ships.
        foreach (string file in new[] { "Mono.Cecil.dll", "QuikGraph.dll", "PeJit.Frontend.dll", "PeJit.Analysis.dll", "PeJit.Generator.dll", "PeJit.Weaving.dll" })
            Assert.IsFalse(File.Exists(Path.Combine(outdir, file)), $"{file} is in the output folder, but nothing at run time needs it");
        Assert.IsEmpty(Directory.GetDirectories(outdir), "no staging folder is left behind");
        // The PDB still maps the rewritten portal to the interpreter's source.
        using var module = Mono.Cecil.ModuleDefinition.ReadModule(Path.Combine(outdir, "StackVm.dll"), new Mono.Cecil.ReaderParameters { ReadSymbols = true });
        var portal = module.GetType("PeJit.Examples.StackVm.Interpreter").Methods.Single(m => m.Name == "Run");
        Assert.IsTrue(portal.DebugInformation.SequencePoints.Any(p => p.Document.Url.EndsWith("Interpreter.cs", StringComparison.Ordinal)));
        // Its sites call the portal's slow-path method, which calls the runtime.
        var slowPath = portal.Body.Instructions.Select(i => i.Operand).OfType<Mono.Cecil.MethodReference>().First(m => m.Name == "SlowPath").Resolve();
        Assert.IsTrue(slowPath.Body.Instructions.Any(i => i.Operand is Mono.Cecil.MethodReference { Name: "CanEnterJit", DeclaringType.Name: "JitRuntime" }));
    }

    /// <summary>
    /// The entry site (before the loop) reloads the state through a tail of its own, and the sites inside the loop
    /// share another: one reload reached from before the loop and from inside it is not in the loop, and .NET's JIT
    /// then laid out a never-hot or disabled dispatch loop worse than the plain interpreter's (Docs/PERFORMANCE.md,
    /// "Why the register machine was slower never hot and disabled").
    /// </summary>
    [TestMethod]
    public void TheEntrySiteAndTheLoopSitesReloadThroughDifferentTails()
    {
        using var module = Mono.Cecil.ModuleDefinition.ReadModule(Path.Combine(StackVmBuild.Value, "StackVm.dll"));
        var portal = module.GetType("PeJit.Examples.StackVm.Interpreter").Methods.Single(m => m.Name == "Run");
        // After each call of the slow path: a leave for the dispatch on its answer, whose Exited way leaves for the reload tail.
        var reloads = new List<Mono.Cecil.Cil.Instruction>();
        foreach (var call in portal.Body.Instructions.Where(i => i.Operand is Mono.Cecil.MethodReference { Name: "SlowPath" }))
        {
            var toDispatch = call.Next;
            while (toDispatch.OpCode.Code is not (Mono.Cecil.Cil.Code.Leave or Mono.Cecil.Cil.Code.Leave_S)) toDispatch = toDispatch.Next;
            // The dispatch takes the state the slow path left (a thread-static field) first, then branches on Returned; Exited falls through.
            var dispatch = (Mono.Cecil.Cil.Instruction)toDispatch.Operand;
            while (dispatch.OpCode.Code is not (Mono.Cecil.Cil.Code.Beq or Mono.Cecil.Cil.Code.Beq_S)) dispatch = dispatch.Next;
            reloads.Add((Mono.Cecil.Cil.Instruction)dispatch.Next.Operand);
        }
        // In the order of the IL: the entry site (before the loop head), then the loop's sites.
        Assert.IsGreaterThanOrEqualTo(2, reloads.Count, "the portal has an entry site and at least one site in its loop");
        var entryReload = reloads[0];
        var loopReloads = reloads.Skip(1).Distinct().ToList();
        Assert.HasCount(1, loopReloads, "the loop's sites share one reload tail");
        Assert.AreNotSame(loopReloads[0], entryReload, "the entry site reloads through a tail of its own");
    }

    [TestMethod]
    public void TheRuntimeAssembliesArePrecompiledOnLinuxX64()
    {
        if (!OperatingSystem.IsLinux() || System.Runtime.InteropServices.RuntimeInformation.OSArchitecture != System.Runtime.InteropServices.Architecture.X64)
            Assert.Inconclusive("PeJit's build precompiles its run-time assemblies (ReadyToRun) on linux-x64 only; elsewhere they ship IL-only.");
        foreach (string name in new[] { "PeJit.Runtime", "PeJit.IR", "PeJit.Specializer", "PeJit.Optimizer", "PeJit.Backends" })
            Assert.IsTrue(PeJit.Cli.Commands.RuntimeFiles.IsReadyToRun(Path.Combine(StackVmBuild.Value, name + ".dll")),
                $"{name}.dll in a pejit build output has no ReadyToRun header: the build of PeJit.Cli did not precompile it (target PublishReadyToRunRuntime)");
    }

    /// <summary>
    /// The output's runtimeconfig.json turns .NET's tiering delay off (<c>RuntimeConfigFile</c>): PeJit's own work kept
    /// restarting it, so the interpreter's woven portal ran unoptimized tier-0 code for the whole of a short program
    /// (Docs/PERFORMANCE.md, "The interpreter's tier-0 code: .NET's tiering delay"). The setting is read from the file:
    /// a JIT-enabled run of a recursive program (each interpreted call a call of the portal) gets the portal optimized.
    /// </summary>
    [TestMethod]
    public void TheOutputTurnsDotnetsTieringDelayOffAndThePortalIsOptimizedInAShortRun()
    {
        var config = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(StackVmBuild.Value, "StackVm.runtimeconfig.json")))!;
        Assert.AreEqual(0, (int)config["runtimeOptions"]!["configProperties"]![PeJit.Cli.Commands.RuntimeConfigFile.TieringDelay]!);
        Assert.AreEqual(PeJit.Cli.Commands.RuntimeConfigFile.CallCountThresholdValue,
            (int)config["runtimeOptions"]!["configProperties"]![PeJit.Cli.Commands.RuntimeConfigFile.CallCountThreshold]!);
        // .NET lists every method it compiles and at which tier (its JIT's summary, written where DOTNET_JitStdOutFile says).
        string list = Path.Combine(Directory.CreateTempSubdirectory("pejit-tiers-").FullName, "jit.txt");
        // fib 30 (about 2,700,000 calls of the portal, nothing compiled): long enough for .NET's tiering thread to get its
        // turn on a loaded machine; the plain interpreter's portal is optimized within the first 100 ms.
        var run = DotnetProcess.RunListingCompilations([Path.Combine(StackVmBuild.Value, "StackVm.dll"), "fib", "30"], list,
            new Dictionary<string, string> { ["PEJIT_FUNCTION_THRESHOLD"] = "2000000000" });
        Assert.AreEqual(0, run.Exit, run.Error);
        var portal = File.ReadAllLines(list).Where(l => l.Contains("StackVm.Interpreter:Run(", StringComparison.Ordinal)).ToList();
        Assert.IsTrue(portal.Any(l => l.Contains("[Tier1", StringComparison.Ordinal)),
            "the woven portal, called about 2,700,000 times, was never optimized:\n" + string.Join("\n", portal));
    }

    [TestMethod]
    public void ATieringDelayTheApplicationSetsIsKept()
    {
        const string own = """{ "runtimeOptions": { "configProperties": { "System.Runtime.TieredCompilation.CallCountingDelayMs": 250 } } }""";
        Assert.AreEqual(own, PeJit.Cli.Commands.RuntimeConfigFile.AddSettings(own));
        var added = System.Text.Json.Nodes.JsonNode.Parse(PeJit.Cli.Commands.RuntimeConfigFile.AddSettings("""{ "runtimeOptions": { "tfm": "net10.0" } }"""))!;
        Assert.AreEqual(0, (int)added["runtimeOptions"]!["configProperties"]![PeJit.Cli.Commands.RuntimeConfigFile.TieringDelay]!);
        Assert.AreEqual(PeJit.Cli.Commands.RuntimeConfigFile.CallCountThresholdValue, (int)added["runtimeOptions"]!["configProperties"]![PeJit.Cli.Commands.RuntimeConfigFile.CallCountThreshold]!);
        Assert.AreEqual("net10.0", (string)added["runtimeOptions"]!["tfm"]!);
        // A call-count threshold the application sets is kept; the delay's 0 is still added.
        var threshold = System.Text.Json.Nodes.JsonNode.Parse(PeJit.Cli.Commands.RuntimeConfigFile.AddSettings(
            """{ "runtimeOptions": { "configProperties": { "System.Runtime.TieredCompilation.CallCountThreshold": 50 } } }"""))!;
        Assert.AreEqual(50, (int)threshold["runtimeOptions"]!["configProperties"]![PeJit.Cli.Commands.RuntimeConfigFile.CallCountThreshold]!);
        Assert.AreEqual(0, (int)threshold["runtimeOptions"]!["configProperties"]![PeJit.Cli.Commands.RuntimeConfigFile.TieringDelay]!);
    }

    [TestMethod]
    public void ASecondBuildRewritesTheSettingsPeJitWroteAndKeepsTheApplications()
    {
        // The config of an earlier build into the same folder, written by a PeJit that set only the delay (and another value).
        const string earlier = """{ "runtimeOptions": { "configProperties": { "System.Runtime.TieredCompilation.CallCountingDelayMs": 7, "PeJit.RuntimeConfig.Written": "System.Runtime.TieredCompilation.CallCountingDelayMs" } } }""";
        var again = System.Text.Json.Nodes.JsonNode.Parse(PeJit.Cli.Commands.RuntimeConfigFile.AddSettings(earlier))!["runtimeOptions"]!["configProperties"]!;
        Assert.AreEqual(0, (int)again[PeJit.Cli.Commands.RuntimeConfigFile.TieringDelay]!, "the delay PeJit wrote is PeJit's to rewrite");
        Assert.AreEqual(PeJit.Cli.Commands.RuntimeConfigFile.CallCountThresholdValue, (int)again[PeJit.Cli.Commands.RuntimeConfigFile.CallCountThreshold]!, "a setting added since is written");
        // Building twice is building once; the application's own threshold stays, not listed as PeJit's.
        const string own = """{ "runtimeOptions": { "configProperties": { "System.Runtime.TieredCompilation.CallCountThreshold": 50 } } }""";
        string once = PeJit.Cli.Commands.RuntimeConfigFile.AddSettings(own);
        Assert.AreEqual(once, PeJit.Cli.Commands.RuntimeConfigFile.AddSettings(once));
        var twice = System.Text.Json.Nodes.JsonNode.Parse(once)!["runtimeOptions"]!["configProperties"]!;
        Assert.AreEqual(50, (int)twice[PeJit.Cli.Commands.RuntimeConfigFile.CallCountThreshold]!);
        Assert.AreEqual(PeJit.Cli.Commands.RuntimeConfigFile.TieringDelay, (string)twice[PeJit.Cli.Commands.RuntimeConfigFile.WrittenByPeJit]!);
    }

    [TestMethod]
    public void ABrokenRuntimeConfigIsAClearErrorAndNothingIsWritten()
    {
        // The application's folder as the SDK leaves it, but its runtimeconfig.json damaged.
        string source = Path.GetDirectoryName(Vm.Runner.Portal.Module.Assembly.Location)!;
        string input = Directory.CreateTempSubdirectory("pejit-badconfig-").FullName;
        foreach (string file in new[] { "StackVm.dll", "StackVm.pdb", "PeJit.Hints.dll" })
            if (File.Exists(Path.Combine(source, file))) File.Copy(Path.Combine(source, file), Path.Combine(input, file));
        File.WriteAllText(Path.Combine(input, "StackVm.runtimeconfig.json"), "{ broken");
        string outdir = Path.Combine(input, "out");
        var (exit, _, error) = Run("build", Path.Combine(input, "StackVm.dll"), "-o", outdir);
        Assert.AreNotEqual(0, exit, error);
        StringAssert.Contains(error, "is not a valid runtimeconfig file");
        Assert.DoesNotContain("   at ", error, "no stack trace");
        Assert.IsFalse(Directory.Exists(outdir) && Directory.EnumerateFileSystemEntries(outdir).Any(), "nothing half-written");
    }

    [TestMethod]
    public void TheInputIsNeverModifiedAndASecondBuildOfTheOutputIsANoOp()
    {
        string input = Vm.Runner.Portal.Module.Assembly.Location;
        byte[] before = File.ReadAllBytes(input);
        string outdir = Build(input);
        CollectionAssert.AreEqual(before, File.ReadAllBytes(input));
        string woven = Path.Combine(outdir, "StackVm.dll");
        byte[] once = File.ReadAllBytes(woven);
        var (exit, output, error) = Run("build", woven, "-o", outdir);
        Assert.AreEqual(0, exit, error);
        StringAssert.Contains(output, "JIT-enabled already");
        CollectionAssert.AreEqual(once, File.ReadAllBytes(woven));
    }

    [TestMethod]
    public void PejitDisableRunsThePlainInterpreter()
    {
        var run = DotnetProcess.Run([Path.Combine(StackVmBuild.Value, "StackVm.dll"), "count"],
            new Dictionary<string, string> { ["PEJIT_DISABLE"] = "1", ["PEJIT_LOG"] = "summary" });
        Assert.AreEqual(0, run.Exit, run.Error);
        StringAssert.Contains(run.Error, "pejit summary: 0 units compiled");
        run = DotnetProcess.Run([Path.Combine(StackVmBuild.Value, "StackVm.dll"), "count"], new Dictionary<string, string> { ["PEJIT_LOG"] = "summary", ["PEJIT_BACKGROUND"] = "0" });
        Assert.DoesNotContain("pejit summary: 0 units compiled", run.Error, "without PEJIT_DISABLE the same program is compiled");
    }

    [TestMethod]
    public void PejitDisableRunsACopyOfTheOriginalPortal()
    {
        // A division by zero two calls deep: the unhandled exception's stack trace names the method that ran the
        // step and its source line. Disabled, that is the portal's plain copy, at the line the original has.
        string program = Path.Combine(Directory.CreateTempSubdirectory("pejit-twin-").FullName, "divide.svm");
        File.WriteAllText(program, """
            func main 0 0
                call inner
                ret
            end
            func inner 0 0
                push 1
                push 0
                div
                ret
            end
            """);
        var plain = DotnetProcess.Run([Path.Combine(AppContext.BaseDirectory, "StackVm.dll"), program]);
        var disabled = DotnetProcess.Run([Path.Combine(StackVmBuild.Value, "StackVm.dll"), program], new Dictionary<string, string> { ["PEJIT_DISABLE"] = "1" });
        var enabled = DotnetProcess.Run([Path.Combine(StackVmBuild.Value, "StackVm.dll"), program]);
        StringAssert.Contains(plain.Error, "DivideByZeroException");
        // The interpreter's frames with a source line: the diverting call at the woven portal's start has none.
        static string[] Frames(string error) => error.Split('\n').Where(l => l.Contains(".Run(Code ", StringComparison.Ordinal) && l.Contains(":line ", StringComparison.Ordinal)).ToArray();
        static string Line(string frame) => frame[(frame.LastIndexOf(":line ", StringComparison.Ordinal) + 1)..].Trim();
        var plainFrames = Frames(plain.Error);
        var disabledFrames = Frames(disabled.Error);
        Assert.AreEqual(2, plainFrames.Length, plain.Error);
        Assert.AreEqual(plainFrames.Length, disabledFrames.Length, disabled.Error);
        Assert.IsTrue(disabledFrames.All(f => f.Contains("<PeJit>Plain", StringComparison.Ordinal)), $"the copy runs, and calls itself, when disabled:\n{disabled.Error}");
        CollectionAssert.AreEqual(plainFrames.Select(Line).ToArray(), disabledFrames.Select(Line).ToArray(), "the copy keeps the original's source lines");
        Assert.IsFalse(Frames(enabled.Error).Any(f => f.Contains("<PeJit>Plain", StringComparison.Ordinal)), $"enabled, the woven portal runs:\n{enabled.Error}");
        Assert.AreEqual(plain.Exit, disabled.Exit);
        Assert.AreEqual(plain.Output, disabled.Output);
    }

    [TestMethod]
    public void TheLogGoesToPejitLogFileAndResidualCodeIsDumped()
    {
        string log = Path.Combine(Directory.CreateTempSubdirectory("pejit-log-").FullName, "jit.log");
        var run = DotnetProcess.Run([Path.Combine(StackVmBuild.Value, "StackVm.dll"), "nested"],
            new Dictionary<string, string> { ["PEJIT_LOG"] = "residual,summary", ["PEJIT_LOG_FILE"] = log, ["PEJIT_BACKGROUND"] = "0" });
        Assert.AreEqual(0, run.Exit, run.Error);
        Assert.AreEqual("", run.Error, "with PEJIT_LOG_FILE nothing is logged to stderr");
        string text = File.ReadAllText(log);
        StringAssert.Contains(text, "pejit: residual code of PeJit.Examples.StackVm.Interpreter.Run at (");
        StringAssert.Contains(text, "block0(");
        StringAssert.Contains(text, "pejit summary:");
    }

    // Bad input: one line that says what to do, a non-zero exit, no stack trace, nothing half-written.

    private static void AssertFails(int expectedExit, string expectedMessage, string input, string? outdir = null)
    {
        outdir ??= Directory.CreateTempSubdirectory("pejit-bad-").FullName;
        var (exit, _, error) = Run("build", input, "-o", outdir);
        Assert.AreEqual(expectedExit, exit, error);
        StringAssert.Contains(error, expectedMessage);
        Assert.DoesNotContain("   at ", error, "no stack trace");
        if (Directory.Exists(outdir))
        {
            Assert.IsFalse(File.Exists(Path.Combine(outdir, Path.GetFileName(input))), "no assembly is written");
            Assert.IsEmpty(Directory.GetDirectories(outdir), "no staging folder is left behind");
        }
    }

    [TestMethod]
    public void AMissingFileIsExitCode2() => AssertFails(2, "no such file", Path.Combine(Path.GetTempPath(), "missing-interpreter.dll"));

    [TestMethod]
    public void NotAnAssemblyIsExitCode2()
    {
        string file = Path.Combine(Directory.CreateTempSubdirectory("pejit-notdll-").FullName, "Interpreter.dll");
        File.WriteAllText(file, "this is not a .NET assembly");
        AssertFails(2, "not a .NET assembly", file);
    }

    [TestMethod]
    public void AnAssemblyWithoutPortalIsExitCode1() =>
        AssertFails(1, "no method has [JitPortal]", typeof(PeJit.IR.FlowGraph).Assembly.Location);

    [TestMethod]
    public void AnalysisErrorsAreExitCode1AndOnlyTheReportIsWritten()
    {
        string outdir = Directory.CreateTempSubdirectory("pejit-errors-").FullName;
        string input = typeof(PeJit.AnalysisSubjects.Errors).Assembly.Location;
        AssertFails(1, "error PJ0007", input, outdir);
        Assert.IsTrue(File.Exists(Path.Combine(outdir, "PeJit.AnalysisSubjects.bta.html")), "the report says why");
    }

    [TestMethod]
    public void AnUnwritableOutputFolderIsExitCode2()
    {
        string file = Path.Combine(Directory.CreateTempSubdirectory("pejit-unwritable-").FullName, "a-file");
        File.WriteAllText(file, "");
        var (exit, _, error) = Run("build", Vm.Runner.Portal.Module.Assembly.Location, "-o", Path.Combine(file, "out"));
        Assert.AreEqual(2, exit, error);
        StringAssert.Contains(error, "cannot write to");
        Assert.DoesNotContain("   at ", error);
    }

    [TestMethod]
    public void AReferenceThatCannotBeResolvedIsExitCode2()
    {
        // StackVm alone, without PeJit.Hints.dll beside it: the hints cannot be resolved.
        string folder = Directory.CreateTempSubdirectory("pejit-alone-").FullName;
        string input = Path.Combine(folder, "StackVm.dll");
        File.Copy(Vm.Runner.Portal.Module.Assembly.Location, input);
        File.Copy(Path.ChangeExtension(Vm.Runner.Portal.Module.Assembly.Location, ".pdb"), Path.Combine(folder, "StackVm.pdb"));
        var (exit, _, error) = Run("build", input, "-o", Path.Combine(folder, "out"));
        Assert.AreEqual(2, exit, error);
        StringAssert.Contains(error, "cannot find the assembly PeJit.Hints");
        StringAssert.Contains(error, "Put it beside StackVm.dll", "the message says what to do");
        Assert.DoesNotContain("   at ", error);
        Assert.IsFalse(File.Exists(Path.Combine(folder, "out", "StackVm.dll")));
    }

    [TestMethod]
    public void TheBackendChosenAtBuildTimeIsWrittenIntoTheAssembly()
    {
        string folder = Path.Combine(Path.GetTempPath(), "pejit-backend-" + Guid.NewGuid().ToString("N"));
        var (exit, output, error) = Run("build", Vm.Runner.Portal.Module.Assembly.Location, "-o", folder, "--backend", "amd64", "--report", "none");
        Assert.AreEqual(0, exit, error);
        StringAssert.Contains(output, "backend amd64");
        var built = Mono.Cecil.ModuleDefinition.ReadModule(Path.Combine(folder, Path.GetFileName(Vm.Runner.Portal.Module.Assembly.Location)));
        var marker = built.Assembly.CustomAttributes.Single(a => a.AttributeType.Name == "JitEnabledAttribute");
        Assert.AreEqual("amd64", marker.ConstructorArguments[1].Value);
        built.Dispose();
        Directory.Delete(folder, recursive: true);
    }
}

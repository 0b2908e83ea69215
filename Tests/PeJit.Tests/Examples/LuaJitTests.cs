using System.Diagnostics;
using PeJit.Tests.Tools;
using Lua = PeJit.Examples.Lua;

namespace PeJit.Tests.Examples;

/// <summary>
/// The Lua example through <c>pejit build</c>, run as child processes like the other examples' build tests.
/// Today (README, "Findings") the build succeeds, the woven interpreter behaves like the original while
/// nothing is compiled, and specializing the first hot loop does not finish: the JIT-enabled differential
/// test is ignored until that is fixed, and <see cref="FindingSpecializingAHotLoopDoesNotFinish"/> asserts the
/// finding so that its fix is noticed.
/// </summary>
[TestClass]
public sealed class LuaJitTests
{
    private static readonly Lazy<(string Folder, string Output)> Build = new(() =>
    {
        string outdir = Directory.CreateTempSubdirectory("pejit-lua-").FullName;
        var output = new StringWriter();
        var error = new StringWriter();
        int exit = PeJit.Cli.Program.Run(["build", Lua.Runner.Portal.Module.Assembly.Location, "-o", outdir, "--threshold", "3"], output, error);
        Assert.AreEqual(0, exit, error.ToString());
        return (outdir, output.ToString() + error.ToString());
    });

    private static string Original => Path.Combine(AppContext.BaseDirectory, "Lua.dll");

    private static string JitEnabled => Path.Combine(Build.Value.Folder, "Lua.dll");

    public static IEnumerable<object[]> ProgramNames => Lua.Programs.Names.Select(n => new object[] { n });

    [TestMethod]
    public void PejitBuildAcceptsTheInterpreter()
    {
        string report = Build.Value.Output;
        StringAssert.Contains(report, "1 portal(s) JIT-enabled (Interpreter.Run), 5 Jit.CanEnterJit site(s)");
        Assert.DoesNotContain(" error ", report);
        // The only warnings: loops over run-time data (the return and closure loops, the table's array growth).
        foreach (string line in report.Split('\n').Where(l => l.Contains("warning PJ", StringComparison.Ordinal)))
            StringAssert.Contains(line, "warning PJ1002");
    }

    [TestMethod]
    [DynamicData(nameof(ProgramNames))]
    public void WovenInterpreterBehavesLikeTheOriginalWhileNothingIsCompiled(string program)
    {
        var expected = DotnetProcess.Run([Original, program]);
        var actual = DotnetProcess.Run([JitEnabled, program], new Dictionary<string, string> { ["PEJIT_DISABLE"] = "1" });
        Assert.AreEqual(0, expected.Exit, expected.Error);
        Assert.AreEqual(expected.Exit, actual.Exit, actual.Error);
        Assert.AreEqual(expected.Output, actual.Output, $"{program}: the woven interpreter printed something else");
    }

    [TestMethod]
    [DynamicData(nameof(ProgramNames))]
    [Ignore("Finding (Examples/Lua/README.md): specializing the first hot loop does not finish; FindingSpecializingAHotLoopDoesNotFinish fails once it does.")]
    public void EveryProgramBehavesLikeTheOriginalJitEnabled(string program)
    {
        var expected = DotnetProcess.Run([Original, program]);
        var actual = DotnetProcess.Run([JitEnabled, program], new Dictionary<string, string> { ["PEJIT_LOG"] = "summary" });
        Assert.AreEqual(expected.Exit, actual.Exit, actual.Error);
        Assert.AreEqual(expected.Output, actual.Output, $"{program}: the JIT-enabled interpreter printed something else");
        Assert.DoesNotContain("without the JIT", actual.Error, "the runtime started");
    }

    [TestMethod]
    public void FindingSpecializingAHotLoopDoesNotFinish()
    {
        // The smallest hot loop: three instructions on boxed integers. With a 512 MB heap the JIT-enabled
        // process runs out of memory, or is still specializing when the time is up; plain, it takes milliseconds.
        string source = Path.Combine(Build.Value.Folder, "loop.lua");
        File.WriteAllText(source, "local k = 0\nwhile k < 5000 do\n  k = k + 3\nend\nprint(k)\n");
        Assert.AreEqual((0, "5001\n"), RunWithin([Original, source], [], 60) switch { var r => (r.Exit, r.Output) });
        var jit = RunWithin([JitEnabled, source], new() { ["PEJIT_BACKGROUND"] = "0", ["DOTNET_GCHeapHardLimit"] = "0x20000000" }, 120);
        Assert.IsFalse(jit.Exit == 0 && jit.Output == "5001\n",
            "The JIT-enabled Lua now compiles its first loop: remove [Ignore] from EveryProgramBehavesLikeTheOriginalJitEnabled, " +
            "delete this test and update the findings in Examples/Lua/README.md.");
        Assert.IsTrue(jit.TimedOut || jit.Error.Contains("Out of memory", StringComparison.Ordinal), $"exit {jit.Exit}: {jit.Error}");
    }

    // DotnetProcess.Run fails the test on a timeout; this finding expects one.
    private static (int Exit, string Output, string Error, bool TimedOut) RunWithin(string[] arguments, Dictionary<string, string> environment, int seconds)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        foreach (string name in new[] { "PEJIT_LOG", "PEJIT_LOG_FILE", "PEJIT_DISABLE", "PEJIT_THRESHOLD", "PEJIT_OPT", "PEJIT_BACKGROUND", "PEJIT_CACHE_LIMIT" })
            start.Environment.Remove(name);
        foreach (var (name, value) in environment) start.Environment[name] = value;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        bool finished = process.WaitForExit(seconds * 1000);
        if (!finished)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
        return (finished ? process.ExitCode : -1, output.Result, error.Result, !finished);
    }
}

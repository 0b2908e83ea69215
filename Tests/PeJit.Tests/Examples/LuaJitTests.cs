using PeJit.Tests.Tools;
using Lua = PeJit.Examples.Lua;

namespace PeJit.Tests.Examples;

/// <summary>
/// The Lua example through <c>pejit build</c>, run as child processes like the other examples' build tests.
/// The build succeeds and every program behaves like the original, JIT-enabled or not; hot loops compile now
/// that paths split at red branches join within a step (<see cref="AHotLoopOnBoxedIntegersCompiles"/>).
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
    public void EveryProgramBehavesLikeTheOriginalJitEnabled(string program)
    {
        var expected = DotnetProcess.Run([Original, program]);
        var actual = DotnetProcess.Run([JitEnabled, program], new Dictionary<string, string> { ["PEJIT_LOG"] = "summary" });
        Assert.AreEqual(expected.Exit, actual.Exit, actual.Error);
        Assert.AreEqual(expected.Output, actual.Output, $"{program}: the JIT-enabled interpreter printed something else");
        Assert.DoesNotContain("without the JIT", actual.Error, "the runtime started");
    }

    [TestMethod]
    public void AHotLoopOnBoxedIntegersCompiles()
    {
        // The smallest hot loop: three instructions on boxed integers. Each interpreted step takes many red
        // branches (type tests of the boxed operands); the paths they split join again within the step
        // (UnitSpecializer.Joins.cs), so the unit stays small and compiles. Before joins its paths grew
        // exponentially and the residual-instruction budget gave the unit up.
        string source = Path.Combine(Build.Value.Folder, "loop.lua");
        File.WriteAllText(source, "local k = 0\nwhile k < 5000 do\n  k = k + 3\nend\nprint(k)\n");
        var plain = DotnetProcess.Run([Original, source]);
        Assert.AreEqual((0, "5001\n"), (plain.Exit, plain.Output));
        var jit = DotnetProcess.Run([JitEnabled, source], new Dictionary<string, string> { ["PEJIT_LOG"] = "units", ["DOTNET_GCHeapHardLimit"] = "0x20000000" });
        Assert.AreEqual((0, "5001\n"), (jit.Exit, jit.Output), jit.Error);
        StringAssert.Contains(jit.Error, "compiled PeJit.Examples.Lua.Interpreter.Run at");
        Assert.DoesNotContain("MaxResidualInstructions", jit.Error);
    }
}

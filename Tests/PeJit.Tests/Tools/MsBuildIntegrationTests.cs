using Vm = PeJit.Examples.StackVm;
using Bf = PeJit.Examples.Brainfuck;

namespace PeJit.Tests.Tools;

/// <summary>
/// The MSBuild integration end to end: both examples built with <c>-p:PeJitEnabled=true</c> (the targets run
/// <c>pejit build</c> after the compile and put its output in bin/), then every program run with <c>dotnet</c>
/// on the JIT-enabled DLL prints exactly what the plain build prints. A second build is incremental.
/// </summary>
[TestClass]
public sealed class MsBuildIntegrationTests
{
    private static readonly Lazy<string> Artifacts = new(BuildBoth);

    private static string BuildBoth()
    {
        string artifacts = Directory.CreateTempSubdirectory("pejit-msbuild-").FullName;
        // StackVm records a threshold through PeJitThreshold; Brainfuck is built with nothing but PeJitEnabled, as
        // README's demo.sh builds, so the targets' defaults are exercised too.
        foreach (var (project, settings) in new[] { ("StackVm", new[] { "-p:PeJitThreshold=50" }), ("Brainfuck", Array.Empty<string>()) })
        {
            var build = DotnetProcess.Run(["build", Path.Combine(DotnetProcess.RepositoryRoot, "Examples", project), "-c", "Release",
                "-p:PeJitEnabled=true", .. settings, "--artifacts-path", artifacts, "-nologo"], directory: DotnetProcess.RepositoryRoot);
            Assert.AreEqual(0, build.Exit, build.Output + build.Error);
            StringAssert.Contains(build.Output, $"{project}.dll (JIT-enabled by pejit)");
        }
        return artifacts;
    }

    private static string Dll(string project) => Path.Combine(Artifacts.Value, "bin", project, "release", project + ".dll");

    private static void AssertSameAsOriginal(string project, string program)
    {
        var expected = DotnetProcess.Run([Path.Combine(AppContext.BaseDirectory, project + ".dll"), program]);
        // PEJIT_THRESHOLD as StackVm recorded it, so that the short programs' loops compile in both builds.
        var actual = DotnetProcess.Run([Dll(project), program], new Dictionary<string, string> { ["PEJIT_LOG"] = "units", ["PEJIT_THRESHOLD"] = "50" });
        Assert.AreEqual(expected.Exit, actual.Exit, actual.Error);
        Assert.AreEqual(expected.Output, actual.Output, $"{project} {program}: the JIT-enabled build printed something else");
        Assert.DoesNotContain("without the JIT", actual.Error);
    }

    public static IEnumerable<object[]> Programs =>
        Vm.Programs.Names.Select(n => new object[] { "StackVm", n }).Concat(Bf.Programs.Names.Select(n => new object[] { "Brainfuck", n }));

    [TestMethod]
    [DynamicData(nameof(Programs))]
    public void TheJitEnabledBuildBehavesLikeThePlainOne(string project, string program) => AssertSameAsOriginal(project, program);

    [TestMethod]
    public void TheOutputFolderHasTheReportAndTheRuntime()
    {
        string bin = Path.GetDirectoryName(Dll("StackVm"))!;
        Assert.IsTrue(File.Exists(Path.Combine(bin, "StackVm.bta.html")));
        Assert.IsTrue(File.Exists(Path.Combine(bin, "PeJit.Runtime.dll")));
        var run = DotnetProcess.Run([Dll("StackVm"), "long"], new Dictionary<string, string> { ["PEJIT_LOG"] = "units", ["PEJIT_BACKGROUND"] = "0" });
        StringAssert.Contains(run.Error, "pejit: compiled PeJit.Examples.StackVm.Interpreter.Run", "the long program gets compiled");
    }

    /// <summary>The MSBuild integration writes .NET's tiering delay off into the application's runtimeconfig.json, as pejit build does.</summary>
    [TestMethod]
    public void TheRuntimeConfigTurnsDotnetsTieringDelayOff()
    {
        foreach (string project in new[] { "StackVm", "Brainfuck" })
        {
            var config = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.ChangeExtension(Dll(project), ".runtimeconfig.json")))!;
            Assert.AreEqual(0, (int)config["runtimeOptions"]!["configProperties"]![PeJit.Cli.Commands.RuntimeConfigFile.TieringDelay]!, project);
            Assert.AreEqual(PeJit.Cli.Commands.RuntimeConfigFile.CallCountThresholdValue,
                (int)config["runtimeOptions"]!["configProperties"]![PeJit.Cli.Commands.RuntimeConfigFile.CallCountThreshold]!, project);
        }
    }

    [TestMethod]
    public void ASecondBuildDoesNotRunPejitAgain()
    {
        _ = Artifacts.Value;
        var build = DotnetProcess.Run(["build", Path.Combine(DotnetProcess.RepositoryRoot, "Examples", "StackVm"), "-c", "Release",
            "-p:PeJitEnabled=true", "-p:PeJitThreshold=50", "--artifacts-path", Artifacts.Value, "-nologo", "-v", "normal"], directory: DotnetProcess.RepositoryRoot);
        Assert.AreEqual(0, build.Exit, build.Output);
        Assert.DoesNotContain("pejit build: wrote", build.Output, "the JIT-enabled assembly was up to date");
        StringAssert.Contains(build.Output, "Skipping target \"PeJitBuild\"");
    }
}

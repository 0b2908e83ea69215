using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace PeJit.Tests.Tools;

/// <summary>
/// The MSBuild targets run <c>pejit build</c> with <c>Exec</c> and a <c>CustomErrorRegularExpression</c>: a line of its output
/// that matches fails the project's build. The pattern and what the command prints must agree: every line of a build that
/// succeeds (wrote, warnings, notes, an assembly JIT-enabled already) must not match, and what it prints when it fails must.
/// Lua's build printed notes (green accesses left to the run time), which the pattern took for errors, so a Lua project with
/// <c>PeJitEnabled=true</c> did not build. Lua's build prints warnings (loops that stay loops); the test subjects' prints a
/// note (a portal without <c>Jit.CanEnterJit</c>).
/// </summary>
[TestClass]
public sealed class MsBuildErrorPatternTests
{
    private static Regex ErrorPattern()
    {
        string targets = Path.Combine(DotnetProcess.RepositoryRoot, "Tools", "PeJit.Build", "PeJit.Build.targets");
        var exec = XDocument.Load(targets).Descendants().Single(e => e.Name.LocalName == "Exec" && e.Attribute("Command")?.Value.Contains(" build ") == true);
        return new Regex(exec.Attribute("CustomErrorRegularExpression")!.Value);
    }

    [TestMethod]
    public void WhatASuccessfulBuildPrintsIsNoError()
    {
        AssertNoLineIsAnError(typeof(PeJit.Examples.Lua.Interpreter).Assembly.Location, "pejit build: warning: ",
            "Lua's loops over run-time data are warned about");
        AssertNoLineIsAnError(typeof(PeJit.TestSubjects.GuardedVm).Assembly.Location, "pejit build: note: ",
            "a test subject's portal has no Jit.CanEnterJit (RulesVm.Eval), which is noted");
    }

    /// <summary>
    /// Builds <paramref name="original"/>, whose output must have a line starting with <paramref name="expected"/> (the kind
    /// of line under test: if it no longer does, pick a case that does), and then its own output again; no line of either
    /// may match the targets' error pattern.
    /// </summary>
    private static void AssertNoLineIsAnError(string original, string expected, string why)
    {
        var pattern = ErrorPattern();
        string output = Directory.CreateTempSubdirectory("pejit-msbuild-pattern-").FullName;
        string again = Directory.CreateTempSubdirectory("pejit-msbuild-pattern-again-").FullName;
        try
        {
            var written = new StringWriter();
            var error = new StringWriter();
            Assert.AreEqual(0, PeJit.Cli.Program.Run(["build", original, "-o", output, "--report", "none"], written, error), error.ToString());
            var lines = written.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            Assert.IsTrue(lines.Any(l => l.StartsWith(expected, StringComparison.Ordinal)), $"the case under test is a build whose output has '{expected}' lines ({why}); if it no longer does, pick one that does");
            foreach (string line in lines.Concat(error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
                Assert.IsFalse(pattern.IsMatch(line), $"a line of a successful pejit build would fail the MSBuild build: {line}");

            // Built again from its own output: nothing to do, and not an error either.
            var twice = new StringWriter();
            Assert.AreEqual(0, PeJit.Cli.Program.Run(["build", Path.Combine(output, Path.GetFileName(original)), "-o", again, "--report", "none"], twice, new StringWriter()));
            foreach (string line in twice.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                Assert.IsFalse(pattern.IsMatch(line), $"a line of a successful pejit build would fail the MSBuild build: {line}");
        }
        finally
        {
            Directory.Delete(output, recursive: true);
            Directory.Delete(again, recursive: true);
        }
    }

    [TestMethod]
    public void WhatAFailedBuildPrintsIsAnError()
    {
        var error = new StringWriter();
        string missing = Path.Combine(Directory.CreateTempSubdirectory("pejit-msbuild-pattern-missing-").FullName, "Nothing.dll");
        Assert.AreNotEqual(0, PeJit.Cli.Program.Run(["build", missing, "-o", Path.GetDirectoryName(missing)!], new StringWriter(), error));
        var lines = error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.IsTrue(lines.Any(ErrorPattern().IsMatch), $"a failed pejit build printed no line the MSBuild targets report as an error:\n{error}");
    }
}

using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace PeJit.Tests.Tools;

/// <summary>
/// The MSBuild targets run <c>pejit build</c> with <c>Exec</c> and a <c>CustomErrorRegularExpression</c>: a line of its output
/// that matches fails the project's build. The pattern and what the command prints must agree: every line of a build that
/// succeeds (wrote, warnings, notes, an assembly JIT-enabled already) must not match, and what it prints when it fails must.
/// Lua's build prints notes (green accesses left to the run time), which the pattern took for errors, so a Lua project with
/// <c>PeJitEnabled=true</c> did not build.
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
        var pattern = ErrorPattern();
        string output = Directory.CreateTempSubdirectory("pejit-msbuild-pattern-").FullName;
        try
        {
            string lua = typeof(PeJit.Examples.Lua.Interpreter).Assembly.Location;
            var written = new StringWriter();
            var error = new StringWriter();
            Assert.AreEqual(0, PeJit.Cli.Program.Run(["build", lua, "-o", output, "--report", "none"], written, error), error.ToString());
            var lines = written.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            Assert.IsTrue(lines.Any(l => l.StartsWith("pejit build: note: ", StringComparison.Ordinal)),
                "the case under test is a build that prints notes (Lua's green accesses left to the run time); if it no longer does, pick one that does");
            foreach (string line in lines.Concat(error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
                Assert.IsFalse(pattern.IsMatch(line), $"a line of a successful pejit build would fail the MSBuild build: {line}");

            // Built again from its own output: nothing to do, and not an error either.
            var again = new StringWriter();
            Assert.AreEqual(0, PeJit.Cli.Program.Run(["build", Path.Combine(output, Path.GetFileName(lua)), "-o", Directory.CreateTempSubdirectory("pejit-msbuild-pattern-again-").FullName, "--report", "none"], again, new StringWriter()));
            foreach (string line in again.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                Assert.IsFalse(pattern.IsMatch(line), $"a line of a successful pejit build would fail the MSBuild build: {line}");
        }
        finally
        {
            Directory.Delete(output, recursive: true);
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

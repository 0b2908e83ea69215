using PeJit.Tests.Tools;

namespace PeJit.Tests.Runtime;

/// <summary>
/// <c>PEJIT_THRESHOLD</c>, <c>PEJIT_CACHE_LIMIT</c>, <c>PEJIT_COMPILE_FUNCTIONS</c> and <c>PEJIT_INLINE_CALLS</c> that are not valid (issue 13): each is named in a
/// one-line warning with the value used instead, never silently replaced.
/// </summary>
[TestClass]
public sealed class EnvironmentSettingsTests
{
    [TestMethod]
    [DataRow("0", "is not a number from 1 up; using threshold 3", "is not a number from 1 up; using cache limit 1000000")]
    [DataRow("-1", "is not a number from 1 up; using threshold 3", "is not a number from 1 up; using cache limit 1000000")]
    [DataRow("abc", "is not a whole number; using threshold 3", "is not a whole number; using cache limit 1000000")]
    [DataRow("99999999999", "is larger than the largest value, 2147483647; using threshold 2147483647", null)]
    public void AnInvalidSettingIsNamedWithTheValueUsed(string text, string threshold, string? cacheLimit)
    {
        // StackVmFolder was built with --threshold 3: an invalid PEJIT_THRESHOLD leaves that one in force.
        var run = DotnetProcess.Run([Path.Combine(BuildCommandTests.StackVmFolder, "StackVm.dll"), "count"],
            new Dictionary<string, string> { ["PEJIT_THRESHOLD"] = text, ["PEJIT_CACHE_LIMIT"] = text });
        Assert.AreEqual(0, run.Exit, run.Error);
        StringAssert.Contains(run.Error, $"pejit: warning: PEJIT_THRESHOLD={text} {threshold}");
        if (cacheLimit is not null) StringAssert.Contains(run.Error, $"pejit: warning: PEJIT_CACHE_LIMIT={text} {cacheLimit}");
        else Assert.DoesNotContain("PEJIT_CACHE_LIMIT", run.Error, "99999999999 residual instructions is a valid cache limit");
        Assert.AreEqual(cacheLimit is null ? 1 : 2, run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length, $"one line per setting: {run.Error}");
    }

    [TestMethod]
    public void ACompileFunctionsSettingOtherThanZeroOrOneIsNamed()
    {
        // Three states since functions compile by default: a mistyped "yes" must not silently mean the default.
        var run = DotnetProcess.Run([Path.Combine(BuildCommandTests.StackVmFolder, "StackVm.dll"), "count"],
            new Dictionary<string, string> { ["PEJIT_COMPILE_FUNCTIONS"] = "yes" });
        Assert.AreEqual(0, run.Exit, run.Error);
        StringAssert.Contains(run.Error, "pejit: warning: PEJIT_COMPILE_FUNCTIONS=yes is neither 0 nor 1; using the default");
        Assert.AreEqual(1, run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length, $"one line: {run.Error}");
    }

    [TestMethod]
    public void AnInlineCallsSettingOtherThanZeroOrOneIsAWarning()
    {
        // Three states since callees whose key is known are inlined by default.
        var run = DotnetProcess.Run([Path.Combine(BuildCommandTests.StackVmFolder, "StackVm.dll"), "count"],
            new Dictionary<string, string> { ["PEJIT_INLINE_CALLS"] = "on" });
        Assert.AreEqual(0, run.Exit, run.Error);
        StringAssert.Contains(run.Error, "pejit: warning: PEJIT_INLINE_CALLS=on is neither 0 nor 1; using the default");
        Assert.AreEqual(1, run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length, $"one line: {run.Error}");
    }

    [TestMethod]
    public void ADumpOfAPassThatDoesNotExistIsAWarningNotACrash()
    {
        // Read while the first CanEnterJit sets up the runtime: it used to throw there and abort the process.
        var run = DotnetProcess.Run([Path.Combine(BuildCommandTests.StackVmFolder, "StackVm.dll"), "count"],
            new Dictionary<string, string> { ["PEJIT_DUMP"] = "final", ["PEJIT_DUMP_DIR"] = Path.Combine(Path.GetTempPath(), "pejit-dump-unused") });
        Assert.AreEqual(0, run.Exit, run.Error);
        StringAssert.Contains(run.Error, "pejit: warning: PEJIT_DUMP names no optimization pass 'final'");
        Assert.AreEqual(1, run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length, $"one line: {run.Error}");
    }
}

namespace PeJit.Tests.Tools;

/// <summary>
/// The packages as a user meets them: <c>scripts/package-smoke.sh</c> packs PeJit.Hints, PeJit.Runtime and
/// the pejit tool, and builds an interpreter outside the repository (Tests/PackageSmoke, written against the
/// packages only) with PeJitEnabled; JIT-enabled and disabled runs must agree, and a unit must be compiled.
/// </summary>
[TestClass]
public sealed class PackageTests
{
    [TestMethod]
    public void AnInterpreterOutsideTheRepositoryIsJitEnabledThroughThePackages()
    {
        string work = Directory.CreateTempSubdirectory("pejit-packages-").FullName;
        var start = new System.Diagnostics.ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(DotnetProcess.RepositoryRoot, "scripts", "package-smoke.sh"));
        start.ArgumentList.Add(work);
        foreach (string name in start.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || k.StartsWith("PEJIT_", StringComparison.Ordinal)).ToList())
            start.Environment.Remove(name);
        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        Assert.IsTrue(process.WaitForExit(TimeSpan.FromMinutes(8)), "the package smoke test did not finish");
        Assert.AreEqual(0, process.ExitCode, output.Result + error.Result);
        StringAssert.Contains(output.Result, "package smoke: ok");
    }
}

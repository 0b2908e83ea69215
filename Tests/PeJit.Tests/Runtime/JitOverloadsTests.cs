using PeJit.Tests.Tools;

namespace PeJit.Tests.Runtime;

/// <summary>
/// <c>RunTime/Hints/Jit.Overloads.cs</c> is written by <c>scripts/generate-jit-overloads.sh</c>: an edit made to
/// the file and not to the script would be lost the next time someone runs it.
/// </summary>
[TestClass]
public sealed class JitOverloadsTests
{
    [TestMethod]
    public void TheCheckedInOverloadsAreWhatTheGeneratorWrites()
    {
        var start = new System.Diagnostics.ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(DotnetProcess.RepositoryRoot, "scripts", "generate-jit-overloads.sh"));
        start.ArgumentList.Add("--stdout");
        using var process = System.Diagnostics.Process.Start(start)!;
        var generated = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        Assert.IsTrue(process.WaitForExit(TimeSpan.FromMinutes(1)), "the generator did not finish");
        Assert.AreEqual(0, process.ExitCode, error.Result);
        string checkedIn = File.ReadAllText(Path.Combine(DotnetProcess.RepositoryRoot, "RunTime", "Hints", "Jit.Overloads.cs"));
        Assert.AreEqual(generated.Result, checkedIn,
            "RunTime/Hints/Jit.Overloads.cs differs from what scripts/generate-jit-overloads.sh writes: change the script, then run it");
    }
}

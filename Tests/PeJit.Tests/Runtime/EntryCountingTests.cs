using PeJit.Tests.Tools;

namespace PeJit.Tests.Runtime;

/// <summary>
/// The portal's entry counts like a <c>Jit.CanEnterJit</c> so that functions can be compiled
/// (<c>PEJIT_COMPILE_FUNCTIONS</c>, on by default past <c>JitSettings.DefaultFunctionThreshold</c> entries); below that,
/// entry visits must cost a loop-free program nothing, not even the portal's preparation.
/// </summary>
[TestClass]
public sealed class EntryCountingTests
{
    private static DotnetProcess.Outcome RunFib(Dictionary<string, string> environment) =>
        DotnetProcess.Run([Path.Combine(BuildCommandTests.StackVmFolder, "StackVm.dll"), "fib", "15"], environment);

    [TestMethod]
    public void EntryVisitsDoNotPrepareThePortalWhileFunctionsAreNotCompiled()
    {
        // fib is loop-free recursion: no CanEnterJit gets hot, only the entry (built with --threshold 3).
        var run = RunFib(new() { ["PEJIT_LOG"] = "units" });
        Assert.AreEqual(0, run.Exit, run.Error);
        Assert.DoesNotContain("pejit: prepared", run.Error, "nothing got hot but the entry: the portal was prepared for nothing");
        StringAssert.Contains(run.Output, "610");
    }

    [TestMethod]
    public void EntryVisitsCompileFunctionsByDefaultPastTheThresholdForFunctions()
    {
        // fib(22) enters fib 57,313 times: past a threshold for functions of 5,000 (the default, 300,000, is not reached).
        var run = DotnetProcess.Run([Path.Combine(BuildCommandTests.StackVmFolder, "StackVm.dll"), "fib", "22"],
            new Dictionary<string, string> { ["PEJIT_LOG"] = "units", ["PEJIT_FUNCTION_THRESHOLD"] = "5000", ["PEJIT_BACKGROUND"] = "0" });
        Assert.AreEqual(0, run.Exit, run.Error);
        StringAssert.Contains(run.Error, "pejit: prepared");
        StringAssert.Contains(run.Error, "pejit: compiled");
        StringAssert.Contains(run.Output, "17711");
    }

    [TestMethod]
    public void EntryVisitsCompileFunctionsWhenAskedTo()
    {
        var run = RunFib(new() { ["PEJIT_LOG"] = "units", ["PEJIT_COMPILE_FUNCTIONS"] = "1" });
        Assert.AreEqual(0, run.Exit, run.Error);
        StringAssert.Contains(run.Error, "pejit: prepared");
        StringAssert.Contains(run.Error, "pejit: compiled");
        StringAssert.Contains(run.Output, "610");
    }
}

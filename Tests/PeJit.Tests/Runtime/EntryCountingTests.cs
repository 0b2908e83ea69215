using PeJit.Tests.Tools;

namespace PeJit.Tests.Runtime;

/// <summary>
/// The portal's entry counts like a <c>Jit.CanEnterJit</c> so that functions can be compiled
/// (<c>PEJIT_COMPILE_FUNCTIONS</c>, on by default past ten times the loop threshold's entries: <c>FunctionCompilationPolicy</c>);
/// below that, entry visits must cost a loop-free program nothing, not even the portal's preparation.
/// </summary>
[TestClass]
public sealed class EntryCountingTests
{
    private static DotnetProcess.Outcome RunFib(Dictionary<string, string> environment, int n = 15) =>
        DotnetProcess.Run([Path.Combine(BuildCommandTests.StackVmFolder, "StackVm.dll"), "fib", n.ToString(System.Globalization.CultureInfo.InvariantCulture)], environment);

    [TestMethod]
    public void EntryVisitsDoNotPrepareThePortalBelowTheThresholdForFunctions()
    {
        // fib is loop-free recursion: no CanEnterJit gets hot, only the entry (built with --threshold 3, so functions
        // count to 30). fib(6) enters its functions 26 times in all: the portal is not even prepared.
        var run = RunFib(new() { ["PEJIT_LOG"] = "units" }, 6);
        Assert.AreEqual(0, run.Exit, run.Error);
        Assert.DoesNotContain("pejit: prepared", run.Error, "nothing got hot but the entry: the portal was prepared for nothing");
        StringAssert.Contains(run.Output, "8");
    }

    [TestMethod]
    public void EntryVisitsCompileRecursiveFunctionsByDefaultPastTenTimesTheLoopThreshold()
    {
        // fib(15) enters fib 1,973 times: past 30 (ten times the threshold 3 the example was built with).
        var run = RunFib(new() { ["PEJIT_LOG"] = "units", ["PEJIT_BACKGROUND"] = "0" });
        Assert.AreEqual(0, run.Exit, run.Error);
        StringAssert.Contains(run.Error, "pejit: prepared");
        StringAssert.Contains(run.Error, "pejit: compiled");
        StringAssert.Contains(run.Output, "610");
    }

    [TestMethod]
    public void EntryVisitsDoNotCompileFunctionsWhenTurnedOff()
    {
        var run = RunFib(new() { ["PEJIT_LOG"] = "units", ["PEJIT_COMPILE_FUNCTIONS"] = "0" });
        Assert.AreEqual(0, run.Exit, run.Error);
        Assert.DoesNotContain("pejit: prepared", run.Error, "functions are off: the entry never prepares the portal");
        StringAssert.Contains(run.Output, "610");
    }

    [TestMethod]
    public void EntryVisitsCompileFunctionsPastAThresholdSetByTheEnvironment()
    {
        // fib(22) enters fib 57,313 times: past a threshold for functions of 5,000 set by the environment.
        var run = RunFib(new() { ["PEJIT_LOG"] = "units", ["PEJIT_FUNCTION_THRESHOLD"] = "5000", ["PEJIT_BACKGROUND"] = "0" }, 22);
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

using System.Reflection;
using System.Runtime.Loader;
using PeJit.Runtime;
using Vm = PeJit.Examples.StackVm;

namespace PeJit.Tests.Runtime;

/// <summary>
/// Several threads in one JIT-enabled interpreter: each gets exactly what the plain interpreter gives, while
/// the threads share counters, compilation and the code cache.
/// </summary>
[TestClass]
public sealed class ConcurrencyTests
{
    private static readonly (string Name, long[] Args)[] First = [("long", [20_000]), ("count", [30_000]), ("factorial", [20])];
    private static readonly (string Name, long[] Args)[] Second = [("nested", [80]), ("fib", [16]), ("long", [7_000])];

    private static (string Output, long Result) Plain(string name, long[] args)
    {
        var output = new StringWriter();
        long result = Vm.Runner.Run(Vm.Programs.Source(name), output, args);
        return (output.ToString(), result);
    }

    /// <summary>Runs two program lists at once, several rounds, each on its own thread, and compares every run with the plain interpreter.</summary>
    private static void RunTwoThreads(Func<string, long[], (string Output, long Result)> run)
    {
        var failures = new List<string>();
        using var start = new Barrier(2);
        void Work((string Name, long[] Args)[] programs)
        {
            start.SignalAndWait();
            for (int round = 0; round < 4; round++)
            {
                foreach (var (name, args) in programs)
                {
                    var expected = Plain(name, args);
                    var actual = run(name, args);
                    if (actual != expected) lock (failures) failures.Add($"{name} round {round}: got {actual.Result}, expected {expected.Result}");
                }
            }
        }
        var threads = new[] { new Thread(() => Work(First)), new Thread(() => Work(Second)) };
        foreach (var thread in threads) thread.Start();
        foreach (var thread in threads) Assert.IsTrue(thread.Join(TimeSpan.FromMinutes(2)), "a thread did not finish");
        Assert.IsEmpty(failures, string.Join("\n", failures));
    }

    [TestMethod]
    public void TwoThreadsRunTheJitEnabledAssemblyOnDifferentPrograms()
    {
        // The assembly pejit build wrote (threshold 3), loaded in a context of its own beside the plain one.
        string folder = Tools.BuildCommandTests.StackVmFolder;
        var context = new AssemblyLoadContext("jit-enabled StackVm", isCollectible: false);
        var assembly = context.LoadFromAssemblyPath(Path.Combine(folder, "StackVm.dll"));
        var runner = assembly.GetType("PeJit.Examples.StackVm.Runner")!;
        var run = runner.GetMethod("Run", [typeof(string), typeof(TextWriter), typeof(long[])])!;
        RunTwoThreads((name, args) =>
        {
            var output = new StringWriter();
            long result = (long)run.Invoke(null, [Vm.Programs.Source(name), output, args])!;
            return (output.ToString(), result);
        });
        var portal = (MethodInfo)runner.GetProperty("Portal")!.GetValue(null)!;
        // Compilation runs in the background in JIT-enabled assemblies: let it finish before looking.
        var runtime = JitRuntime.WaitForCompilations(portal, TimeSpan.FromMinutes(1));
        Assert.IsNotNull(runtime, "the JIT-enabled portal reached its runtime");
        Assert.IsNotEmpty(runtime.Cache.Units, "hot loops were compiled while both threads ran");
    }

    [TestMethod]
    public void TwoThreadsShareOnePortalJit()
    {
        var jit = PortalJit.Create(Vm.Runner.Portal, new JitSettings { Threshold = 2 });
        RunTwoThreads((name, args) =>
        {
            var output = new StringWriter();
            long result = (long)jit.Invoke(Vm.Runner.PortalArguments(Vm.Programs.Source(name), output, args))!;
            return (output.ToString(), result);
        });
        Assert.IsNotEmpty(jit.Units);
    }

    [TestMethod]
    public void BackgroundCompilationLetsTheInterpreterGoOnAndEntersTheUnitOnceReady()
    {
        var jit = PortalJit.Create(Vm.Runner.Portal, new JitSettings { Threshold = 2, BackgroundCompilation = true });
        foreach (var (name, args) in First)
        {
            var output = new StringWriter();
            long result = (long)jit.Invoke(Vm.Runner.PortalArguments(Vm.Programs.Source(name), output, args))!;
            Assert.AreEqual(Plain(name, args), (output.ToString(), result), name);
        }
        Assert.IsTrue(jit.Runtime.WaitForCompilations(TimeSpan.FromMinutes(1)));
        Assert.IsNotEmpty(jit.Units, "the hot keys were compiled in the background");
        // The units as they are now: the second round may recompile one with a new case and replace it in the cache,
        // which would drop its entries from a sum over the cache's units alone.
        var ready = jit.Units.ToList();
        long entered = ready.Sum(u => u.Entries);
        foreach (var (name, args) in First)
        {
            var output = new StringWriter();
            long result = (long)jit.Invoke(Vm.Runner.PortalArguments(Vm.Programs.Source(name), output, args))!;
            Assert.AreEqual(Plain(name, args), (output.ToString(), result), name);
        }
        Assert.IsTrue(jit.Runtime.WaitForCompilations(TimeSpan.FromMinutes(1)));
        long after = ready.Concat(jit.Units).Distinct().Sum(u => u.Entries);
        Assert.IsGreaterThan(entered, after, "the second round ran compiled code");
    }

    [TestMethod]
    public void ABoundedCacheDropsOldUnitsAndStaysCorrect()
    {
        // A bound smaller than any unit: each new unit pushes the others out.
        var jit = PortalJit.Create(Vm.Runner.Portal, new JitSettings { Threshold = 2, CacheLimit = 10 });
        foreach (var (name, args) in First.Concat(Second).Concat(First))
        {
            var output = new StringWriter();
            long result = (long)jit.Invoke(Vm.Runner.PortalArguments(Vm.Programs.Source(name), output, args))!;
            Assert.AreEqual(Plain(name, args), (output.ToString(), result), name);
        }
        Assert.IsGreaterThan(0L, jit.Runtime.Cache.Evicted, "units were dropped to stay under the bound");
        Assert.IsLessThanOrEqualTo(1, jit.Units.Count, "at most the newest unit stays");
    }
}

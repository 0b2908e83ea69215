using System.Reflection;
using System.Runtime.Loader;
using Vm = PeJit.Examples.StackVm;

namespace PeJit.Tests.Runtime;

/// <summary>
/// While nothing is hot, a woven <c>Jit.CanEnterJit</c> site is a hash and a counter decrement: it allocates
/// nothing (issue 12: before, every visit boxed the merge-point state into a fresh <c>object[]</c>). Counted
/// in bytes allocated by the thread, not timed.
/// </summary>
[TestClass]
public sealed class NeverHotAllocationTests
{
    /// <summary>Bytes the current thread allocates while <paramref name="run"/> runs.</summary>
    private static long AllocatedBy(Action run)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        run();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [TestMethod]
    public void ANeverHotJitEnabledRunAllocatesWhatThePlainOneDoes()
    {
        // StackVm as pejit build writes it, with a threshold no loop reaches, loaded beside the plain one.
        string folder = Directory.CreateTempSubdirectory("pejit-never-hot-").FullName;
        var error = new StringWriter();
        int exit = PeJit.Cli.Program.Run(["build", Vm.Runner.Portal.Module.Assembly.Location, "-o", folder, "--threshold", int.MaxValue.ToString()], new StringWriter(), error);
        Assert.AreEqual(0, exit, error.ToString());
        var context = new AssemblyLoadContext("never-hot StackVm", isCollectible: false);
        var woven = context.LoadFromAssemblyPath(Path.Combine(folder, "StackVm.dll"))
            .GetType("PeJit.Examples.StackVm.Runner")!.GetMethod("Run", [typeof(string), typeof(TextWriter), typeof(long[])])!;
        var plain = typeof(Vm.Runner).GetMethod("Run", [typeof(string), typeof(TextWriter), typeof(long[])])!;
        string source = Vm.Programs.Source("long");

        long Run(MethodInfo runner, long iterations)
        {
            var output = new StringWriter();
            object?[] arguments = [source, output, new[] { iterations }];
            return AllocatedBy(() => runner.Invoke(null, arguments));
        }

        // The first runs pay for what is made once: the counter table, the log, .NET's own first calls.
        Run(plain, 1000);
        Run(woven, 1000);
        // The least of three runs each: .NET allocates now and then on the running thread for itself while a method moves up
        // its tiers (a one-off 4 KB was seen in a full suite under load), which a site that allocated per visit never would.
        long plainBytes = Enumerable.Range(0, 3).Min(_ => Run(plain, 200_000));
        long wovenBytes = Enumerable.Range(0, 3).Min(_ => Run(woven, 200_000));
        // 200,000 backward jumps: boxing even one int per visit would be megabytes.
        Assert.IsLessThanOrEqualTo(plainBytes + 1024, wovenBytes,
            $"the never-hot JIT-enabled run allocated {wovenBytes} bytes, the plain one {plainBytes}: a CanEnterJit site allocates while not hot");
    }
}

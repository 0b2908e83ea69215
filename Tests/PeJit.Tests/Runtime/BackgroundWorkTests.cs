using PeJit.Runtime;

namespace PeJit.Tests.Runtime;

/// <summary>
/// PeJit's background thread (<see cref="BackgroundWork"/>): what JIT-enabled processes prepare and compile in the
/// background runs there, one item after another, on a thread of PeJit's own (not the thread pool, whose threads the
/// application shares); and the warm-up runs beside background compilation only with a third core
/// (<see cref="PipelineWarmUp.BesideBackgroundCompilation"/>). Counted, not timed (Docs/PERFORMANCE.md, "Short processes:
/// which thread spends what").
/// </summary>
[TestClass]
public sealed class BackgroundWorkTests
{
    [TestMethod]
    public void QueuedWorkRunsInOrderOnOneThreadOfPejitsOwn()
    {
        var order = new List<int>();
        var threads = new HashSet<int>();
        var names = new HashSet<string?>();
        bool pooled = false;
        using var done = new ManualResetEventSlim();
        int queuedBefore = BackgroundWork.Queued;
        for (int i = 0; i < 20; i++)
        {
            int item = i;
            BackgroundWork.Queue(() =>
            {
                lock (order)
                {
                    order.Add(item);
                    threads.Add(Environment.CurrentManagedThreadId);
                    names.Add(Thread.CurrentThread.Name);
                    pooled |= Thread.CurrentThread.IsThreadPoolThread;
                }
            });
        }
        // Work that throws must not stop the thread: the item after it still runs.
        BackgroundWork.Queue(() => throw new InvalidOperationException("dropped"));
        BackgroundWork.Queue(done.Set);
        Assert.IsTrue(done.Wait(TimeSpan.FromSeconds(30)), "the background thread did not run what was queued");
        CollectionAssert.AreEqual(Enumerable.Range(0, 20).ToList(), order, "queued work runs in the order it was queued");
        Assert.AreEqual(1, threads.Count, "all of it on one thread");
        CollectionAssert.AreEqual(new string?[] { "pejit compile" }, names.ToList());
        Assert.IsFalse(pooled, "not on a thread-pool thread");
        Assert.IsTrue(BackgroundWork.Queued >= queuedBefore + 22);
    }

    /// <summary>
    /// With <c>PEJIT_BACKGROUND_NICE=auto</c> the background thread runs below the interpreter's priority where the OS lets a
    /// thread lower its own (Linux: its nice value, <see cref="BackgroundWork.AutoNice"/> over the process's), when the machine
    /// has a core to spare, so that in a short process it only takes a core the interpreter's thread does not
    /// need; on a busy machine it keeps the process's priority, where a lowered thread starved (Docs/PERFORMANCE.md, "Short
    /// JIT-enabled processes: PeJit's thread below the interpreter's").
    /// </summary>
    [TestMethod]
    public void TheBackgroundThreadIsLoweredOnlyWhenTheMachineHasACoreToSpare()
    {
        Assert.IsGreaterThan(0, BackgroundWork.AutoNice, "auto lowers PeJit's thread where it can be");
        Assert.IsTrue(BackgroundWork.LowersOn(0.0, 2), "an idle machine of two cores");
        Assert.IsTrue(BackgroundWork.LowersOn(1.9, 2), "one busy thread on two cores leaves one");
        Assert.IsFalse(BackgroundWork.LowersOn(2.0, 2), "two cores busy: lowered, the thread would starve");
        Assert.IsFalse(BackgroundWork.LowersOn(18.0, 2));
        Assert.IsTrue(BackgroundWork.LowersOn(3.5, 8));
        Assert.IsFalse(BackgroundWork.LowersOn(0.0, 1), "one core: a lowered thread only runs when the interpreter waits");
        Assert.IsFalse(BackgroundWork.LowersOn(-1, 2), "no load average read: not lowered");
        // The load average is read (getloadavg through P/Invoke) where the thread can be lowered: a failed read would turn
        // the lowering off without a word.
        if (OperatingSystem.IsLinux()) Assert.IsGreaterThanOrEqualTo(0.0, BackgroundWork.LoadAverage(), "the one-minute load average");
    }

    /// <summary>Where the thread was lowered (<see cref="BackgroundWork.ThreadLowered"/>), its nice value is the process's plus <see cref="BackgroundWork.Nice"/>; else the process's.</summary>
    [TestMethod]
    public void TheBackgroundThreadsNiceValueIsWhatItWasGiven()
    {
        if (!OperatingSystem.IsLinux()) Assert.Inconclusive("the priority is a Linux nice value; elsewhere the thread keeps the default");
        int? seen = null;
        using var done = new ManualResetEventSlim();
        BackgroundWork.Queue(() =>
        {
            seen = NiceOfThisThread();
            done.Set();
        });
        Assert.IsTrue(done.Wait(TimeSpan.FromSeconds(30)), "the background thread did not run what was queued");
        if (BackgroundWork.ConfiguredNice > 0) Assert.IsTrue(BackgroundWork.ThreadLowered, "PEJIT_BACKGROUND_NICE asks for it whatever the load");
        if (BackgroundWork.ConfiguredNice == 0) Assert.IsFalse(BackgroundWork.ThreadLowered, "unset or 0: never lowered (the default)");
        // Relative to the process's (a process run with nice 5 gets its PeJit thread at 5 + Nice), at most 19.
        int process = NiceOfThisThread();
        Assert.AreEqual(BackgroundWork.ThreadLowered ? Math.Min(19, process + BackgroundWork.Nice) : process, seen, "the background thread's nice value");
    }

    /// <summary>The calling thread's nice value, field 19 of <c>/proc/thread-self/stat</c> (after the name, which may hold spaces).</summary>
    private static int NiceOfThisThread()
    {
        string stat = File.ReadAllText("/proc/thread-self/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return int.Parse(fields[16], System.Globalization.CultureInfo.InvariantCulture);
    }

    [TestMethod]
    public void TheWarmUpRunsBesideBackgroundCompilationOnlyWithAThirdCore()
    {
        string? before = Environment.GetEnvironmentVariable("PEJIT_WARMUP");
        try
        {
            Environment.SetEnvironmentVariable("PEJIT_WARMUP", null);
            Assert.IsFalse(PipelineWarmUp.BesideBackgroundCompilation(2), "on two cores it would share the compiling thread's core");
            Assert.IsTrue(PipelineWarmUp.BesideBackgroundCompilation(3));
            Environment.SetEnvironmentVariable("PEJIT_WARMUP", "1");
            Assert.IsTrue(PipelineWarmUp.BesideBackgroundCompilation(2), "PEJIT_WARMUP=1 asks for it anyway");
        }
        finally
        {
            Environment.SetEnvironmentVariable("PEJIT_WARMUP", before);
        }
    }
}

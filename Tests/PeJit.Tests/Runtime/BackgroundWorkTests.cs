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

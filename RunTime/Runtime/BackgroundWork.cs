using System.Runtime.InteropServices;

namespace PeJit.Runtime;

/// <summary>
/// The one thread on which JIT-enabled processes prepare portals and compile units in the background (issue 12): work
/// is queued and runs in order, one item at a time, so that on a machine of two cores PeJit's work takes at most the one
/// core the interpreter's thread does not (optionally at a lower OS priority, <c>PEJIT_BACKGROUND_NICE</c>). Measured (Docs/PERFORMANCE.md, "Short processes: which thread spends what"): before, a short program's main
/// thread waited for a core while pool threads prepared the portal, the warm-up ran and a unit compiled that the program
/// ended before entering; the wait, not the main thread's own work, was most of what the process lost to plain.
/// </summary>
/// <remarks>
/// One thread, not the thread pool: with two cores and one of them the interpreter's, units compiled side by side only
/// share the other core, and a pool thread cannot be given a lower priority without keeping it for whatever the
/// application queues next. The priority is the thread's Linux nice value (<c>setpriority</c> on its thread id; raising
/// it needs no privilege): <c>PEJIT_BACKGROUND_NICE</c> (0-19, default <see cref="DefaultNice"/>; 0 keeps the
/// process's). Elsewhere the thread keeps the default priority. Work that throws is the caller's to catch: an
/// exception here is dropped, never the end of the process.
/// </remarks>
internal static class BackgroundWork
{
    /// <summary>
    /// The nice value PeJit's background thread takes by default: none. At nice 10 (a CFS weight of about a tenth of a
    /// normal thread's) a short program's main thread waited less for a core, but on a loaded machine the compiling thread
    /// starved and StackVm <c>long</c> took 2.6 s against 0.9 s (Docs/PERFORMANCE.md, "Short processes: which thread spends
    /// what"); to be measured again on a quiet machine.
    /// </summary>
    public const int DefaultNice = 0;

    private static readonly Queue<Action> queue = new();
    private static readonly object gate = new();
    private static Thread? thread;
    private static int started;

    /// <summary>How many work items were queued in this process (tests count them).</summary>
    public static int Queued => Volatile.Read(ref queued);
    private static int queued;

    /// <summary>The nice value of <c>PEJIT_BACKGROUND_NICE</c>, or <see cref="DefaultNice"/>.</summary>
    public static int Nice { get; } =
        int.TryParse(Environment.GetEnvironmentVariable("PEJIT_BACKGROUND_NICE"), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int nice)
            ? Math.Min(nice, 19) : DefaultNice;

    /// <summary>Runs <paramref name="work"/> on PeJit's background thread after what was queued before it.</summary>
    public static void Queue(Action work)
    {
        Interlocked.Increment(ref queued);
        lock (gate)
        {
            queue.Enqueue(work);
            if (Interlocked.Exchange(ref started, 1) == 0)
            {
                thread = new Thread(Loop) { IsBackground = true, Name = "pejit compile" };
                thread.Start();
            }
            else Monitor.Pulse(gate);
        }
    }

    private static void Loop()
    {
        LowerThisThread();
        while (true)
        {
            Action work;
            lock (gate)
            {
                while (queue.Count == 0) Monitor.Wait(gate);
                work = queue.Dequeue();
            }
            try
            {
                work();
            }
            catch (Exception)
            {
                // Each caller catches and reports its own failures; this thread must go on serving the others.
            }
        }
    }

    /// <summary>
    /// Gives the calling thread <see cref="Nice"/> as its nice value (Linux); false where that cannot be done. Only for
    /// threads PeJit owns: a thread-pool thread would keep the priority for the application's work.
    /// </summary>
    public static bool LowerThisThread()
    {
        if (Nice == 0 || !OperatingSystem.IsLinux()) return false;
        try
        {
            // PRIO_PROCESS with a thread id sets that thread's nice value on Linux (threads are scheduled on their own).
            return SetPriority(0, GetThreadId(), Nice) == 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [DllImport("libc", EntryPoint = "gettid")]
    private static extern int GetThreadId();

    [DllImport("libc", EntryPoint = "setpriority")]
    private static extern int SetPriority(int which, int who, int priority);
}

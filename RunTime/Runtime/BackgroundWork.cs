using System.Runtime.InteropServices;

namespace PeJit.Runtime;

/// <summary>
/// The one thread on which JIT-enabled processes prepare portals and compile units in the background (issue 12): work
/// is queued and runs in order, one item at a time, so that on a machine of two cores PeJit's work takes at most the one
/// core the interpreter's thread does not; optionally at a lower OS priority than the interpreter's
/// (<c>PEJIT_BACKGROUND_NICE</c>, <see cref="LowerThisThread"/>). Measured (Docs/PERFORMANCE.md, "Short processes: which thread spends what"): before, a short program's main
/// thread waited for a core while pool threads prepared the portal, the warm-up ran and a unit compiled that the program
/// ended before entering; the wait, not the main thread's own work, was most of what the process lost to plain.
/// </summary>
/// <remarks>
/// One thread, not the thread pool: with two cores and one of them the interpreter's, units compiled side by side only
/// share the other core, and a pool thread cannot be given a lower priority without keeping it for whatever the
/// application queues next. The priority is the thread's Linux nice value (<c>setpriority</c> on its thread id; raising
/// it needs no privilege, lowering it again would, so it is decided once, when the thread starts). Elsewhere the thread
/// keeps the default priority. Work that throws is the caller's to catch: an exception here is dropped, never the end of
/// the process.
/// </remarks>
internal static class BackgroundWork
{
    /// <summary>
    /// How much <c>PEJIT_BACKGROUND_NICE=auto</c> lowers PeJit's background thread below the interpreter's (its nice value
    /// over the process's) when the machine has a core to spare (<see cref="LowersOn"/>). At 10 a normal thread sharing a core
    /// with it gets about nine tenths of the core (Linux CFS weights 1024 and 110). Not the default: on an idle machine of two
    /// cores it took 6-17 ms off short Lua processes (numeric 196 to 183 ms, sieve 234 to 217, medians of 5) but put StackVm
    /// <c>long 100000000</c>, the demo, at 440-459 ms against 310-374 (the first unit waits behind .NET's own tier-1 thread on
    /// the second core), and nice 3 did the same (Docs/PERFORMANCE.md, "Short JIT-enabled processes: PeJit's thread below the
    /// interpreter's", the lead's figures).
    /// </summary>
    public const int AutoNice = 10;

    private static readonly Queue<Action> queue = new();
    private static readonly object gate = new();
    private static Thread? thread;
    private static int started;

    /// <summary>How many work items were queued in this process (tests count them).</summary>
    public static int Queued => Volatile.Read(ref queued);
    private static int queued;

    /// <summary>
    /// <c>PEJIT_BACKGROUND_NICE</c>: 0-19 lowers the thread by that much whatever the load (0, and unset, the default: never);
    /// null for <c>auto</c>: <see cref="AutoNice"/> on a machine with a core to spare (<see cref="LowersOn"/>).
    /// </summary>
    public static int? ConfiguredNice { get; } = Environment.GetEnvironmentVariable("PEJIT_BACKGROUND_NICE") switch
    {
        "auto" => null,
        { } value when int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int nice) => Math.Min(nice, 19),
        _ => 0,
    };

    /// <summary>How much <see cref="LowerThisThread"/> lowers a thread: <see cref="ConfiguredNice"/>, else (<c>auto</c>) <see cref="AutoNice"/>.</summary>
    public static int Nice => ConfiguredNice ?? AutoNice;

    /// <summary>
    /// Whether <c>PEJIT_BACKGROUND_NICE=auto</c> lowers PeJit's threads on a machine of <paramref name="processors"/> cores whose one-minute load
    /// average is <paramref name="loadAverage"/>: only when it has more than one core and fewer runnable threads than cores on
    /// average, so that the lowered thread has a core the interpreter does not need. On a busy machine a lowered thread
    /// starves: at load 16-20 on two cores, with nice 10, StackVm <c>long</c> entered no compiled code in 4 of 5 runs and took
    /// 2.1-3.2 s against 0.8-1.2 s (Docs/PERFORMANCE.md, "Short JIT-enabled processes: PeJit's thread below the interpreter's");
    /// there it keeps the process's priority, as before.
    /// </summary>
    public static bool LowersOn(double loadAverage, int processors) => processors > 1 && loadAverage >= 0 && loadAverage < processors;

    /// <summary>Whether the background thread was lowered when it started (tests).</summary>
    internal static bool ThreadLowered { get; private set; }

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
        ThreadLowered = LowerThisThread();
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
    /// Lowers the calling thread's priority by <see cref="Nice"/> (Linux: its nice value, from the process's, at most 19),
    /// when <c>PEJIT_BACKGROUND_NICE</c> asks for it or, with <c>auto</c>, when the machine has a core to spare (<see cref="LowersOn"/>);
    /// false where that was not done or was refused, and the thread then keeps its priority. Only for threads PeJit owns:
    /// a thread-pool thread would keep the priority for the application's work.
    /// </summary>
    public static bool LowerThisThread()
    {
        if (Nice == 0 || !OperatingSystem.IsLinux()) return false;
        try
        {
            if (ConfiguredNice is null && !LowersOn(LoadAverage(), Environment.ProcessorCount)) return false;
            // PRIO_PROCESS with a thread id reads and sets that thread's nice value on Linux (threads are scheduled on their own).
            // Relative to the thread's own (the process's, for a new thread): a process started with nice 5 keeps its
            // interpreter above PeJit's thread. Raising a nice value needs no privilege; lowering it would, and is never asked.
            int thread = GetThreadId();
            int current = GetPriority(0, thread);
            if (current is < -20 or > 19) return false;
            int lowered = Math.Min(19, current + Nice);
            return lowered == current || SetPriority(0, thread, lowered) == 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    /// <summary>The one-minute load average (<c>getloadavg</c>, no file read), or -1 when it cannot be read.</summary>
    internal static double LoadAverage()
    {
        var averages = new double[1];
        return GetLoadAverage(averages, 1) == 1 ? averages[0] : -1;
    }

    [DllImport("libc", EntryPoint = "getloadavg")]
    private static extern int GetLoadAverage([Out] double[] averages, int count);

    [DllImport("libc", EntryPoint = "gettid")]
    private static extern int GetThreadId();

    // glibc's getpriority returns the nice value itself (-20..19; -1 is also its error, which a thread's own id cannot get).
    [DllImport("libc", EntryPoint = "getpriority")]
    private static extern int GetPriority(int which, int who);

    [DllImport("libc", EntryPoint = "setpriority")]
    private static extern int SetPriority(int which, int who, int priority);
}

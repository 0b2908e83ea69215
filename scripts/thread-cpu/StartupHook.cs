using System.Globalization;
using System.Text;

/// <summary>
/// A .NET startup hook (<c>DOTNET_STARTUP_HOOKS</c>) that writes, at process exit, the CPU time of every thread still alive
/// (Linux <c>/proc/self/task/TID/schedstat</c>, nanoseconds on a core, and its name from <c>comm</c>), the process's total
/// (<c>CLOCK_PROCESS_CPUTIME_ID</c>) and what threads that ended used (the total minus the live ones: PeJit's warm-up
/// thread ends, thread-pool workers do not within a short process). One line, appended to <c>THREAD_CPU_OUT</c>, for
/// <c>scripts/thread-cpu.py</c> to aggregate. Issue 12: which thread a short JIT-enabled process spends its extra CPU on.
/// </summary>
internal class StartupHook
{
    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);

    public static void Initialize()
    {
        string? output = Environment.GetEnvironmentVariable("THREAD_CPU_OUT");
        if (output is null || !OperatingSystem.IsLinux()) return;
        var start = DateTime.UtcNow;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                var line = new StringBuilder();
                int pid = Environment.ProcessId;
                double live = 0;
                foreach (var task in Directory.GetDirectories("/proc/self/task"))
                {
                    string tid = Path.GetFileName(task);
                    var schedstat = File.ReadAllText(Path.Combine(task, "schedstat")).Split(' ');
                    double ms = long.Parse(schedstat[0], CultureInfo.InvariantCulture) / 1e6;
                    string name = tid == pid.ToString(CultureInfo.InvariantCulture) ? "main" : File.ReadAllText(Path.Combine(task, "comm")).Trim().Replace(' ', '_').Replace('=', '_');
                    live += ms;
                    line.Append(CultureInfo.InvariantCulture, $"{name}={ms:F2} ");
                    // The main thread's time runnable but waiting for a core (schedstat's second field): what other threads,
                    // PeJit's and other processes', took from it.
                    if (name == "main") line.Append(CultureInfo.InvariantCulture, $"main_waiting={long.Parse(schedstat[1], CultureInfo.InvariantCulture) / 1e6:F2} ");
                    // The thread's minor page faults (stat's tenth field; each some 18 µs on this VM, a count that load moves
                    // less than time): PeJit's allocations can make the interpreter's thread fault in fresh pages.
                    var stat = File.ReadAllText(Path.Combine(task, "stat"));
                    line.Append(CultureInfo.InvariantCulture, $"{name}_faults={stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[7]} ");
                    // How often the main thread blocked (a collection another thread started, a lock, a wait) and how often it
                    // was preempted: counts, where blocked time itself is not in schedstat.
                    if (name == "main")
                        foreach (var status in File.ReadLines(Path.Combine(task, "status")))
                            if (status.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal) || status.StartsWith("nonvoluntary_ctxt_switches:", StringComparison.Ordinal))
                                line.Append(CultureInfo.InvariantCulture, $"main_{status[..status.IndexOf('_')]}={status[(status.IndexOf(':') + 1)..].Trim()} ");
                }
                // The process clock counts threads that ended too (in nanoseconds, where /proc/self/stat has 10 ms ticks).
                double total = ClockGetTime(2, out var time) == 0 ? time.Seconds * 1e3 + time.Nanoseconds / 1e6 : 0;
                // What the process allocated, how often gen0 was collected, and what .NET's JIT compiled (all threads; and the
                // thread that raises ProcessExit, the main one when Main returns): megabytes and milliseconds, as the rest.
                line.Append(CultureInfo.InvariantCulture, $"alloc_MB={GC.GetTotalAllocatedBytes() / 1e6:F2} gc0={GC.CollectionCount(0)} gc1={GC.CollectionCount(1)} gc_pause_ms={GC.GetTotalPauseDuration().TotalMilliseconds:F2} ");
                line.Append(CultureInfo.InvariantCulture, $"jit_count={System.Runtime.JitInfo.GetCompiledMethodCount()} jit_ms={System.Runtime.JitInfo.GetCompilationTime().TotalMilliseconds:F2} ");
                line.Append(CultureInfo.InvariantCulture, $"jit_ms_this_thread={System.Runtime.JitInfo.GetCompilationTime(currentThread: true).TotalMilliseconds:F2} ");
                line.Append(CultureInfo.InvariantCulture, $"ended={Math.Max(0, total - live):F2} total={total:F2} hookwall={(DateTime.UtcNow - start).TotalMilliseconds:F2}");
                File.AppendAllText(output, line.AppendLine().ToString());
            }
            catch (Exception)
            {
                // A measurement, never a failure of the process it measures.
            }
        };
    }
}

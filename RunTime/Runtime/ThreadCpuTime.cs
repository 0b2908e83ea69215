using System.Runtime.InteropServices;

namespace PeJit.Runtime;

/// <summary>
/// The CPU time the calling thread has used (Linux: <c>clock_gettime(CLOCK_THREAD_CPUTIME_ID)</c>); null elsewhere or
/// when the call fails. The summary (<c>PEJIT_LOG=summary</c>) gives it beside the wall-clock times of warm-up: on a
/// machine shared with other work, wall-clock milliseconds include the time the thread waited for a core, and the
/// thread's CPU time does not, so it is the figure to compare between runs under load.
/// </summary>
public static class ThreadCpuTime
{
    private const int ClockThreadCpuTime = 3;

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);

    /// <summary>The calling thread's CPU time so far, or null where it cannot be read.</summary>
    public static TimeSpan? Now()
    {
        if (!OperatingSystem.IsLinux()) return null;
        try
        {
            return ClockGetTime(ClockThreadCpuTime, out var time) == 0 ? TimeSpan.FromTicks(time.Seconds * TimeSpan.TicksPerSecond + time.Nanoseconds / 100) : null;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    /// <summary>The CPU time used since <paramref name="start"/> (a <see cref="Now"/>), or null.</summary>
    public static TimeSpan? Since(TimeSpan? start) => start is { } before && Now() is { } now ? now - before : null;
}

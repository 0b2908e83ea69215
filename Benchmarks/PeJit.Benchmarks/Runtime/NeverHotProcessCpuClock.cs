using System.Runtime.InteropServices;
using Perfolizer.Horology;

namespace PeJit.Benchmarks.Runtime;

/// <summary>
/// The processor time of the whole process (Linux's <c>CLOCK_PROCESS_CPUTIME_ID</c>, in nanoseconds), as the clock of
/// <see cref="NeverHotBenchmarks"/>: on the shared 2-core machine the load average moves between 1 and 30 while one
/// run takes minutes, and a wall clock then measures how long the benchmark waited for a core (the plain and the
/// JIT-enabled build of a case are measured seconds apart, so the wait lands on one side of the ratio). Processor time
/// counts everything the process computes, on every thread (the interpreter, the garbage collector, .NET's and PeJit's
/// background compiles, any thread the PeJit runtime starts), so no cost of the JIT-enabled build is left out; only
/// the time spent descheduled is.
/// </summary>
internal sealed class NeverHotProcessCpuClock : IClock
{
    public static readonly NeverHotProcessCpuClock Instance = new();

    private const int ProcessCpuTime = 2; // CLOCK_PROCESS_CPUTIME_ID

    public string Title => "process CPU time";

    public bool IsAvailable => OperatingSystem.IsLinux();

    public Frequency Frequency { get; } = new(1_000_000_000);

    public long GetTimestamp()
    {
        if (ClockGetTime(ProcessCpuTime, out var time) != 0)
            throw new InvalidOperationException("clock_gettime(CLOCK_PROCESS_CPUTIME_ID) failed: run NeverHotBenchmarks on Linux");
        return time.Seconds * 1_000_000_000 + time.Nanoseconds;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds, Nanoseconds;
    }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);
}

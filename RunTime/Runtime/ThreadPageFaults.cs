using System.Runtime.InteropServices;

namespace PeJit.Runtime;

/// <summary>
/// The page faults the calling thread has taken (Linux: <c>getrusage(RUSAGE_THREAD)</c>'s minor and major faults); null
/// elsewhere or when the call fails. Preparing a portal in a fresh process is mostly first touches of fresh memory, each a page
/// fault (some 18 µs on the virtual machines measured: Docs/PERFORMANCE.md, "Preparation and the first unit, cold"), so the
/// summary (<c>PEJIT_LOG=summary</c>) counts them beside preparation's times: a count that does not depend on the load.
/// </summary>
public static class ThreadPageFaults
{
    private const int RusageThread = 1;

    // struct rusage on 64-bit Linux: two timevals, then fourteen longs (maxrss, ixrss, idrss, isrss, minflt, majflt, ...).
    [StructLayout(LayoutKind.Sequential)]
    private struct Usage
    {
        public long UserSeconds, UserMicroseconds, SystemSeconds, SystemMicroseconds;
        public long MaxResident, SharedText, UnsharedData, UnsharedStack, MinorFaults, MajorFaults;
        public long Swaps, BlockInputs, BlockOutputs, MessagesSent, MessagesReceived, Signals, VoluntarySwitches, InvoluntarySwitches;
    }

    [DllImport("libc", EntryPoint = "getrusage")]
    private static extern int GetResourceUsage(int who, out Usage usage);

    /// <summary>The calling thread's page faults so far, or null where they cannot be read.</summary>
    public static long? Now()
    {
        if (!OperatingSystem.IsLinux() || !Environment.Is64BitProcess) return null;
        try
        {
            return GetResourceUsage(RusageThread, out var usage) == 0 ? usage.MinorFaults + usage.MajorFaults : null;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    /// <summary>The page faults taken since <paramref name="start"/> (a <see cref="Now"/>), or null.</summary>
    public static long? Since(long? start) => start is { } before && Now() is { } now ? now - before : null;
}

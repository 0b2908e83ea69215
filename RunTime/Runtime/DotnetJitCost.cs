using System.Runtime;

namespace PeJit.Runtime;

/// <summary>
/// What .NET's own JIT compiled in a span of time (all threads): the methods and the time it took. PeJit's
/// first unit pays for compiling PeJit's own code unless that code ships precompiled (ReadyToRun); this is
/// how the summary shows what is left (generic instantiations ReadyToRun cannot cover, the unit's
/// <c>DynamicMethod</c>, tier-1 recompilations).
/// </summary>
/// <param name="Methods">Methods compiled.</param>
/// <param name="Time">Time spent compiling them.</param>
public readonly record struct DotnetJitCost(long Methods, TimeSpan Time)
{
    /// <summary>The counters since the process started.</summary>
    public static DotnetJitCost SinceStart() => new(JitInfo.GetCompiledMethodCount(currentThread: false), JitInfo.GetCompilationTime(currentThread: false));

    /// <summary>
    /// The counters of the calling thread alone: what .NET compiled for code this thread ran, without tiered
    /// compilation's recompilations on its own background thread, whose timing depends on the machine's load.
    /// </summary>
    public static DotnetJitCost OnThisThread() => new(JitInfo.GetCompiledMethodCount(currentThread: true), JitInfo.GetCompilationTime(currentThread: true));

    /// <summary>What was compiled between <paramref name="before"/> and <paramref name="after"/>.</summary>
    public static DotnetJitCost operator -(DotnetJitCost after, DotnetJitCost before) => new(after.Methods - before.Methods, after.Time - before.Time);
}

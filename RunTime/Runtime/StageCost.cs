namespace PeJit.Runtime;

/// <summary>
/// What .NET compiled on the compiling thread during one stage of the first unit (specialization, a pass, the
/// backend), for <c>PEJIT_LOG=summary</c>. A class, not a tuple: a list of tuples holding a struct is compiled by .NET
/// on the first unit's path, which this count is meant to measure, not to add to (<c>Docs/PERFORMANCE.md</c>, warm-up).
/// </summary>
public sealed class StageCost(string stage, DotnetJitCost cost, TimeSpan? cpu = null)
{
    /// <summary>The stage's name.</summary>
    public string Stage { get; } = stage;

    /// <summary>What .NET compiled meanwhile.</summary>
    public DotnetJitCost Cost { get; } = cost;

    /// <summary>
    /// The compiling thread's CPU time in the stage (<see cref="ThreadCpuTime"/>), when known: against a warm unit's, what
    /// the stage's first times cost (type loads, first calls of precompiled code, .NET's compilations), load or not.
    /// </summary>
    public TimeSpan? Cpu { get; } = cpu;
}

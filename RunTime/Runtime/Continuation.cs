using PeJit.Backends;
using PeJit.IR;

namespace PeJit.Runtime;

/// <summary>The compiled rest of a method from one resume point, or why there is none.</summary>
/// <param name="Where">The method, block and instruction, for people.</param>
/// <param name="Graph">The continuation's graph (null when it could not be made).</param>
/// <param name="Code">Its compiled code (null when refused).</param>
/// <param name="Refusal">Why there is no code.</param>
internal sealed record Continuation(string Where, FlowGraph? Graph, ICompiledCode? Code, string? Refusal)
{
    /// <summary>Its promotion sites and dispatched calls (what its reports' indexes name), and whether learning steps can use it; null for a copy made without.</summary>
    public ContinuationLearning? Learning { get; init; }

    /// <summary>For a learning twin: the method is called for real, as the evaluator calls it (no twin, no refusal).</summary>
    public bool CalledForReal { get; init; }

    /// <summary>How long building and compiling it took (the log).</summary>
    public TimeSpan Took { get; init; }
}

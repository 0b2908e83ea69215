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
    /// <summary>For a learning continuation, its promotion sites (what its reports' indexes name); null otherwise.</summary>
    public ContinuationLearning? Learning { get; init; }
}

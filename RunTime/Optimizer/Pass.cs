using PeJit.IR;

namespace PeJit.Optimizer;

/// <summary>One optimization pass over a residual graph: a name (for selection strings and dumps), what it does, and the code.</summary>
/// <param name="Name">Short name used in selections such as <c>merge:fold:forward:dce</c>.</param>
/// <param name="Description">One line: what it does.</param>
/// <param name="Run">Rewrites the graph in place.</param>
public sealed record Pass(string Name, string Description, Action<FlowGraph> Run);

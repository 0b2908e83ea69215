using PeJit.IR;
using PeJit.IR.Transforms;

namespace PeJit.Optimizer;

/// <summary>
/// The pass <c>params</c>: removes a block parameter that every jump to its block passes the same value, or
/// the parameter itself (<see cref="TrivialParameters"/>). The case that matters is a loop header's parameter
/// that every back edge passes unchanged (the interpreter's frame, its stack pointer at a loop of the
/// interpreted program): it is the value the entry passes, and so visibly loop-invariant to the passes after
/// this one.
/// </summary>
internal static class InvariantParameters
{
    public static void Run(FlowGraph graph)
    {
        GraphEdits.RemoveUnreachable(graph);
        TrivialParameters.Remove(graph);
        graph.Compact();
    }
}

using PeJit.IR;
using PeJit.IR.Transforms;

namespace PeJit.Optimizer;

/// <summary>
/// The pass <c>params</c>: removes a block parameter that every jump to its block passes the same value, or
/// the parameter itself (<see cref="TrivialParameters"/>). The case that matters is a loop header's parameter
/// that every back edge passes unchanged (the interpreter's frame, its stack pointer at a loop of the
/// interpreted program): it is the value the entry passes, and so visibly loop-invariant to the passes after
/// this one. Then two parameters of a block that every jump passes the same value for become one
/// (<see cref="DuplicateParameters"/>): after peeling, a loop that keeps one box in two registers.
/// </summary>
/// <remarks>Cost: <see cref="TrivialParameters"/>: O(blocks + edges) per round, and a round repeats only while a removal made another parameter trivial (twice in practice).</remarks>
internal static class InvariantParameters
{
    public static void Run(FlowGraph graph)
    {
        GraphEdits.RemoveUnreachable(graph);
        TrivialParameters.Remove(graph);
        DuplicateParameters.Run(graph);
        graph.Compact();
    }
}

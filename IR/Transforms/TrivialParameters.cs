using PeJit.IR;
using PeJit.IR.Graphs;

namespace PeJit.IR.Transforms;

/// <summary>
/// Removes a block parameter that every jump to its block passes the same value, or the parameter itself: it
/// is that value. The frontend uses it to drop the join parameters it made for every live variable; the
/// optimizer, to make a loop header's parameter that every back edge passes unchanged (the interpreter's
/// frame, its stack pointer at a loop of the interpreted program) visibly the value the entry passes.
/// </summary>
/// <remarks>
/// This is the trivial-φ removal of Braun et al. ("Simple and Efficient Construction of Static Single
/// Assignment Form"): in a graph where definitions dominate their uses, the one value v that reaches a block
/// from outside a cycle through the parameter dominates the block, so it may replace the parameter.
/// Strategy: collect the jumps into each block once (removing parameters changes no jump's target); then,
/// until nothing changes, look at each block's parameters from the last to the first, because removing one
/// can make another trivial (its jump passed the removed one); last, replace the uses of every removed
/// parameter. Blocks keep their numbers and values are not renumbered, so callers holding block handles stay
/// valid; call <see cref="FlowGraph.Compact"/> to drop the removed values.
/// </remarks>
public static class TrivialParameters
{
    /// <summary>Removes the trivial parameters of every block but the entry, and replaces their uses.</summary>
    public static void Remove(FlowGraph graph)
    {
        var incoming = Predecessors.Compute(graph);

        var replacement = new ValueToValueMap(graph.ValueCount);
        Value Find(Value v)
        {
            while (replacement.TryGetValue(v, out var next)) v = next;
            return v;
        }
        bool changed = true;
        while (changed)
        {
            changed = false;
            foreach (var block in graph.Blocks)
            {
                // A block no jump enters (a handler's entry, whose parameter is the exception) keeps its parameters.
                var calls = incoming.EdgesInto(block);
                if (block == FlowGraph.Entry || calls.Count == 0) continue;
                var parameters = graph[block].Parameters;
                for (int k = parameters.Count - 1; k >= 0; k--)
                {
                    var parameter = parameters[k];
                    // Only the parameter itself flows in: a cycle nothing enters, left to the removal of unreachable blocks.
                    if (OnlyValue(calls, k, parameter, Find) is not { } value) continue;
                    replacement[parameter] = value;
                    // The jumps are known here, so this does not search the graph for them as FlowGraph.RemoveParameter does.
                    parameters.RemoveAt(k);
                    graph[parameter].ParameterOf = null;
                    foreach (var edge in calls) edge.Call.Arguments.RemoveAt(k);
                    changed = true;
                }
            }
        }
        graph.ReplaceUses(replacement);
    }

    /// <summary>
    /// The one value other than <paramref name="parameter"/> itself that the jumps <paramref name="calls"/> pass
    /// for parameter <paramref name="index"/> (each argument seen through <paramref name="find"/>, the removals so
    /// far), or null when they pass two different ones, or only the parameter: the parameter is trivial when not null.
    /// </summary>
    public static Value? OnlyValue(IReadOnlyList<Edge> calls, int index, Value parameter, Func<Value, Value>? find = null)
    {
        Value? only = null;
        foreach (var edge in calls)
        {
            var argument = find is null ? edge.Call.Arguments[index] : find(edge.Call.Arguments[index]);
            if (argument == parameter || argument == only) continue;
            if (only is not null) return null;
            only = argument;
        }
        return only;
    }
}

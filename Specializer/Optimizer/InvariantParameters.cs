using PeJit.Frontend.IR;

namespace PeJit.Specializer.Optimizer;

/// <summary>
/// Removes a block parameter that every jump to its block passes the same value, or the parameter itself: it
/// is that value. The case that matters is a loop header's parameter that every back edge passes unchanged
/// (the interpreter's frame, its stack pointer at a loop of the interpreted program): it is the value the
/// entry passes, and so visibly loop-invariant to the passes after this one.
/// </summary>
/// <remarks>
/// This is the trivial-φ removal of Braun et al. ("Simple and Efficient Construction of Static Single
/// Assignment Form"): in a graph where definitions dominate their uses, the one value v that reaches a block
/// from outside a cycle through the parameter dominates the block, so it may replace the parameter. Removing
/// one parameter can make another trivial (its jump passed the removed one), so it repeats until none is.
/// </remarks>
internal static class InvariantParameters
{
    public static void Run(FlowGraph graph)
    {
        GraphEdits.RemoveUnreachable(graph);
        Remove(graph);
        graph.Compact();
    }

    /// <summary>Removes the trivial parameters without renumbering blocks (for passes that keep block handles).</summary>
    public static void Remove(FlowGraph graph)
    {
        var replacement = new Dictionary<Value, Value>();
        Value Find(Value v)
        {
            while (replacement.TryGetValue(v, out var next)) v = next;
            return v;
        }
        bool changed = true;
        while (changed)
        {
            changed = false;
            var incoming = graph.Blocks.ToDictionary(b => b, _ => new List<BlockCall>());
            foreach (var block in graph.Blocks)
                if (graph[block].Terminator is { } terminator)
                    foreach (var target in terminator.Targets) incoming[target.Target].Add(target);
            foreach (var block in graph.Blocks)
            {
                if (block == FlowGraph.Entry || incoming[block].Count == 0) continue;
                var parameters = graph[block].Parameters;
                for (int k = parameters.Count - 1; k >= 0; k--)
                {
                    var parameter = parameters[k];
                    Value? only = null;
                    bool trivial = true;
                    foreach (var call in incoming[block])
                    {
                        var argument = Find(call.Arguments[k]);
                        if (argument == parameter || argument == only) continue;
                        if (only is not null)
                        {
                            trivial = false;
                            break;
                        }
                        only = argument;
                    }
                    // Only the parameter itself flows in: a cycle nothing enters, left to the removal of unreachable blocks.
                    if (!trivial || only is not { } value) continue;
                    replacement[parameter] = value;
                    graph.RemoveParameter(block, k);
                    changed = true;
                }
            }
        }
        GraphEdits.Replace(graph, replacement);
    }
}

using PeJit.IR;
using PeJit.IR.Graphs;

namespace PeJit.Optimizer;

/// <summary>
/// Two parameters of one block that every jump to it passes the same value for are one parameter: the later is
/// removed and its uses read the earlier. The case that matters is a loop that keeps one object in two promoted
/// elements (an interpreted <c>for</c> loop's internal counter and the visible copy of it, both given the same new
/// box on every turn): allocation removal leaves an object with two live names allocated, and this gives it one.
/// </summary>
/// <remarks>
/// <para>Rules:</para>
/// <list type="number">
/// <item>Parameters <c>p</c> before <c>q</c> of a block (not the entry, and entered by some jump) are duplicates when
/// every jump to the block passes, for them, the same value, or each one of <c>p</c> and <c>q</c> (a back edge passing
/// them on unchanged): then on every path into the block they hold the same value, by induction on the path.</item>
/// <item><c>q</c> is removed with its argument in every jump, and its uses read <c>p</c>; a removal can make two other
/// parameters duplicates (their back edges passed <c>p</c> and <c>q</c>), so it repeats until nothing changes.</item>
/// </list>
/// Cost: per round, for each block, the pairs of its parameters of one type times the jumps into it (a loop header
/// has a handful of parameters); a round repeats only after a removal.
/// </remarks>
internal static class DuplicateParameters
{
    public static void Run(FlowGraph graph)
    {
        var incoming = Predecessors.Compute(graph);
        var replacement = new ValueToValueMap(graph.ValueCount);
        bool changed = true;
        while (changed)
        {
            changed = false;
            foreach (var block in graph.Blocks)
            {
                var calls = incoming.EdgesInto(block);
                if (block == FlowGraph.Entry || calls.Count == 0) continue;
                var parameters = graph[block].Parameters;
                for (int later = parameters.Count - 1; later > 0; later--)
                    for (int earlier = 0; earlier < later; earlier++)
                    {
                        if (graph.TypeOf(parameters[earlier]) != graph.TypeOf(parameters[later]) || !Duplicates(calls, parameters, earlier, later)) continue;
                        replacement[parameters[later]] = parameters[earlier];
                        var jumps = new List<BlockCall>(calls.Count);
                        for (int c = 0; c < calls.Count; c++) jumps.Add(calls[c].Call);
                        graph.RemoveParameter(block, later, jumps);
                        changed = true;
                        break;
                    }
            }
            // Before the next round: a back edge's arguments must read the kept parameter to match rule 1.
            if (changed) graph.ReplaceUses(replacement);
        }
    }

    private static bool Duplicates(IReadOnlyList<Edge> calls, List<Value> parameters, int earlier, int later)
    {
        Value p = parameters[earlier], q = parameters[later];
        foreach (var edge in calls)
        {
            Value a = edge.Call.Arguments[earlier], b = edge.Call.Arguments[later];
            if (a == b) continue;
            if ((a == p || a == q) && (b == p || b == q)) continue;
            return false;
        }
        return true;
    }
}

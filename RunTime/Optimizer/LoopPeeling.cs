using PeJit.IR;
using PeJit.IR.Graphs;

namespace PeJit.Optimizer;

/// <summary>
/// Loop peeling for allocation removal (PyPy's preamble, Ardö, Bolz and Fijałkowski, "Loop-Aware Optimizations in
/// PyPy's Tracing JIT"): a loop that carries, in a header parameter, an object each iteration allocates anew (a box of
/// a promoted register: <c>k = k + 3</c>) but is entered with an object from memory, is entered through a copy of its
/// first iteration instead. Then every jump to the loop's header passes an object the loop made, allocation removal
/// finds the parameter's group whole (its fields become parameters, the object is made only where it leaves the
/// loop), and the first iteration's tests of what came from memory (class guards, null tests) dominate the loop, so
/// the same tests inside it are decided (guards, with <see cref="ValueNumbers"/>).
/// </summary>
/// <remarks>
/// <para>Rules:</para>
/// <list type="number">
/// <item>A loop is peeled when a header parameter of a reference type is passed, on every back edge, a <c>box</c> or
/// a <c>newobj</c> of a store-only constructor (what <see cref="AllocationRemoval"/> removes) or the parameter itself,
/// on some back edge such an object, and on some entry something else. Loops in exception regions are not. (A back
/// edge passing the parameter on unchanged is a second cycle through the header: Lua sieve's <c>while</c>, which
/// leaves <c>count</c> as it was, and the <c>for</c> around it, which boxes <c>count + 1</c>.)</item>
/// <item>The copy is the loop's blocks (<see cref="LoopVersioning.Copy(FlowGraph, NaturalLoop, PromotionIndex)"/>, which also gives the code after the loop
/// the values of whichever copy left); its jumps to its own header that pass every such parameter a new object go to
/// the loop's header, the others (turns that pass one on unchanged) stay in the copy, and the jumps that entered the
/// loop enter the copy. So the loop is entered only with objects it made, whatever turns come first.</item>
/// <item>Copies are bounded: as many instructions in all as the graph had to begin with, and one peel per loop.</item>
/// </list>
/// Cost: dominators and loops once per peeled loop, plus the copy (linear in the loop and in the blocks that use
/// its values after it).
/// </remarks>
internal static class LoopPeeling
{
    public static void Run(FlowGraph graph)
    {
        if (graph.RegionCount > 0) return;
        // Loops, not LINQ over blocks and edges, and the IR's block set: those are compiled by .NET on the first unit's
        // path (Docs/PERFORMANCE.md, warm-up).
        int budget = graph.InstructionCount();
        var peeled = new BlockSet();
        while (true)
        {
            var dominators = Dominators.Compute(graph);
            var incoming = Predecessors.Compute(graph);
            NaturalLoop? loop = null;
            List<int> wanted = [];
            foreach (var candidate in NaturalLoop.Find(graph, dominators))
            {
                if (peeled.Contains(candidate.Header) || (loop is not null && candidate.Header.Index >= loop.Header.Index)) continue;
                var candidateWants = WantsPeeling(graph, candidate, incoming);
                if (candidateWants.Count == 0) continue;
                loop = candidate;
                wanted = candidateWants;
            }
            if (loop is null) break;
            peeled.Add(loop.Header);
            int size = 0;
            foreach (var block in loop.Blocks) size += graph[block].Instructions.Count;
            if (size > budget) continue;
            budget -= size;
            // The copy may keep a loop of its own (turns that pass a wanted parameter on unchanged), which is peeled in turn
            // when it wants (an inner cycle boxing what it carries, entered with the object from memory); the budget bounds it.
            Peel(graph, loop, wanted);
        }
        graph.Compact();
    }

    /// <summary>
    /// The header parameters that want the loop peeled (rule 1), empty when none does. A back edge may also pass the
    /// parameter itself (a turn that leaves it as it was: an inner cycle through the same header), when another back
    /// edge allocates it: the copy keeps such turns (<see cref="Peel"/>), so the loop is entered with an object made.
    /// </summary>
    private static List<int> WantsPeeling(FlowGraph graph, NaturalLoop loop, Predecessors incoming)
    {
        var wanted = new List<int>();
        foreach (var block in loop.Blocks)
            if (graph[block].Try is not null || graph[block].HandlerOf is not null) return wanted;
        var edges = incoming.EdgesInto(loop.Header);
        var parameters = graph[loop.Header].Parameters;
        for (int i = 0; i < parameters.Count; i++)
        {
            if (!graph.TypeOf(parameters[i]).IsReference) continue;
            bool allocatedEveryTurn = true, allocatedSomeTurn = false, enteredWithOther = false;
            for (int e = 0; e < edges.Count; e++)
            {
                var argument = edges[e].Call.Arguments[i];
                bool allocation = AllocationRemoval.IsAllocation(graph, argument);
                if (loop.Blocks.Contains(edges[e].Source))
                {
                    allocatedEveryTurn &= allocation || argument == parameters[i];
                    allocatedSomeTurn |= allocation;
                }
                else enteredWithOther |= !allocation;
            }
            if (allocatedEveryTurn && allocatedSomeTurn && enteredWithOther) wanted.Add(i);
        }
        return wanted;
    }

    private static void Peel(FlowGraph graph, NaturalLoop loop, List<int> wanted)
    {
        var index = new PromotionIndex(graph);
        var entries = new List<BlockCall>();
        foreach (var edge in index.EdgesInto(loop.Header))
            if (!loop.Blocks.Contains(edge.Source)) entries.Add(edge.Call);
        var copies = LoopVersioning.Copy(graph, loop, index);
        var copiedHeader = copies[loop.Header];
        // The copy's turn ends at the loop's header where it passes the loop new objects; a turn that passes a wanted
        // parameter on unchanged stays in the copy (its object is still the one the loop was entered with). The loop is
        // entered through the copy.
        foreach (var copy in copies.Values)
            foreach (var target in graph[copy].Terminator!.Targets)
                if (target.Target == copiedHeader && PassesAllocations(graph, target, wanted)) target.Target = loop.Header;
        foreach (var entry in entries) entry.Target = copiedHeader;
    }

    private static bool PassesAllocations(FlowGraph graph, BlockCall call, List<int> wanted)
    {
        foreach (int i in wanted)
            if (!AllocationRemoval.IsAllocation(graph, call.Arguments[i])) return false;
        return true;
    }
}

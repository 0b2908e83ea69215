using PeJit.IR;
using PeJit.IR.Graphs;

namespace PeJit.Optimizer;

/// <summary>
/// The pass <c>split</c>: a join where a new object (what <see cref="AllocationRemoval"/> removes) meets another value,
/// followed by code that tests the joined value's class or reads its fields, gets a copy of that code for the paths that
/// bring the object (tail duplication, the graph's form of what a trace gets for free). On those paths the copy's parameter
/// is given only new objects, so allocation removal takes them apart and the class tests fold; the other paths run the code
/// as it was. The case that matters: a Lua function returning either its argument or a new box (<c>worth</c> in
/// <c>polymorphic</c>: <c>return #value</c> or <c>return value</c>), whose caller dispatches on the result's class; the
/// box was made on every call that took the first return, only to be tested and read.
/// </summary>
/// <remarks>
/// <para>Rules:</para>
/// <list type="number">
/// <item>A block (not the entry, not a loop header) with a reference parameter that some jumps pass a <c>box</c> or a
/// <c>newobj</c> of a store-only constructor (<see cref="AllocationRemoval.IsAllocation(FlowGraph, Instruction)"/>), all
/// of one kind, and other jumps pass something else.</item>
/// <item>The region copied is the block and the blocks it dominates in which the parameter, or a cast of it, is live;
/// it holds no loop header, no more than <see cref="MaxRegion"/> instructions, and some use of the parameter that goes away
/// when its class is known: a class test (<c>GetType()</c>, <c>isinst</c>, <c>castclass</c>), a field load or an
/// <c>unbox.any</c>.</item>
/// <item>The copy (<see cref="LoopVersioning.Copy(FlowGraph, BlockSet, PromotionIndex)"/>, which gives the code after the
/// region the values of whichever copy ran) is entered by the jumps that pass the object; the others enter the
/// original.</item>
/// <item>Copies are bounded: at most <see cref="MaxSplits"/>, and an eighth of the graph's instructions in all (or one
/// region of <see cref="MaxRegion"/>, in a small graph).</item>
/// </list>
/// Cost: per split, dominators, predecessors and liveness once, plus the copy; a graph without such a join pays one scan
/// of the jumps.
/// </remarks>
internal static class SplitJoins
{
    /// <summary>The most instructions a copied region may hold.</summary>
    public const int MaxRegion = 64;

    /// <summary>The most joins one run splits.</summary>
    public const int MaxSplits = 8;

    public static void Run(FlowGraph graph) => Run(graph, MaxRegion, 8);

    /// <summary>
    /// The pass with other bounds: regions of at most <paramref name="maxRegion"/> instructions, and copies of at most a
    /// <paramref name="budgetDivisor"/>th of the graph in all (<see cref="UnboxedEntryReturns"/>: a call's join, whose
    /// region holds the next call and its slow paths).
    /// </summary>
    public static void Run(FlowGraph graph, int maxRegion, int budgetDivisor)
    {
        if (graph.RegionCount > 0 || !AnyJoinOfAllocation(graph)) return;
        int budget = Math.Max(graph.InstructionCount() / budgetDivisor, maxRegion);
        var done = new BlockSet();
        for (int split = 0; split < MaxSplits; split++)
        {
            var dominators = Dominators.Compute(graph);
            var incoming = Predecessors.Compute(graph);
            Liveness? liveness = null;
            bool found = false;
            foreach (var block in graph.Blocks)
            {
                if (block == FlowGraph.Entry || done.Contains(block) || !dominators.IsReachable(block)) continue;
                var edges = incoming.EdgesInto(block);
                if (edges.Count < 2 || IsLoopHeader(dominators, block, edges)) continue;
                var parameters = graph[block].Parameters;
                for (int i = 0; i < parameters.Count && !found; i++)
                {
                    if (!graph.TypeOf(parameters[i]).IsReference || AllocatingEdges(graph, edges, i) is not { } allocating) continue;
                    liveness ??= Liveness.Compute(graph);
                    var region = Region(graph, dominators, liveness, block, parameters[i], maxRegion, out int size);
                    if (region is null || size > budget) continue;
                    budget -= size;
                    Copy(graph, region, block, allocating);
                    done.Add(block);
                    found = true;
                }
                if (found) break;
            }
            if (!found) break;
        }
        graph.Compact();
    }

    /// <summary>Whether some jump passes a new object to a parameter: the scan that lets most graphs go at once.</summary>
    private static bool AnyJoinOfAllocation(FlowGraph graph)
    {
        foreach (var block in graph.Blocks)
            if (graph[block].Terminator is { } terminator)
                foreach (var target in terminator.Targets)
                    foreach (var argument in target.Arguments)
                        if (AllocationRemoval.IsAllocation(graph, argument)) return true;
        return false;
    }

    private static bool IsLoopHeader(Dominators dominators, Block block, IReadOnlyList<Edge> edges)
    {
        foreach (var edge in edges)
            if (dominators.Dominates(block, edge.Source)) return true;
        return false;
    }

    /// <summary>The jumps that pass parameter <paramref name="index"/> a new object, when they all pass one kind and some other jump passes something else; else null.</summary>
    private static List<BlockCall>? AllocatingEdges(FlowGraph graph, IReadOnlyList<Edge> edges, int index)
    {
        List<BlockCall>? allocating = null;
        Instruction? kind = null;
        bool other = false;
        foreach (var edge in edges)
        {
            if (graph[edge.Call.Arguments[index]].DefiningInstruction is { } definition && AllocationRemoval.IsAllocation(graph, definition))
            {
                if (kind is not null && !SameKind(kind, definition)) return null;
                kind = definition;
                (allocating ??= []).Add(edge.Call);
            }
            else other = true;
        }
        return other ? allocating : null;
    }

    private static bool SameKind(Instruction a, Instruction b) =>
        a.Opcode == b.Opcode && (a.Opcode == Opcode.Box ? a.TypeOperand == b.TypeOperand : a.Opcode != Opcode.NewObject || a.Method!.Equals(b.Method));

    /// <summary>Rule 2's region, or null when it has a loop header, is too large, or tests nothing of the parameter.</summary>
    private static BlockSet? Region(FlowGraph graph, Dominators dominators, Liveness liveness, Block join, Value parameter, int maxRegion, out int size)
    {
        size = 0;
        var aliases = new ValueSet { parameter };
        var region = new BlockSet { join };
        var work = new BlockStack();
        work.Push(join);
        bool tested = false;
        while (work.Count > 0)
        {
            var block = work.Pop();
            foreach (var instruction in graph[block].Instructions)
            {
                size++;
                if (instruction.Operands.Count == 0 || !aliases.Contains(instruction.Operands[0])) continue;
                if (instruction.Opcode is Opcode.IsInst or Opcode.CastClass)
                {
                    aliases.Add(instruction.Result!.Value);
                    tested = true;
                }
                else tested |= instruction.Opcode is Opcode.LoadField or Opcode.UnboxAny || TypeObjects.IsGetType(instruction);
            }
            if (size > maxRegion) return null;
            foreach (var successor in graph.Successors(block))
            {
                if (successor == join) return null;
                if (region.Contains(successor) || !dominators.Dominates(join, successor) || !LiveIn(liveness, successor, aliases)) continue;
                region.Add(successor);
                work.Push(successor);
            }
        }
        foreach (var block in region)
            foreach (var successor in graph.Successors(block))
                if (region.Contains(successor) && dominators.Dominates(successor, block)) return null;
        return tested ? region : null;
    }

    private static bool LiveIn(Liveness liveness, Block block, ValueSet values)
    {
        foreach (var value in liveness.LiveIn(block))
            if (values.Contains(value)) return true;
        return false;
    }

    private static void Copy(FlowGraph graph, BlockSet region, Block join, List<BlockCall> allocating)
    {
        var copies = LoopVersioning.Copy(graph, region, new PromotionIndex(graph));
        var copiedJoin = copies[join];
        foreach (var call in allocating) call.Target = copiedJoin;
    }
}

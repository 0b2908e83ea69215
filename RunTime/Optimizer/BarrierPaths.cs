using PeJit.IR;
using PeJit.IR.Graphs;

namespace PeJit.Optimizer;

/// <summary>
/// Takes the turns of a loop that make an opaque call out of the loop: a loop whose calls that may write memory (a table
/// lookup's slow path that only some turns take, Lua's <c>values[i % count + 1]</c> past the array part) sit on branches
/// that other turns go around becomes two nested loops. The inner one, with the header, is the turns that make no such
/// call; a branch to a call block leaves it for a copy of the rest of the turn, which goes back round through a new block
/// before the header (the outer loop's header, the inner loop's preheader). Memory promotion then finds the inner loop
/// free of barriers, and its invariant loads run once per entry of the inner loop instead of once per turn: on the turns
/// that make the call, after it, so they read what the call may have written.
/// </summary>
/// <remarks>
/// <para>Sound by construction: every path of the new graph is a path of the old one with its blocks renamed (a block or
/// its copy) and one more jump (the new block to the header), so it computes the same. The calls stay full barriers:
/// nothing is moved across them, they only run outside the loop that promotion optimizes. Values of the blocks copied
/// are read where the copies and the originals meet through block parameters (<see cref="SsaUpdater"/>): every path to
/// a use still passes the definition or its copy, since a use was dominated by its definition.</para>
/// <para>Only for a loop whose header holds no such call, with a turn that makes none (a latch the header reaches
/// without passing a call block), that loads a field or element on such a turn (else promotion gains nothing), and whose blocks from the calls
/// to the latches, with the quiet turns' blocks (promotion's versioned copy of them), have at most a <see cref="CopyShare"/>th
/// of the graph's instructions. Innermost loops only:
/// an inner loop's blocks are copied whole or not at all then.</para>
/// <para>Cost: per loop split, the copy, a scan of the graph for the uses of the copied values, and the loops found again.</para>
/// </remarks>
internal static class BarrierPaths
{
    /// <summary>The share of the graph's instructions (at least <see cref="MinimumCopy"/>) that all the copies together may add.</summary>
    private const int CopyShare = 4;

    /// <summary>The most loops split in one graph: each split finds the loops again and scans the graph once.</summary>
    private const int MaxSplits = 4;

    /// <summary>The copies' budget for a small graph.</summary>
    private const int MinimumCopy = 256;

    /// <summary>
    /// Whether the pass runs: off unless <c>PEJIT_BARRIER_PATHS=1</c>, because it is not yet a gain: on Lua <c>polymorphic</c>
    /// the quiet turns' loop loses half its loads, but the unit grows past the residual size its tests allow, and the
    /// second promotion runs after the passes that decided the loop's repeated class tests (Docs/PERFORMANCE.md, "Barrier
    /// paths").
    /// </summary>
    public static bool Enabled => Environment.GetEnvironmentVariable("PEJIT_BARRIER_PATHS") == "1";

    /// <summary>
    /// The pass <c>barriers</c>: splits the loops whose barriers (what promotion must leave alone) only some turns reach,
    /// then promotes again, when it split one. Late in the pipeline (after peeling, allocation removal, threading and the first dce), where
    /// a turn is what it will be and the copy is smallest.
    /// </summary>
    public static void RunPass(FlowGraph graph)
    {
        if (!Enabled || graph.RegionCount > 0) return; // as promotion: the residual code has no regions
        GraphEdits.RemoveUnreachable(graph);
        var split = Run(graph, i => LoopPromotion.IsOpaque(graph, i));
        if (split.Count > 0) PromoteMemory.Run(graph, split);
    }

    /// <summary>
    /// Splits the loops of <paramref name="graph"/> whose barrier calls only some turns make; <paramref name="isBarrier"/>
    /// says which instructions are barriers. Returns the headers of the loops of quiet turns it made.
    /// </summary>
    public static BlockSet Run(FlowGraph graph, Func<Instruction, bool> isBarrier)
    {
        int budget = Math.Max(MinimumCopy, graph.InstructionCount() / CopyShare);
        // Loops by their headers' terminators: removing the blocks a split leaves unreachable renumbers the blocks.
        var tried = new HashSet<Instruction>(ReferenceEqualityComparer.Instance);
        var quietLoops = new HashSet<Instruction>(ReferenceEqualityComparer.Instance);
        while (quietLoops.Count < MaxSplits)
        {
            var dominators = Dominators.Compute(graph);
            var loops = NaturalLoop.Find(graph, dominators);
            bool split = false;
            // The smallest loops first: the budget goes to the quiet loop itself before a versioned copy of it.
            foreach (var loop in GraphEdits.Ordered(loops, l => l.Blocks.Count))
            {
                var header = graph[loop.Header].Terminator!;
                if (!tried.Add(header) || !Innermost(loop, loops)) continue;
                if (Split(graph, loop, isBarrier, ref budget, out var outer))
                {
                    tried.Add(outer!);
                    split = true;
                    quietLoops.Add(header);
                    break;   // the loops are found again
                }
            }
            if (!split) break;
        }
        var headers = new BlockSet();
        if (quietLoops.Count > 0)
            foreach (var block in graph.Blocks)
                if (graph[block].Terminator is { } terminator && quietLoops.Contains(terminator)) headers.Add(block);
        return headers;
    }

    internal static bool Innermost(NaturalLoop loop, List<NaturalLoop> loops)
    {
        foreach (var other in loops)
            if (other != loop && loop.Blocks.Contains(other.Header)) return false;
        return true;
    }

    /// <summary>Splits <paramref name="loop"/> when it qualifies; <paramref name="outer"/> is then the outer header's jump.</summary>
    private static bool Split(FlowGraph graph, NaturalLoop loop, Func<Instruction, bool> isBarrier, ref int budget, out Instruction? outer)
    {
        outer = null;
        var header = loop.Header;
        // The blocks with a barrier, and every block of the loop they reach before the header: the rest of those turns.
        var calls = new BlockSet();
        foreach (var block in loop.Blocks)
            foreach (var instruction in graph[block].Instructions)
                if (isBarrier(instruction)) { calls.Add(block); break; }
        if (calls.Count == 0 || calls.Contains(header)) return false;
        var rest = new BlockSet();
        var work = new Stack<Block>();
        foreach (var block in calls)
            if (rest.Add(block)) work.Push(block);
        while (work.Count > 0)
            foreach (var successor in graph.Successors(work.Pop()))
                if (successor != header && loop.Blocks.Contains(successor) && rest.Add(successor)) work.Push(successor);
        // The turns that make no barrier call: the blocks the header reaches without passing a call block. One of them
        // must be a latch, and they must load something promotion could hoist.
        if (QuietTurns.Of(graph, loop, calls) is not { } quiet) return false;
        bool loads = false;
        int size = 0;
        foreach (var block in rest) size += graph[block].Instructions.Count;
        foreach (var block in quiet)
        {
            // Promotion will copy the quiet loop too (its versioned copy): the budget pays for both.
            size += graph[block].Instructions.Count;
            foreach (var instruction in graph[block].Instructions)
                if (instruction.Opcode is Opcode.LoadField or Opcode.LoadElement) loads = true;
        }
        if (!loads || size > budget) return false;
        budget -= size;

        // The outer header: every entry of the loop and every copied turn's end jump there, and it jumps to the header.
        var outerBlock = graph.AddBlock();
        var arguments = new List<Value>();
        foreach (var parameter in graph[header].Parameters) arguments.Add(graph.AddParameter(outerBlock, graph.TypeOf(parameter), graph[parameter].Name));
        foreach (var block in graph.Blocks)
        {
            if (loop.Blocks.Contains(block) || block == outerBlock || graph[block].Terminator is not { } terminator) continue;
            foreach (var target in terminator.Targets)
                if (target.Target == header) target.Target = outerBlock;
        }
        outer = graph.Append(outerBlock, new Instruction(Opcode.Jump) { Targets = { new BlockCall(header, arguments) } });

        var order = new List<Block>();
        foreach (var block in rest) order.Add(block);
        var (copies, values) = BlockCopy.Copy(graph, order);
        // The copies go round through the outer header; every branch to a call block goes to its copy.
        foreach (var block in order)
            foreach (var target in graph[copies[block]].Terminator!.Targets)
                if (target.Target == header) target.Target = outerBlock;
        foreach (var block in loop.Blocks)
            foreach (var target in graph[block].Terminator!.Targets)
                if (calls.Contains(target.Target)) target.Target = copies[target.Target];
        // Repaired before the blocks no jump reaches now (the call blocks' originals) go: removing them renumbers the values.
        Repair(graph, values, Reachable(graph));
        GraphEdits.RemoveUnreachable(graph);
        return true;
    }

    /// <summary>The blocks the entry reaches.</summary>
    private static BlockSet Reachable(FlowGraph graph)
    {
        var reached = new BlockSet { FlowGraph.Entry };
        var work = new Stack<Block>();
        work.Push(FlowGraph.Entry);
        while (work.Count > 0)
            foreach (var successor in graph.Successors(work.Pop()))
                if (reached.Add(successor)) work.Push(successor);
        return reached;
    }

    /// <summary>
    /// Each use of a value the copied blocks define, or of its copy, outside the block that defines it, reads the one
    /// that reaches it (original and copy are one variable defined in two places).
    /// </summary>
    private static void Repair(FlowGraph graph, ValueToValueMap values, BlockSet reachable)
    {
        var original = new ValueToValueMap(graph.ValueCount);
        foreach (var value in values.Keys) original[values[value]] = value;
        var into = new Dictionary<Block, List<Edge>>();
        foreach (var block in reachable)
        {
            var targets = graph[block].Terminator!.Targets;
            for (int i = 0; i < targets.Count; i++)
            {
                if (!into.TryGetValue(targets[i].Target, out var edges)) into[targets[i].Target] = edges = [];
                edges.Add(new Edge(block, i, targets[i]));
            }
        }
        // Where each variable is defined: a block of the graph still (an original may be gone with the call blocks).
        var definedIn = new ValueToBlockMap();
        foreach (var block in reachable)
        {
            foreach (var parameter in graph[block].Parameters) definedIn[parameter] = block;
            foreach (var instruction in graph[block].Instructions)
                if (instruction.Result is { } result) definedIn[result] = block;
        }
        var updaters = new ValueMap<SsaUpdater>();
        IReadOnlyList<Edge> EdgesInto(Block block) => into.TryGetValue(block, out var edges) ? edges : [];
        Value Reaching(Value value, Block user)
        {
            var variable = original.TryGetValue(value, out var first) ? first : value;
            if (!values.TryGetValue(variable, out var copy)) return value;
            if (definedIn.TryGetValue(value, out var home) && home == user) return value;
            if (!updaters.TryGetValue(variable, out var updater))
            {
                updaters[variable] = updater = new SsaUpdater(graph, graph.TypeOf(variable), graph[variable].Name, EdgesInto);
                if (definedIn.TryGetValue(variable, out var at)) updater.DefineAtEnd(at, variable);
                if (definedIn.TryGetValue(copy, out var copyAt)) updater.DefineAtEnd(copyAt, copy);
            }
            return updater.ReadAtEnd(user);
        }
        var blocks = new List<Block>();
        foreach (var block in reachable) blocks.Add(block);
        foreach (var block in blocks)
            foreach (var instruction in graph[block].Instructions)
            {
                for (int k = 0; k < instruction.Operands.Count; k++) instruction.Operands[k] = Reaching(instruction.Operands[k], block);
                foreach (var target in instruction.Targets)
                    for (int k = 0; k < target.Arguments.Count; k++) target.Arguments[k] = Reaching(target.Arguments[k], block);
            }
    }
}

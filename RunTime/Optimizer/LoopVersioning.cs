using PeJit.IR;
using PeJit.IR.Graphs;

namespace PeJit.Optimizer;

/// <summary>
/// Loop versioning: a copy of a loop's blocks that jumps where the loop jumps (its own blocks inside, the same
/// blocks outside), for a preheader to take when a run-time guard fails. Values the loop defines and blocks
/// after it use now come from either copy, so those uses read a block parameter where the two paths meet.
/// </summary>
/// <remarks>
/// Cost: linear in the loop, plus the blocks that use its values and those between them and the loop (the
/// SSA reads walk back to the loop), found through <see cref="PromotionIndex"/> rather than by a scan of the graph;
/// nothing it allocates is as large as the graph.
/// </remarks>
internal static class LoopVersioning
{
    /// <summary>
    /// The index of the block defining each value (a parameter's or a result's), -1 for none, for a pass that versions a
    /// loop on a value from before it (<see cref="UnswitchLoops"/>, <see cref="SpeculateDivisors"/>): block indices, not a
    /// nullable <see cref="Block"/>, whose generic code .NET would compile on the first unit's path. Linear in the graph.
    /// </summary>
    public static int[] DefiningBlocks(FlowGraph graph)
    {
        var blocks = new int[graph.ValueCount];
        Array.Fill(blocks, -1);
        for (int b = 0; b < graph.BlockCount; b++)
        {
            var block = new Block(b);
            foreach (var parameter in graph[block].Parameters) blocks[parameter.Index] = b;
            foreach (var instruction in graph[block].Instructions)
                if (instruction.Result is { } result) blocks[result.Index] = b;
        }
        return blocks;
    }

    /// <summary>Whether a block of <paramref name="loop"/> defines <paramref name="value"/> (<paramref name="definedIn"/> from <see cref="DefiningBlocks"/>).</summary>
    public static bool DefinedIn(NaturalLoop loop, Value value, int[] definedIn) =>
        definedIn[value.Index] >= 0 && loop.Blocks.Contains(new Block(definedIn[value.Index]));

    /// <summary>
    /// Copies <paramref name="loop"/> and repairs the uses after it; returns the copy of each block. The copy is
    /// not entered yet: the caller jumps to the header's copy.
    /// </summary>
    public static BlockToBlockMap Copy(FlowGraph graph, NaturalLoop loop, PromotionIndex index) => Copy(graph, loop.Blocks, index);

    /// <summary>
    /// Copies the blocks of <paramref name="region"/> (a loop, or the blocks a join dominates that <see cref="SplitJoins"/>
    /// copies) and repairs the uses after it, as for a loop; returns the copy of each block.
    /// </summary>
    public static BlockToBlockMap Copy(FlowGraph graph, BlockSet region, PromotionIndex index)
    {
        // 1. and 2. The blocks, their values, operands and targets: inside the region the copy's own, outside the same.
        var order = new Block[region.Count];
        int n = 0;
        foreach (var block in region) order[n++] = block;
        var (blocks, values) = BlockCopy.Copy(graph, order);
        // 3. Uses after the loop: a value of the loop reaches them from the loop or from its copy. Only the
        // blocks that use a value of the loop are looked at, in layout order, as a scan of the graph meets them.
        var copied = blocks.Values;
        foreach (var block in order) index.Register(blocks[block]);
        var users = new BlockSet();
        foreach (var value in values.Keys)
            foreach (var user in index.UsersOf(value))
                if (!region.Contains(user) && !copied.Contains(user)) users.Add(user);
        // By value number in a dictionary, not a map as large as the graph's values: a copy is made per loop versioned and
        // per threaded path, and a dense map per copy cost the graph's values each time (copies × values bytes).
        var updaters = new Dictionary<int, SsaUpdater>();
        foreach (var block in users)
        {
            index.Touched.Add(block);
            foreach (var instruction in graph[block].Instructions)
            {
                for (int k = 0; k < instruction.Operands.Count; k++) instruction.Operands[k] = Reaching(instruction.Operands[k], block);
                foreach (var target in instruction.Targets)
                    for (int k = 0; k < target.Arguments.Count; k++) target.Arguments[k] = Reaching(target.Arguments[k], block);
            }
        }
        return blocks;

        Value Reaching(Value value, Block user)
        {
            // The values copied are exactly those the loop defines.
            if (!values.TryGetValue(value, out var copy)) return value;
            if (!updaters.TryGetValue(value.Index, out var updater))
            {
                updaters[value.Index] = updater = new SsaUpdater(graph, graph.TypeOf(value), graph[value].Name, index.EdgesInto, index.Touched);
                foreach (var block in region)
                {
                    updater.DefineAtEnd(block, value);
                    updater.DefineAtEnd(blocks[block], copy);
                }
            }
            return updater.ReadAtStart(user);
        }
    }

    /// <summary>A copy of an instruction without its targets (<see cref="Instruction.CopyWithoutTargets"/>).</summary>
    public static Instruction Duplicate(Instruction instruction) => instruction.CopyWithoutTargets();
}

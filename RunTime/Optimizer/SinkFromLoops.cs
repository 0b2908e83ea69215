using PeJit.IR.Graphs;
using PeJit.IR;
using PeJit.IR.Verification;

namespace PeJit.Optimizer;

/// <summary>
/// A pure value a loop computes but only code after the loop uses (what promotion leaves: the final value of a
/// stack slot, needed by the write-back at the exit) is computed again where it is used, with the pure values it
/// is made of that the loop defines; the loop's copy then dies (<c>dce</c>) and the loop stops computing it on
/// every iteration.
/// </summary>
/// <remarks>
/// The recomputation is exact: pure instructions depend only on their operands, and the operands the copy reads
/// (values from before the loop, the loop's parameters and impure results) hold, where the value is used, what
/// they held when the loop last computed it, since that definition dominates the use. Only instructions whose
/// every use is outside the loop are copied, so no loop computes more than before.
/// <para>Cost: about linear in the graph's size. Dominators and loops are computed once; each loop looks at its
/// own blocks and the blocks that use what it defines (an index of users built once), not at the whole graph.</para>
/// </remarks>
internal static class SinkFromLoops
{
    public static void Run(FlowGraph graph)
    {
        var dominators = Dominators.Compute(graph);
        // The blocks that use each value, found once: a loop then looks only at the blocks that use what it
        // defines instead of scanning the whole graph (which made the pass quadratic in a unit of many loops).
        // Sinking adds uses, recorded as it goes; the uses it replaces leave stale entries, which rescanning
        // the block finds empty.
        var userBlocks = new ValueMap<List<Block>>(graph.ValueCount);
        foreach (var block in graph.Blocks)
            foreach (var instruction in graph[block].Instructions)
            {
                foreach (var use in instruction.Operands) Record(userBlocks, use, block);
                foreach (var target in instruction.Targets)
                    foreach (var use in target.Arguments) Record(userBlocks, use, block);
            }
        // One set of per-loop maps, emptied of what each loop put in them: maps as large as the graph made anew for
        // every loop cost the graph's size per loop (quadratic allocation in a unit of many loops).
        var scratch = new Scratch(graph.ValueCount);
        // Inner loops first: a value sunk out of an inner loop may then leave the outer one too.
        foreach (var loop in GraphEdits.Ordered(NaturalLoop.Find(graph, dominators), l => l.Blocks.Count))
        {
            Sink(graph, loop, userBlocks, scratch);
            scratch.Clear();
        }
    }

    /// <summary>What one loop's sinking finds, kept between loops and emptied after each.</summary>
    private sealed class Scratch(int valueCount)
    {
        public readonly ValueMap<Instruction> Definitions = new(valueCount);
        public readonly List<Value> Defined = [];
        public readonly ValueSet UsedInside = new(valueCount);
        public readonly ValueMap<BlockSet> UsersOutside = new(valueCount);
        public readonly List<Value> UsedOutside = [];
        public readonly ValueToValueMap Copies = new(valueCount);
        public readonly List<Value> Copied = [];

        public void Clear()
        {
            foreach (var value in Defined)
            {
                Definitions.Remove(value);
                UsedInside.Remove(value);
            }
            foreach (var value in UsedOutside) UsersOutside.Remove(value);
            Defined.Clear();
            UsedOutside.Clear();
        }
    }

    private static void Record(ValueMap<List<Block>> userBlocks, Value use, Block block)
    {
        if (!userBlocks.TryGetValue(use, out var blocks)) userBlocks[use] = blocks = [];
        if (blocks.Count == 0 || blocks[^1] != block) blocks.Add(block);
    }

    private static void Sink(FlowGraph graph, NaturalLoop loop, ValueMap<List<Block>> userBlocks, Scratch scratch)
    {
        var (definitions, defined, usedInside, usersOutside, usedOutside) =
            (scratch.Definitions, scratch.Defined, scratch.UsedInside, scratch.UsersOutside, scratch.UsedOutside);
        foreach (var block in loop.Blocks)
            foreach (var instruction in graph[block].Instructions)
                if (instruction.Result is { } result && (instruction.Info.Flags & OpcodeFlags.Pure) != 0)
                {
                    if (!definitions.ContainsKey(result)) defined.Add(result);
                    definitions[result] = instruction;
                }

        // Where each value the loop defines purely is used: inside the loop, or by which blocks after it. The
        // blocks that use them are visited in layout order, as a scan of the whole graph would meet them.
        // usedInside: the values used in the loop. usersOutside: the blocks after the loop that use each value (met in
        // index order, so a block set walks them in the order they were found); usedOutside: the values in the order
        // they were first found, as a dictionary's keys were.
        var scanned = new BlockSet();
        foreach (var value in defined)
            if (userBlocks.TryGetValue(value, out var blocks)) scanned.UnionWith(blocks);
        foreach (var block in scanned)   // in index order
        {
            bool inside = loop.Blocks.Contains(block);
            foreach (var instruction in graph[block].Instructions)
            {
                foreach (var use in instruction.Operands) Note(use, block, inside);
                foreach (var target in instruction.Targets)
                    foreach (var use in target.Arguments) Note(use, block, inside);
            }
        }

        void Note(Value use, Block block, bool inside)
        {
            if (!definitions.ContainsKey(use)) return;
            if (inside) usedInside.Add(use);
            else
            {
                if (!usersOutside.TryGetValue(use, out var users))
                {
                    usersOutside[use] = users = new BlockSet();
                    usedOutside.Add(use);
                }
                users.Add(block);
            }
        }

        // The copies made for one user: one map for the pass (Scratch), emptied of them before each user, not a new map per
        // user, each as large as the highest value it held (users × values bytes).
        var (copies, copied) = (scratch.Copies, scratch.Copied);
        foreach (var value in usedOutside)
        {
            var users = usersOutside[value];
            if (usedInside.Contains(value) || definitions[value].Opcode == Opcode.Const) continue;
            foreach (var user in users)
            {
                foreach (var key in copied) copies.Remove(key);
                copied.Clear();
                var inserted = new List<Instruction>();
                var copy = Copy(value);
                graph[user].Instructions.InsertRange(0, inserted);
                foreach (var instruction in inserted)
                    foreach (var use in instruction.Operands) Record(userBlocks, use, user);
                Record(userBlocks, copy, user);
                foreach (var instruction in graph[user].Instructions.Skip(inserted.Count))
                {
                    for (int i = 0; i < instruction.Operands.Count; i++)
                        if (instruction.Operands[i] == value) instruction.Operands[i] = copy;
                    foreach (var target in instruction.Targets)
                        for (int i = 0; i < target.Arguments.Count; i++)
                            if (target.Arguments[i] == value) target.Arguments[i] = copy;
                }

                // The value again, from the loop's pure definitions down to the values that are not (operands first).
                Value Copy(Value original)
                {
                    if (!definitions.TryGetValue(original, out var definition)) return original;
                    if (copies.TryGetValue(original, out var known)) return known;
                    var duplicate = LoopVersioning.Duplicate(definition);
                    for (int i = 0; i < duplicate.Operands.Count; i++) duplicate.Operands[i] = Copy(duplicate.Operands[i]);
                    var result = graph.SetResult(duplicate, graph.TypeOf(original), graph[original].Name);
                    inserted.Add(duplicate);
                    copied.Add(original);
                    return copies[original] = result;
                }
            }
        }
    }
}

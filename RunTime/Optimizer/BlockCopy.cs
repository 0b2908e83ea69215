using PeJit.IR;

namespace PeJit.Optimizer;

/// <summary>
/// Copies of some blocks of a graph, within the graph: the copy of a loop (<see cref="LoopVersioning"/>), of a catch
/// handler into its try (<see cref="LocalThrows"/>), of a whole entry (<see cref="UnboxedEntryArguments"/>).
/// </summary>
/// <remarks>
/// Two sweeps, linear in the blocks copied: first every block, parameter and result gets its copy, so that operands can
/// be mapped in any order (a loop's header uses values its body defines); then each duplicate's operands and jump
/// arguments name the copies of values defined in the blocks (others stay as they are), and a jump to a block copied goes
/// to its copy unless it leaves the copy. The IR's maps and arrays, not dictionaries or LINQ over blocks and values: those
/// are compiled by .NET on the first unit's path (Docs/PERFORMANCE.md, warm-up). Uses after the blocks are the caller's
/// to repair (a loop's values reach them from either copy).
/// </remarks>
internal static class BlockCopy
{
    /// <summary>Copies <paramref name="blocks"/>, in that order (see the overload over an array).</summary>
    public static (BlockToBlockMap Blocks, ValueToValueMap Values) Copy(FlowGraph graph, List<Block> blocks) => Copy(graph, blocks.ToArray());

    /// <summary>
    /// Copies <paramref name="blocks"/> (new blocks in that order); returns the copy of each block and of each value
    /// defined in them.
    /// </summary>
    /// <param name="graph">The graph, which gets the copies.</param>
    /// <param name="blocks">The blocks to copy.</param>
    /// <param name="prepare">Called with each block and its new copy before its instructions are copied (say, to put the copy in a region).</param>
    /// <param name="leavesCopy">Whether a jump of this instruction goes to the original block even when that block is copied (a <c>leave</c> out of a handler's copy).</param>
    /// <remarks>
    /// An array, walked as one: an array of blocks enumerated as <c>IReadOnlyList&lt;Block&gt;</c> goes through
    /// <c>SZArrayHelper</c>'s generic methods over <see cref="Block"/>, code .NET compiles on the first unit's thread.
    /// </remarks>
    public static (BlockToBlockMap Blocks, ValueToValueMap Values) Copy(FlowGraph graph, Block[] blocks,
        Action<Block, Block>? prepare = null, Func<Instruction, bool>? leavesCopy = null)
    {
        var copies = new BlockToBlockMap(graph.BlockCount);
        var values = new ValueToValueMap(graph.ValueCount);
        foreach (var block in blocks)
        {
            var copy = graph.AddBlock();
            copies[block] = copy;
            prepare?.Invoke(block, copy);
            foreach (var parameter in graph[block].Parameters)
                values[parameter] = graph.AddParameter(copy, graph.TypeOf(parameter), graph[parameter].Name);
            foreach (var instruction in graph[block].Instructions)
            {
                var duplicate = LoopVersioning.Duplicate(instruction);
                if (instruction.Result is { } result) values[result] = graph.SetResult(duplicate, graph.TypeOf(result), graph[result].Name);
                graph[copy].Instructions.Add(duplicate);
            }
        }
        Value Map(Value v) => values.TryGetValue(v, out var copied) ? copied : v;
        foreach (var block in blocks)
        {
            var originals = graph[block].Instructions;
            var duplicates = graph[copies[block]].Instructions;
            for (int i = 0; i < originals.Count; i++)
            {
                for (int k = 0; k < duplicates[i].Operands.Count; k++) duplicates[i].Operands[k] = Map(duplicates[i].Operands[k]);
                bool leaves = leavesCopy?.Invoke(originals[i]) == true;
                foreach (var target in originals[i].Targets)
                {
                    var arguments = new List<Value>(target.Arguments.Count);
                    foreach (var argument in target.Arguments) arguments.Add(Map(argument));
                    duplicates[i].Targets.Add(new BlockCall(!leaves && copies.TryGetValue(target.Target, out var inside) ? inside : target.Target, arguments));
                }
            }
        }
        return (copies, values);
    }
}

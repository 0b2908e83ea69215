using PeJit.IR;

namespace PeJit.Optimizer;

/// <summary>
/// Local value numbering: within a block, an operation without effects (a field of a value-type value included) identical to an earlier one (same
/// opcode, operands and immediates) is replaced by the earlier result.
/// </summary>
/// <remarks>Cost: linear in the graph's size: one pass, one map emptied per block, one replacement of uses.</remarks>
internal static class CommonSubexpressions
{
    public static void Run(FlowGraph graph)
    {
        // The IR's map, and the first instruction of each operation rather than its value: a dictionary over values (as
        // key or as value) is compiled by .NET on the first unit's path (Docs/PERFORMANCE.md, warm-up). The
        // instructions are the keys (SameOperation compares what they compute, operands through the replacements so
        // far), not a string built per instruction, which made this pass allocate about 230 bytes per instruction.
        var replacement = new ValueToValueMap(graph.ValueCount);
        var comparer = new SameOperation(graph, replacement);
        var seen = new Dictionary<Instruction, Instruction>(comparer);
        foreach (var block in graph.Blocks)
        {
            // Emptying costs the map's room, so a map a large block grew is replaced rather than emptied for every
            // small block after it (which would be quadratic).
            if (seen.Count > SmallBlock) seen = new Dictionary<Instruction, Instruction>(comparer);
            else seen.Clear();
            foreach (var instruction in graph[block].Instructions)
            {
                if (instruction.Result is not { } result || ((instruction.Info.Flags & OpcodeFlags.Pure) == 0 && !StructSlots.IsFieldOfValue(graph, instruction))) continue;
                if (seen.TryGetValue(instruction, out var earlier)) replacement[result] = earlier.Result!.Value;
                else seen[instruction] = instruction;
            }
        }
        GraphEdits.Replace(graph, replacement);
    }

    private const int SmallBlock = 64;
}

using PeJit.IR;

namespace PeJit.Optimizer;

/// <summary>
/// Local value numbering: within a block, an operation without effects identical to an earlier one (same
/// opcode, operands and immediates) is replaced by the earlier result.
/// </summary>
/// <remarks>Cost: linear in the graph's size: one pass, one map per block, one replacement of uses.</remarks>
internal static class CommonSubexpressions
{
    public static void Run(FlowGraph graph)
    {
        // The IR's map, and the first instruction of each key rather than its value: a dictionary over values (as key or
        // as value) is compiled by .NET on the first unit's path (Docs/PERFORMANCE.md, warm-up).
        var replacement = new ValueToValueMap(graph.ValueCount);
        foreach (var block in graph.Blocks)
        {
            var seen = new Dictionary<string, Instruction>();
            foreach (var instruction in graph[block].Instructions)
            {
                if (instruction.Result is not { } result || (instruction.Info.Flags & OpcodeFlags.Pure) == 0) continue;
                string key = Key(graph, instruction, replacement);
                if (seen.TryGetValue(key, out var earlier)) replacement[result] = earlier.Result!.Value;
                else seen[key] = instruction;
            }
        }
        GraphEdits.Replace(graph, replacement);
    }

    private static string Key(FlowGraph graph, Instruction instruction, ValueToValueMap replacement)
    {
        Value Find(Value v)
        {
            while (replacement.TryGetValue(v, out var next)) v = next;
            return v;
        }
        // What string.Join(",", operands.Select(Find)) gives, without LINQ over values.
        var operands = new System.Text.StringBuilder();
        for (int i = 0; i < instruction.Operands.Count; i++)
        {
            if (i > 0) operands.Append(',');
            operands.Append(Find(instruction.Operands[i]).ToString());
        }
        return string.Join("|", instruction.Opcode, graph.TypeOf(instruction.Result!.Value), operands.ToString(),
            instruction.Integer, BitConverter.DoubleToInt64Bits(instruction.Float), instruction.Text, instruction.TypeOperand,
            instruction.Field?.FullName, instruction.Method?.FullName, instruction.Slot);
    }
}

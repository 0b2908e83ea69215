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
        var replacement = new Dictionary<Value, Value>();
        foreach (var block in graph.Blocks)
        {
            var seen = new Dictionary<string, Value>();
            foreach (var instruction in graph[block].Instructions)
            {
                if (instruction.Result is not { } result || (instruction.Info.Flags & OpcodeFlags.Pure) == 0) continue;
                string key = Key(graph, instruction, replacement);
                if (seen.TryGetValue(key, out var earlier)) replacement[result] = earlier;
                else seen[key] = result;
            }
        }
        GraphEdits.Replace(graph, replacement);
    }

    private static string Key(FlowGraph graph, Instruction instruction, Dictionary<Value, Value> replacement)
    {
        Value Find(Value v)
        {
            while (replacement.TryGetValue(v, out var next)) v = next;
            return v;
        }
        return string.Join("|", instruction.Opcode, graph.TypeOf(instruction.Result!.Value), string.Join(",", instruction.Operands.Select(Find)),
            instruction.Integer, BitConverter.DoubleToInt64Bits(instruction.Float), instruction.Text, instruction.TypeOperand,
            instruction.Field?.FullName, instruction.Method?.FullName, instruction.Slot);
    }
}

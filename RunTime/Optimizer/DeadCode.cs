using PeJit.IR;

namespace PeJit.Optimizer;

/// <summary>
/// Removes instructions whose results nobody uses and that have no effect: constants, arithmetic that cannot
/// throw, comparisons; and loads that cannot throw either, because the same object (for a field) or the same
/// element was already accessed earlier in the block. A load that could throw stays: the residual code must
/// throw where the interpreter would.
/// </summary>
internal static class DeadCode
{
    public static void Run(FlowGraph graph)
    {
        bool removed = true;
        while (removed)
        {
            removed = false;
            var uses = GraphEdits.UseCounts(graph);
            foreach (var block in graph.Blocks)
            {
                var dereferenced = new HashSet<Value>();
                var accessed = new HashSet<(Value, Value)>();
                var instructions = graph[block].Instructions;
                for (int i = 0; i < instructions.Count; i++)
                {
                    var instruction = instructions[i];
                    bool unused = instruction.Result is { } result && !uses.ContainsKey(result);
                    bool safe = (instruction.Info.Flags & OpcodeFlags.Pure) != 0
                        || (instruction.Opcode == Opcode.LoadField && dereferenced.Contains(instruction.Operands[0]))
                        || (instruction.Opcode == Opcode.LoadElement && accessed.Contains((instruction.Operands[0], instruction.Operands[1])));
                    if (unused && safe)
                    {
                        instructions.RemoveAt(i--);
                        removed = true;
                        continue;
                    }
                    switch (instruction.Opcode)
                    {
                        case Opcode.LoadField or Opcode.StoreField or Opcode.ArrayLength when graph.TypeOf(instruction.Operands[0]).IsReference:
                            dereferenced.Add(instruction.Operands[0]);
                            break;
                        case Opcode.LoadElement or Opcode.StoreElement:
                            dereferenced.Add(instruction.Operands[0]);
                            accessed.Add((instruction.Operands[0], instruction.Operands[1]));
                            break;
                    }
                }
            }
        }
        graph.Compact();
    }
}

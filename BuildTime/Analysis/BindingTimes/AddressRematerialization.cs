using PeJit.IR;

namespace PeJit.Analysis.BindingTimes;

/// <summary>
/// Takes a local's address again in each other block that uses it, before the analysis: the C# compiler keeps a
/// temporary's address on the stack across a branch (<c>x with { A = c ? 1 : 2 }</c> takes the temporary's address,
/// branches to compute the value, then calls the setter in the block where the branches meet), and an address used
/// outside its block is one the analysis cannot follow (rule 7: the local would turn red).
/// </summary>
/// <remarks>
/// Strategy: for each <c>slotaddr</c> whose value is an operand in another block, a <c>slotaddr</c> of the same slot is
/// inserted in that block before its first use there, and the block's uses read it instead. The address of a local
/// is the same wherever it is taken, so the program computes the same. An address passed to a block as an argument
/// is left as it is. One pass over the instructions, then one insertion per block and address.
/// </remarks>
internal static class AddressRematerialization
{
    /// <summary>Takes again the addresses <paramref name="graph"/> uses outside their blocks; returns how many were taken.</summary>
    public static int Run(FlowGraph graph)
    {
        var home = new Dictionary<Value, Block>();
        foreach (var block in graph.Blocks)
            foreach (var instruction in graph[block].Instructions)
                if (instruction.Opcode == Opcode.SlotAddr) home[instruction.Result!.Value] = block;
        if (home.Count == 0) return 0;
        int taken = 0;
        foreach (var block in graph.Blocks)
        {
            var instructions = graph[block].Instructions;
            Dictionary<Value, Value>? local = null;
            for (int i = 0; i < instructions.Count; i++)
            {
                var instruction = instructions[i];
                for (int o = 0; o < instruction.Operands.Count; o++)
                {
                    var operand = instruction.Operands[o];
                    if (!home.TryGetValue(operand, out var defined) || defined == block) continue;
                    local ??= [];
                    if (!local.TryGetValue(operand, out var again))
                    {
                        var original = graph[operand].DefiningInstruction!;
                        var address = new Instruction(Opcode.SlotAddr) { Slot = original.Slot, Location = instruction.Location };
                        again = graph.SetResult(address, graph.TypeOf(operand));
                        instructions.Insert(i++, address);
                        local[operand] = again;
                        taken++;
                    }
                    instruction.Operands[o] = again;
                }
            }
        }
        return taken;
    }
}

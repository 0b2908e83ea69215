using PeJit.IR;

namespace PeJit.Analysis.BindingTimes;

/// <summary>
/// Gives each store of a block-local slot a slot of its own, before the analysis: binding times are per slot,
/// and the C# compiler reuses one temporary for every <c>with</c> expression of a type in a method, so a red
/// <c>x with { A = red }</c> would make an unrelated green <c>y with { A = 1 }</c> red (rule 7).
/// </summary>
/// <remarks>
/// A slot is block-local when every read of it (<c>ldslot</c>, <c>slotaddr</c>) follows a store to it in the
/// same block, and every address of it is used only in its block before the slot's next store (and is not
/// passed to another block): then each store starts a value no other store's reads can see, and moving each
/// store with its reads to a slot of its own (same type, same name) changes nothing the program computes.
/// Two passes over the instructions: O(instructions + slots).
/// </remarks>
internal static class SlotVersions
{
    /// <summary>Splits the block-local slots of <paramref name="graph"/> with more than one store; returns how many slots it added.</summary>
    public static int Split(FlowGraph graph)
    {
        int slotCount = graph.Slots.Count();
        if (slotCount == 0) return 0;
        var local = new bool[slotCount];
        var stores = new int[slotCount];
        Array.Fill(local, true);
        // Pass 1: which slots are block-local. The block of each address first, so that a use elsewhere is one lookup.
        var addressBlock = new Dictionary<Value, Block>();
        foreach (var block in graph.Blocks)
            foreach (var instruction in graph[block].Instructions)
                if (instruction.Opcode == Opcode.SlotAddr) addressBlock[instruction.Result!.Value] = block;
        foreach (var block in graph.Blocks)
        {
            var instructions = graph[block].Instructions;
            var storedHere = new HashSet<int>();
            // Addresses taken in this block and not yet retired by a store to their slot.
            var openAddresses = new Dictionary<Value, int>();
            var retired = new HashSet<Value>();
            foreach (var instruction in instructions)
            {
                foreach (var operand in instruction.Operands)
                    if (retired.Contains(operand) || (addressBlock.TryGetValue(operand, out var home) && home != block)) local[SlotOf(graph, operand)] = false;
                foreach (var target in instruction.Targets)
                    foreach (var argument in target.Arguments)
                        if (addressBlock.ContainsKey(argument)) local[SlotOf(graph, argument)] = false;
                switch (instruction.Opcode)
                {
                    case Opcode.LoadSlot or Opcode.SlotAddr:
                        if (!storedHere.Contains(instruction.Slot.Index)) local[instruction.Slot.Index] = false;
                        if (instruction.Opcode == Opcode.SlotAddr) openAddresses[instruction.Result!.Value] = instruction.Slot.Index;
                        break;
                    case Opcode.StoreSlot:
                        storedHere.Add(instruction.Slot.Index);
                        stores[instruction.Slot.Index]++;
                        foreach (var (address, _) in openAddresses.Where(a => a.Value == instruction.Slot.Index).ToList())
                        {
                            openAddresses.Remove(address);
                            retired.Add(address);
                        }
                        break;
                }
            }
        }
        // Pass 2: every store after a slot's first starts a slot of its own.
        int added = 0;
        var seen = new bool[slotCount];
        foreach (var block in graph.Blocks)
        {
            var current = new Dictionary<int, Slot>();
            foreach (var instruction in graph[block].Instructions)
            {
                if (instruction.Opcode is not (Opcode.LoadSlot or Opcode.SlotAddr or Opcode.StoreSlot)) continue;
                int index = instruction.Slot.Index;
                if (index >= slotCount || !local[index] || stores[index] < 2) continue;
                if (instruction.Opcode == Opcode.StoreSlot)
                {
                    if (!seen[index]) current[index] = instruction.Slot;
                    else
                    {
                        current[index] = graph.AddSlot(graph[instruction.Slot].Type, graph[instruction.Slot].Name);
                        added++;
                    }
                    seen[index] = true;
                }
                instruction.Slot = current[index];
            }
        }
        return added;
    }

    private static int SlotOf(FlowGraph graph, Value address) => graph[address].DefiningInstruction!.Slot.Index;
}

using PeJit.IR;

namespace PeJit.Analysis.BindingTimes;

/// <summary>
/// Turns a read of a struct local that only feeds field loads (<c>s.F</c> is <c>ldloc s; ldfld F</c>, a copy of the
/// whole struct, then one field of it) into a read through the local's address (<c>ldloca s; ldfld F</c>), before the
/// analysis: the fields of a struct local have binding times of their own (rule 7), and a read through the
/// address reads only the field, so it is green while that field is, even when another field of the local is red.
/// </summary>
/// <remarks>
/// Strategy: for each <c>v = ldslot s</c> of a value-type slot whose address is taken somewhere in the graph (only
/// such a slot can be written field by field), when every use of <c>v</c> is a <c>ldfld</c> later in the same
/// block and nothing in between can write <c>s</c> (a store to it, its address taken, a call or any write to
/// memory), the <c>ldslot</c> becomes a <c>slotaddr</c> and <c>v</c> an address: each <c>ldfld</c> then reads the same
/// field of the same contents. One pass over the instructions plus, per candidate, a scan of its block.
/// </remarks>
internal static class SlotFieldReads
{
    /// <summary>Rewrites the field-only reads of <paramref name="graph"/>'s written struct locals; returns how many.</summary>
    public static int Rewrite(FlowGraph graph)
    {
        var addressed = new HashSet<Slot>();
        foreach (var block in graph.Blocks)
            foreach (var instruction in graph[block].Instructions)
                if (instruction.Opcode == Opcode.SlotAddr) addressed.Add(instruction.Slot);
        if (addressed.Count == 0) return 0;
        // Uses of each value: a use outside its block, or by anything but a field load, rules it out.
        var uses = new Dictionary<Value, List<(Block Block, int Index, bool FieldLoad)>>();
        foreach (var block in graph.Blocks)
        {
            var instructions = graph[block].Instructions;
            for (int i = 0; i < instructions.Count; i++)
            {
                var instruction = instructions[i];
                for (int o = 0; o < instruction.Operands.Count; o++)
                    Use(uses, instruction.Operands[o], block, i, o == 0 && instruction.Opcode == Opcode.LoadField);
                foreach (var target in instruction.Targets)
                    foreach (var argument in target.Arguments) Use(uses, argument, block, i, false);
            }
        }
        int rewritten = 0;
        foreach (var block in graph.Blocks)
        {
            var instructions = graph[block].Instructions;
            for (int i = 0; i < instructions.Count; i++)
            {
                var read = instructions[i];
                if (read.Opcode != Opcode.LoadSlot || !addressed.Contains(read.Slot) || read.Result is not { } value) continue;
                var type = graph[read.Slot].Type;
                if (type.StackKind != StackKind.ValueType || !uses.TryGetValue(value, out var users)) continue;
                int last = -1;
                bool fieldsOnly = true;
                foreach (var (useBlock, index, fieldLoad) in users)
                {
                    fieldsOnly &= fieldLoad && useBlock == block && index > i;
                    last = Math.Max(last, index);
                }
                if (!fieldsOnly || !Unwritten(instructions, i + 1, last, read.Slot)) continue;
                read.Opcode = Opcode.SlotAddr;
                graph[value].Type = IrType.ByRef(type);
                rewritten++;
            }
        }
        return rewritten;
    }

    private static void Use(Dictionary<Value, List<(Block, int, bool)>> uses, Value value, Block block, int index, bool fieldLoad)
    {
        if (!uses.TryGetValue(value, out var list)) uses[value] = list = [];
        list.Add((block, index, fieldLoad));
    }

    /// <summary>True when nothing from <paramref name="from"/> up to <paramref name="to"/> (excluded) can write <paramref name="slot"/>.</summary>
    private static bool Unwritten(List<Instruction> instructions, int from, int to, Slot slot)
    {
        for (int i = from; i < to; i++)
        {
            var instruction = instructions[i];
            if (instruction.Opcode is Opcode.StoreSlot or Opcode.SlotAddr && instruction.Slot == slot) return false;
            if ((instruction.Info.Flags & (OpcodeFlags.WritesMemory | OpcodeFlags.Call)) != 0) return false;
        }
        return true;
    }
}

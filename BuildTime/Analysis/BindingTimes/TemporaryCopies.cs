using PeJit.IR;

namespace PeJit.Analysis.BindingTimes;

/// <summary>
/// Writes a struct temporary's work straight into the local it is then copied into, before the analysis: the C#
/// compiler builds <c>var j = x with { A = v }</c> in a temporary (<c>tmp = x; tmp.set_A(v); j = tmp</c>), and a copy of a
/// whole struct is red as soon as one field is (rule 7), so <c>j</c> would be red as a whole even though only its field
/// <c>A</c> is. Built in <c>j</c> itself, each of <c>j</c>'s fields keeps the binding time of what is written into it.
/// </summary>
/// <remarks>
/// Strategy: for <c>v = ldslot T; ...; stslot J v</c> in one block, where <c>v</c> has no other use, <c>T</c> is used
/// only in this block from its store <c>stslot T</c> up to that read (its addresses too), and <c>J</c> is not touched
/// in between (no read, store or address of it, and no address of it taken elsewhere is used there or escapes):
/// every use of <c>T</c> in that window becomes a use of <c>J</c>, and the read and the copy go. <c>J</c> then holds
/// the same value at the copy and after it, and nothing could see <c>J</c> in between (blocks in a <c>try</c> or a
/// handler are left alone: a handler could see <c>J</c> half built when something in between throws). Runs after
/// <see cref="SlotVersions"/>, which gives each store of a reused temporary a slot of its own. O(instructions) per copy.
/// </remarks>
internal static class TemporaryCopies
{
    /// <summary>Elides the temporary copies of <paramref name="graph"/>; returns how many.</summary>
    public static int Elide(FlowGraph graph)
    {
        int total = 0;
        // A pass elides at most one copy per block (its positions move); passes repeat until none is left.
        for (int elided; (elided = ElideOnePerBlock(graph)) > 0;) total += elided;
        return total;
    }

    private static int ElideOnePerBlock(FlowGraph graph)
    {
        // Where each slot is used, and which values are addresses of which slot (its field addresses included).
        var addressOf = new Dictionary<Value, Slot>();
        var useCount = new Dictionary<Value, int>();
        var escapes = new HashSet<Slot>();
        var references = new Dictionary<Slot, List<(Block Block, int Index)>>();
        foreach (var block in graph.Blocks)
        {
            var instructions = graph[block].Instructions;
            for (int i = 0; i < instructions.Count; i++)
            {
                var instruction = instructions[i];
                for (int o = 0; o < instruction.Operands.Count; o++)
                {
                    var operand = instruction.Operands[o];
                    useCount[operand] = useCount.GetValueOrDefault(operand) + 1;
                    if (addressOf.TryGetValue(operand, out var addressed))
                    {
                        Reference(references, addressed, block, i);
                        // Stored somewhere (not stored through): it may be used anywhere.
                        if (o > 0 && instruction.Opcode is Opcode.Store or Opcode.StoreField or Opcode.StoreElement or Opcode.StoreStatic) escapes.Add(addressed);
                    }
                }
                foreach (var target in instruction.Targets)
                    foreach (var argument in target.Arguments)
                        if (addressOf.TryGetValue(argument, out var addressed)) escapes.Add(addressed);
                if (instruction.Opcode is Opcode.LoadSlot or Opcode.StoreSlot or Opcode.SlotAddr) Reference(references, instruction.Slot, block, i);
                if (instruction.Opcode == Opcode.SlotAddr) addressOf[instruction.Result!.Value] = instruction.Slot;
                else if (instruction.Opcode == Opcode.FieldAddr && addressOf.TryGetValue(instruction.Operands[0], out var container)) addressOf[instruction.Result!.Value] = container;
            }
        }
        int elided = 0;
        foreach (var block in graph.Blocks)
        {
            // Inside a try or a handler, a handler of this method could see the local half built when something in
            // between throws.
            if (graph[block].Try is not null || graph[block].HandlerOf is not null) continue;
            var instructions = graph[block].Instructions;
            for (int k = 0; k < instructions.Count; k++)
            {
                var copy = instructions[k];
                if (copy.Opcode != Opcode.StoreSlot) continue;
                var local = copy.Slot;
                var value = copy.Operands[0];
                if (useCount.GetValueOrDefault(value) != 1 || graph[value].DefiningInstruction is not { Opcode: Opcode.LoadSlot } read) continue;
                var temporary = read.Slot;
                if (temporary == local || graph[temporary].Type != graph[local].Type || escapes.Contains(local) || escapes.Contains(temporary)) continue;
                int readAt = instructions.IndexOf(read);
                if (readAt < 0 || readAt > k) continue;
                // The temporary's store that starts the window: its last before the read.
                int start = -1;
                for (int i = readAt - 1; i >= 0 && start < 0; i--)
                    if (instructions[i].Opcode == Opcode.StoreSlot && instructions[i].Slot == temporary) start = i;
                if (start < 0) continue;
                // The temporary is used only in the window; the local not at all there.
                if (!references[temporary].All(r => r.Block == block && r.Index >= start && r.Index <= readAt)) continue;
                if (references[local].Any(r => r.Block == block && r.Index >= start && r.Index < k)) continue;
                for (int i = start; i <= readAt; i++)
                    if (instructions[i].Opcode is Opcode.LoadSlot or Opcode.StoreSlot or Opcode.SlotAddr && instructions[i].Slot == temporary) instructions[i].Slot = local;
                instructions.RemoveAt(k);
                instructions.RemoveAt(readAt);
                // The lists of references are now off in this block: no second copy here.
                elided++;
                break;
            }
        }
        return elided;
    }

    private static void Reference(Dictionary<Slot, List<(Block, int)>> references, Slot slot, Block block, int index)
    {
        if (!references.TryGetValue(slot, out var list)) references[slot] = list = [];
        list.Add((block, index));
    }
}

using PeJit.IR;
using PeJit.IR.Graphs;
using PeJit.IR.Transforms;

namespace PeJit.Optimizer;

/// <summary>
/// What <see cref="StructSlots"/> and <see cref="ScalarSlots"/> share: slots whose memory nothing but the graph's own
/// <c>ldslot</c>, <c>stslot</c> and accesses through their address reads or writes, rewritten into SSA values. Each pass
/// says which slots it takes, which uses of an address it understands, and what a read through the address becomes.
/// </summary>
/// <remarks>
/// Steps: <see cref="Find"/> (the candidates and their addresses; a slot whose address is used otherwise, or passed by a
/// jump, is refused), <see cref="Define"/> (an <see cref="SsaUpdater"/> per slot: the type's zero at the entry, then the last
/// write of each block), <see cref="Rewrite"/> (each block in order: writes set the current value, reads take it; the
/// slots' own instructions go). Cost: linear in the graph, plus the updaters' work per slot.
/// </remarks>
internal static class SlotValues
{
    /// <summary>The addresses of slots (<c>slotaddr</c> results) and the slots taken, found by <see cref="Find"/>.</summary>
    public sealed record Candidates(ValueToIndexMap AddressOf, HashSet<int> Slots);

    /// <summary>
    /// The slots <paramref name="candidate"/> takes whose addresses are used only where <paramref name="addressUse"/> allows
    /// (an instruction, the operand position of the address, the slot); null when there is none.
    /// </summary>
    public static Candidates? Find(FlowGraph graph, Func<Slot, bool> candidate, Func<Instruction, int, Slot, bool> addressUse)
    {
        var addressOf = new ValueToIndexMap();
        var used = new HashSet<int>();
        var refused = new HashSet<int>();
        foreach (var block in graph.Blocks)
            foreach (var instruction in graph[block].Instructions)
                if (instruction.Opcode is Opcode.StoreSlot or Opcode.LoadSlot or Opcode.SlotAddr && candidate(instruction.Slot))
                {
                    used.Add(instruction.Slot.Index);
                    if (instruction.Opcode == Opcode.SlotAddr) addressOf[instruction.Result!.Value] = instruction.Slot.Index;
                }
        if (used.Count == 0) return null;
        foreach (var block in graph.Blocks)
            foreach (var instruction in graph[block].Instructions)
            {
                for (int position = 0; position < instruction.Operands.Count; position++)
                    if (addressOf.TryGetValue(instruction.Operands[position], out int slot) && !addressUse(instruction, position, new Slot(slot)))
                        refused.Add(slot);
                foreach (var target in instruction.Targets)
                    foreach (var argument in target.Arguments)
                        if (addressOf.TryGetValue(argument, out int slot)) refused.Add(slot);
            }
        used.ExceptWith(refused);
        return used.Count == 0 ? null : new Candidates(addressOf, used);
    }

    /// <summary>
    /// The slot an instruction writes with its last operand: a <c>stslot</c> of a slot taken, or, when
    /// <paramref name="throughAddress"/>, a <c>store</c> through a taken slot's address; null for any other.
    /// </summary>
    public static int? Written(Candidates found, Instruction instruction, bool throughAddress) => instruction.Opcode switch
    {
        Opcode.StoreSlot when found.Slots.Contains(instruction.Slot.Index) => instruction.Slot.Index,
        Opcode.Store when throughAddress && found.AddressOf.TryGetValue(instruction.Operands[0], out int slot) && found.Slots.Contains(slot) => slot,
        _ => null,
    };

    /// <summary>
    /// An <see cref="SsaUpdater"/> per slot taken: <paramref name="zero"/> of the slot's type at the entry (locals start zero),
    /// then the last write of each block (<see cref="Written"/>).
    /// </summary>
    public static Dictionary<int, SsaUpdater> Define(FlowGraph graph, Candidates found, Func<IrType, Instruction> zero, bool storesThroughAddress)
    {
        GraphEdits.RemoveUnreachable(graph);
        var incoming = Predecessors.Compute(graph);
        var variables = new Dictionary<int, SsaUpdater>();
        var entry = graph[FlowGraph.Entry].Instructions;
        foreach (int slot in found.Slots)
        {
            var type = graph[new Slot(slot)].Type;
            var updater = new SsaUpdater(graph, type, graph[new Slot(slot)].Name, incoming.EdgesInto);
            var initial = zero(type);
            graph.SetResult(initial, type);
            entry.Insert(0, initial);
            updater.DefineAtStart(FlowGraph.Entry, initial.Result!.Value);
            variables[slot] = updater;
        }
        foreach (var block in graph.Blocks)
            foreach (var instruction in graph[block].Instructions)
                if (Written(found, instruction, storesThroughAddress) is int slot)
                    variables[slot].DefineAtEnd(block, instruction.Operands[^1]);
        return variables;
    }

    /// <summary>
    /// Each block in order: a write sets its slot's current value and goes, an <c>ldslot</c> is replaced by the current
    /// value, a <c>slotaddr</c> goes; any other instruction is given to <paramref name="readThroughAddress"/> with a
    /// function giving a slot's current value there, which rewrites it if it reads through an address and returns false
    /// when it is to go (its result then replaced in <paramref name="replacement"/>). Uses are replaced by the caller.
    /// </summary>
    public static void Rewrite(FlowGraph graph, Candidates found, Dictionary<int, SsaUpdater> variables, bool storesThroughAddress,
        Func<Instruction, Func<int, Value>, bool> readThroughAddress, ValueToValueMap replacement)
    {
        var current = new Dictionary<int, Value>();
        foreach (var block in graph.Blocks)
        {
            current.Clear();
            Value Current(int slot) => current.TryGetValue(slot, out var known) ? known : current[slot] = variables[slot].ReadAtStart(block);
            var instructions = graph[block].Instructions;
            int kept = 0;
            for (int i = 0; i < instructions.Count; i++)
            {
                var instruction = instructions[i];
                bool keep = false;
                if (Written(found, instruction, storesThroughAddress) is int written) current[written] = instruction.Operands[^1];
                else if (instruction.Opcode == Opcode.LoadSlot && found.Slots.Contains(instruction.Slot.Index))
                    replacement[instruction.Result!.Value] = Current(instruction.Slot.Index);
                else if (instruction.Opcode == Opcode.SlotAddr && found.Slots.Contains(instruction.Slot.Index)) { }
                else keep = readThroughAddress(instruction, Current);
                if (keep) instructions[kept++] = instruction;
            }
            instructions.RemoveRange(kept, instructions.Count - kept);
        }
    }

    /// <summary>
    /// Whether a value of <paramref name="stored"/>'s type, written into a slot or field of type <paramref name="into"/>,
    /// reads back as itself: the same type, a 32-bit or wider integer of its stack class (a narrower one only of that very
    /// width and signedness: an enum of u8 and a u8), any reference, a float of the same width.
    /// </summary>
    public static bool StoresUnchanged(IrType stored, IrType into) => into.StackKind switch
    {
        _ when stored == into => true,
        StackKind.Reference => stored.IsReference,
        StackKind.Int32 => stored.StackKind == StackKind.Int32
            && (into.PrimitiveSize == 4 || (stored.PrimitiveSize == into.PrimitiveSize && stored.IsUnsigned == into.IsUnsigned)),
        StackKind.Int64 or StackKind.NativeInt => stored.StackKind == into.StackKind,
        StackKind.Float => stored.StackKind == StackKind.Float && stored.PrimitiveSize == into.PrimitiveSize,
        _ => false,
    };
}

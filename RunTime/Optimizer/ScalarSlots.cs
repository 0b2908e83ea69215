using PeJit.IR;
using PeJit.IR.Graphs;
using PeJit.IR.Transforms;

namespace PeJit.Optimizer;

/// <summary>
/// Locals passed by reference to an inlined helper in SSA values: an interpreter whose helpers move its stack pointer
/// or control-stack height through a <c>ref</c> parameter (<c>Branch(labels, ref lsp, stack, ref sp, depth)</c>,
/// <c>Push(stack, ref sp, x)</c>) has those locals, red, kept in residual slots: each key of the unit stores them into
/// a slot, and the inlined helper reads and writes them through the slot's address. Where a slot is read and written
/// only by <c>ldslot</c>, <c>stslot</c>, and <c>load</c>/<c>store</c> through its address, nothing else can see or
/// change it, and the slot goes: its value where an instruction runs is an SSA value. Forwarding, which forgets
/// everything at a slot store, and promotion, which keeps nothing in a loop with an access through an address, then
/// see the values themselves.
/// </summary>
/// <remarks>
/// <para>Rules:</para>
/// <list type="number">
/// <item>A slot of a type other than a struct (<c>structs</c> does those) is rewritten when its uses are <c>stslot</c>,
/// <c>ldslot</c> and <c>slotaddr</c> whose result is used only as the address of a <c>load</c> or <c>store</c> of the
/// slot's own type (no call given it, no store of the address, no jump passing it): then every read and write of its
/// memory is one of those instructions.</item>
/// <item>Every value written reads back unchanged: of the slot's type, or a 32-bit or wider integer of its stack class,
/// or any reference (a write that truncates, an int into a <c>byte</c> or <c>bool</c> local, keeps the slot).</item>
/// <item>The slot's value where an instruction runs is found by SSA construction over the writes (an
/// <see cref="SsaUpdater"/>); before the first write it holds the type's zero (locals start zero). A read through the
/// address is that value where the read runs, not where the address was taken.</item>
/// </list>
/// Graphs with exception regions are left alone (a handler entry has no jumps to carry a value). A slot whose address
/// reaches a call (a resumed step's frame, a helper left residual) stays, as before.
/// Cost: linear in the graph: one scan for the candidates, one rewrite with an <see cref="SsaUpdater"/> per slot.
/// </remarks>
internal static class ScalarSlots
{
    public static void Run(FlowGraph graph)
    {
        if (graph.RegionCount > 0 || graph.SlotCount == 0) return;
        Rewrite(graph);
    }

    /// <summary>Numbers, bools, chars, enums and references: a slot whose zero is a constant (a struct's is <c>structs</c>' business, an address's is not a value).</summary>
    private static bool Candidate(FlowGraph graph, Slot slot) => graph[slot].Type is var type
        && (type.IsReference || type.IsPrimitive || type.Kind == TypeKind.Enum) && type.StackKind != StackKind.ByRef;

    private static void Rewrite(FlowGraph graph)
    {
        // 1. The slots whose uses rule 1 allows: an address used only as the address of a load or store of the slot's type.
        if (SlotValues.Find(graph, slot => Candidate(graph, slot),
                (instruction, position, slot) => position == 0 && instruction.Opcode is Opcode.Load or Opcode.Store && instruction.TypeOperand == graph[slot].Type)
            is not { } found) return;
        // Rule 2: a write that the slot's type changes (an int stored into a byte or bool local is truncated) reads back as
        // another value: such a slot stays memory.
        foreach (var block in graph.Blocks)
            foreach (var instruction in graph[block].Instructions)
                if (SlotValues.Written(found, instruction, throughAddress: true) is int written
                    && !SlotValues.StoresUnchanged(graph.TypeOf(instruction.Operands[^1]), graph[new Slot(written)].Type))
                    found.Slots.Remove(written);
        if (found.Slots.Count == 0) return;

        // 2. Each slot's definitions: zero at the entry, then the last write of each block.
        var variables = SlotValues.Define(graph, found, type => type.IsReference ? new Instruction(Opcode.Null) : new Instruction(Opcode.Const), storesThroughAddress: true);

        // 3. Each block in order: writes set the current value, reads (ldslot, a load through the address) take it.
        var replacement = new ValueToValueMap();
        SlotValues.Rewrite(graph, found, variables, storesThroughAddress: true, (instruction, current) =>
        {
            if (instruction.Opcode != Opcode.Load || !found.AddressOf.TryGetValue(instruction.Operands[0], out int read) || !found.Slots.Contains(read)) return true;
            replacement[instruction.Result!.Value] = current(read);
            return false;
        }, replacement);
        graph.ReplaceUses(replacement);
        TrivialParameters.Remove(graph);
        graph.Compact();
    }
}

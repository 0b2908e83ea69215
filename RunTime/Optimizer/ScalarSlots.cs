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

    /// <summary>Whether a value of <paramref name="stored"/>'s type, written into a slot of type <paramref name="slot"/>, reads back as itself.</summary>
    private static bool StoresUnchanged(IrType stored, IrType slot) => slot.StackKind switch
    {
        _ when stored == slot => true,
        StackKind.Reference => stored.IsReference,
        StackKind.Int32 => stored.StackKind == StackKind.Int32
            && (slot.PrimitiveSize == 4 || (stored.PrimitiveSize == slot.PrimitiveSize && stored.IsUnsigned == slot.IsUnsigned)),
        StackKind.Int64 or StackKind.NativeInt => stored.StackKind == slot.StackKind,
        _ => false,
    };

    private static void Rewrite(FlowGraph graph)
    {
        // 1. The slots' addresses, and the slots whose uses rule 1 allows.
        var addressOf = new ValueToIndexMap();
        var used = new HashSet<int>();
        var refused = new HashSet<int>();
        foreach (var block in graph.Blocks)
            foreach (var instruction in graph[block].Instructions)
                if (instruction.Opcode is Opcode.StoreSlot or Opcode.LoadSlot or Opcode.SlotAddr && Candidate(graph, instruction.Slot))
                {
                    used.Add(instruction.Slot.Index);
                    if (instruction.Opcode == Opcode.SlotAddr) addressOf[instruction.Result!.Value] = instruction.Slot.Index;
                }
        if (used.Count == 0) return;
        foreach (var block in graph.Blocks)
            foreach (var instruction in graph[block].Instructions)
            {
                for (int position = 0; position < instruction.Operands.Count; position++)
                    if (addressOf.TryGetValue(instruction.Operands[position], out int slot)
                        && !(position == 0 && instruction.Opcode is Opcode.Load or Opcode.Store && instruction.TypeOperand == graph[new Slot(slot)].Type))
                        refused.Add(slot);
                foreach (var target in instruction.Targets)
                    foreach (var argument in target.Arguments)
                        if (addressOf.TryGetValue(argument, out int slot)) refused.Add(slot);
                // A write that the slot's type changes (an int stored into a byte or bool local is truncated) reads back
                // as another value: such a slot stays memory.
                if (instruction.Opcode == Opcode.StoreSlot && used.Contains(instruction.Slot.Index)
                    && !StoresUnchanged(graph.TypeOf(instruction.Operands[0]), graph[instruction.Slot].Type))
                    refused.Add(instruction.Slot.Index);
                if (instruction.Opcode == Opcode.Store && addressOf.TryGetValue(instruction.Operands[0], out int written)
                    && !StoresUnchanged(graph.TypeOf(instruction.Operands[1]), graph[new Slot(written)].Type))
                    refused.Add(written);
            }
        used.ExceptWith(refused);
        if (used.Count == 0) return;

        // 2. Each slot's definitions: zero at the entry, then the last write of each block.
        GraphEdits.RemoveUnreachable(graph);
        var incoming = Predecessors.Compute(graph);
        var variables = new Dictionary<int, SsaUpdater>();
        var entry = graph[FlowGraph.Entry].Instructions;
        foreach (int slot in used)
        {
            var type = graph[new Slot(slot)].Type;
            var updater = new SsaUpdater(graph, type, graph[new Slot(slot)].Name, incoming.EdgesInto);
            var initial = type.IsReference ? new Instruction(Opcode.Null) : new Instruction(Opcode.Const);
            graph.SetResult(initial, type);
            entry.Insert(0, initial);
            updater.DefineAtStart(FlowGraph.Entry, initial.Result!.Value);
            variables[slot] = updater;
        }
        int? Written(Instruction instruction) => instruction.Opcode switch
        {
            Opcode.StoreSlot when variables.ContainsKey(instruction.Slot.Index) => instruction.Slot.Index,
            Opcode.Store when addressOf.TryGetValue(instruction.Operands[0], out int slot) && variables.ContainsKey(slot) => slot,
            _ => null,
        };
        foreach (var block in graph.Blocks)
            foreach (var instruction in graph[block].Instructions)
                if (Written(instruction) is int slot)
                    variables[slot].DefineAtEnd(block, instruction.Operands[^1]);

        // 3. Each block in order: writes set the current value, reads take it.
        var replacement = new ValueToValueMap();
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
                bool drop = true;
                if (Written(instruction) is int written) current[written] = instruction.Operands[^1];
                else if (instruction.Opcode == Opcode.LoadSlot && variables.ContainsKey(instruction.Slot.Index))
                    replacement[instruction.Result!.Value] = Current(instruction.Slot.Index);
                else if (instruction.Opcode == Opcode.Load && addressOf.TryGetValue(instruction.Operands[0], out int read) && variables.ContainsKey(read))
                    replacement[instruction.Result!.Value] = Current(read);
                else if (instruction.Opcode == Opcode.SlotAddr && variables.ContainsKey(instruction.Slot.Index)) { }
                else drop = false;
                if (!drop) instructions[kept++] = instruction;
            }
            instructions.RemoveRange(kept, instructions.Count - kept);
        }
        graph.ReplaceUses(replacement);
        TrivialParameters.Remove(graph);
        graph.Compact();
    }
}

using PeJit.IR;

namespace PeJit.Optimizer;

/// <summary>
/// Turns the address of an array element that is only read and written through (<c>ldelema</c> followed by
/// <c>load</c> and <c>store</c>: what C# makes of <c>stack[sp - 1] += stack[sp]</c> or <c>locals[i]++</c>) into element
/// loads and stores of the same array and index, so that forwarding and memory promotion, which reason about
/// <c>ldelem</c>/<c>stelem</c> and leave a loop with an access through an address alone, see them.
/// </summary>
/// <remarks>
/// <para>
/// When it applies: the element type is a primitive (a number, <c>bool</c>, <c>char</c>), whose <c>ldelema</c> makes no
/// type check (an array of a class type checks that the array is exactly of the static element type; a struct may be
/// read or written partly through its address); every use of the address is a <c>load</c> or <c>store</c> of that
/// type through it (not a stored value, a call argument or a block argument); and a use follows in the address's
/// own block with nothing between them but pure instructions. The <c>ldelema</c>'s null and bounds checks then move to
/// that first use and throw the same exception with nothing observable between the two places; every later use is
/// of the same array and index, whose checks pass (an array's length never changes).
/// </para>
/// <para>Complexity: linear in the graph's instructions (four walks over them: count the loads and stores through addresses, all uses, choose, rewrite).</para>
/// </remarks>
internal static class ElementAddresses
{
    public static void Run(FlowGraph graph)
    {
        // Per address made by an ldelema of a primitive: its loads and stores through it, against all its uses.
        ValueToIndexMap? through = null;
        foreach (var block in graph.Blocks)
            foreach (var instruction in graph[block].Instructions)
                if (instruction.Opcode is Opcode.Load or Opcode.Store && graph[instruction.Operands[0]].DefiningInstruction is
                        { Opcode: Opcode.ElementAddr } address && IsPrimitive(address.TypeOperand) && instruction.TypeOperand?.Kind == address.TypeOperand!.Kind)
                {
                    through ??= new ValueToIndexMap(graph.ValueCount);
                    var made = instruction.Operands[0];
                    through[made] = (through.TryGetValue(made, out int count) ? count : 0) + 1;
                }
        if (through is null) return;
        var uses = GraphEdits.UseCounts(graph);

        var rewritten = new bool[graph.ValueCount];
        bool any = false;
        foreach (var block in graph.Blocks)
        {
            var instructions = graph[block].Instructions;
            for (int i = 0; i < instructions.Count; i++)
            {
                var address = instructions[i];
                // Every use a load or store through it (a primitive's address is never the value a store writes).
                if (address.Opcode != Opcode.ElementAddr || address.Result is not { } made || !through.TryGetValue(made, out int loadsAndStores)
                    || loadsAndStores != uses[made] || !FirstUseFollows(instructions, i, made))
                    continue;
                rewritten[made.Index] = any = true;
            }
        }
        if (!any) return;

        foreach (var block in graph.Blocks)
        {
            var instructions = graph[block].Instructions;
            foreach (var instruction in instructions)
            {
                if (instruction.Opcode is not (Opcode.Load or Opcode.Store) || !Rewritten(instruction.Operands[0])) continue;
                var address = graph[instruction.Operands[0]].DefiningInstruction!;
                instruction.Opcode = instruction.Opcode == Opcode.Load ? Opcode.LoadElement : Opcode.StoreElement;
                instruction.Operands[0] = address.Operands[0];
                instruction.Operands.Insert(1, address.Operands[1]);
            }
            instructions.RemoveAll(i => i.Opcode == Opcode.ElementAddr && i.Result is { } made && Rewritten(made));
        }

        bool Rewritten(Value value) => value.Index < rewritten.Length && rewritten[value.Index];
    }

    /// <summary>Whether a use of <paramref name="made"/> follows the instruction at <paramref name="at"/> with only pure instructions between.</summary>
    private static bool FirstUseFollows(List<Instruction> instructions, int at, Value made)
    {
        for (int i = at + 1; i < instructions.Count; i++)
        {
            var instruction = instructions[i];
            foreach (var operand in instruction.Operands)
                if (operand.Index == made.Index) return true;
            if ((OpcodeInfo.Of(instruction.Opcode).Flags & OpcodeFlags.Pure) == 0) return false;
        }
        return false;
    }

    private static bool IsPrimitive(IrType? type) => type?.Kind is TypeKind.Bool or TypeKind.Char or TypeKind.I8 or TypeKind.U8 or TypeKind.I16
        or TypeKind.U16 or TypeKind.I32 or TypeKind.U32 or TypeKind.I64 or TypeKind.U64 or TypeKind.NInt or TypeKind.NUInt or TypeKind.F32 or TypeKind.F64;
}

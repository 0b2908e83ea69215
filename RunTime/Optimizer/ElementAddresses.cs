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
/// <para>Complexity: linear in the graph's instructions (four walks over them: find the addresses, count their uses, choose, rewrite).</para>
/// </remarks>
internal static class ElementAddresses
{
    public static void Run(FlowGraph graph)
    {
        // Per value index, for addresses made by an ldelema of a primitive: how many uses are loads or stores through
        // it, and how many others (arrays, not collections over Value: nothing for .NET to compile on a unit's path).
        int[]? throughUses = null, otherUses = null;
        foreach (var block in graph.Blocks)
            foreach (var instruction in graph[block].Instructions)
                if (instruction.Opcode == Opcode.ElementAddr && instruction.Result is { } made && IsPrimitive(instruction.TypeOperand))
                {
                    throughUses ??= new int[graph.ValueCount];
                    otherUses ??= new int[graph.ValueCount];
                    otherUses[made.Index] = -1;   // an address of interest with no other use so far (0: not an address of interest)
                }
        if (otherUses is null) return;
        foreach (var block in graph.Blocks)
            foreach (var instruction in graph[block].Instructions)
            {
                for (int i = 0; i < instruction.Operands.Count; i++)
                {
                    int operand = instruction.Operands[i].Index;
                    if (operand >= otherUses.Length || otherUses[operand] == 0) continue;
                    if (i == 0 && instruction.Opcode is Opcode.Load or Opcode.Store
                        && instruction.TypeOperand?.Kind == graph[instruction.Operands[0]].DefiningInstruction!.TypeOperand!.Kind)
                        throughUses![operand]++;
                    else otherUses[operand] = 1;
                }
                foreach (var target in instruction.Targets)
                    foreach (var argument in target.Arguments)
                        if (argument.Index < otherUses.Length && otherUses[argument.Index] != 0) otherUses[argument.Index] = 1;
            }

        var rewritten = new bool[graph.ValueCount];
        bool any = false;
        foreach (var block in graph.Blocks)
        {
            var instructions = graph[block].Instructions;
            for (int i = 0; i < instructions.Count; i++)
            {
                var address = instructions[i];
                if (address.Opcode != Opcode.ElementAddr || address.Result is not { } made || otherUses[made.Index] != -1
                    || throughUses![made.Index] == 0 || !FirstUseFollows(instructions, i, made))
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

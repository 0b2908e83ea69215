using Mono.Cecil;
using PeJit.Analysis.Hints;
using PeJit.IR;

namespace PeJit.Analysis.BindingTimes;

/// <summary>
/// Which slot addresses (<c>slotaddr</c>) are only read through: the C# compiler takes a local struct's address
/// to call its property getters (<c>instr.A</c> is <c>call Instr::get_A(&amp;instr)</c>), and such an address
/// need not make the slot red (<see cref="ContextAnalyzer"/>, rule 7).
/// </summary>
/// <remarks>
/// Strategy: an address is read-only when every use of it is, in its own block, before any store to the slot:
/// a <c>load</c> or <c>ldfld</c> through it, or a call passing it as <c>this</c> of a readonly member (the
/// method or its struct carries <c>IsReadOnlyAttribute</c>: the compiler then forbids writes through
/// <c>this</c>) or as an <c>in</c> parameter. Then the address is only ever read while the slot holds the value
/// it held when the address was taken, so the specializer may represent a green address by that value.
/// Anything else (a store through it, a mutating call, passing it on to a block) leaves it an ordinary address.
/// </remarks>
internal static class ReadOnlyAddresses
{
    private const string IsReadOnlyAttribute = "System.Runtime.CompilerServices.IsReadOnlyAttribute";

    /// <summary>True when the <c>slotaddr</c> at <paramref name="position"/> is only read through.</summary>
    /// <param name="instructions">The graph's instructions in layout order.</param>
    /// <param name="position">The position of the <c>slotaddr</c>.</param>
    /// <param name="blockStart">Where each block starts in <paramref name="instructions"/>, and one past the last.</param>
    public static bool IsReadOnly(Instruction[] instructions, int position, int[] blockStart)
    {
        var address = instructions[position].Result!.Value;
        var slot = instructions[position].Slot;
        int blockEnd = BlockEnd(blockStart, position);
        bool stored = false;
        for (int i = 0; i < instructions.Length; i++)
        {
            var instruction = instructions[i];
            bool inWindow = i > position && i < blockEnd && !stored;
            foreach (var target in instruction.Targets)
                if (target.Arguments.Contains(address)) return false;
            for (int operand = 0; operand < instruction.Operands.Count; operand++)
                if (instruction.Operands[operand] == address && (!inWindow || !IsReadingUse(instruction, operand)))
                    return false;
            if (i > position && i < blockEnd && instruction.Opcode == Opcode.StoreSlot && instruction.Slot == slot) stored = true;
        }
        return true;
    }

    private static int BlockEnd(int[] blockStart, int position)
    {
        for (int b = 0; b + 1 < blockStart.Length; b++)
            if (blockStart[b] <= position && position < blockStart[b + 1]) return blockStart[b + 1];
        return blockStart[^1];
    }

    private static bool IsReadingUse(Instruction instruction, int operand)
    {
        switch (instruction.Opcode)
        {
            case Opcode.Load or Opcode.LoadField:
                return operand == 0;
            case Opcode.Call or Opcode.CallVirt:
            {
                var callee = instruction.Method!.Cecil is { } reference ? MemberFacts.TryResolve(reference) : null;
                if (callee is null) return false;
                if (callee.HasThis && operand == 0)
                    return callee.DeclaringType.IsValueType
                        && (MemberFacts.Has(callee, IsReadOnlyAttribute) || MemberFacts.Has(callee.DeclaringType, IsReadOnlyAttribute));
                int parameter = operand - (callee.HasThis ? 1 : 0);
                return parameter >= 0 && parameter < callee.Parameters.Count
                    && callee.Parameters[parameter] is { IsIn: true, ParameterType.IsByReference: true };
            }
            default:
                return false;
        }
    }
}

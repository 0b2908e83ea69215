using Mono.Cecil;
using PeJit.Analysis.Hints;
using PeJit.IR;

namespace PeJit.Analysis.BindingTimes;

/// <summary>
/// Which slot addresses (<c>slotaddr</c>) are only read through, or read through and written by field writers:
/// the C# compiler takes a local struct's address to call its property getters (<c>instr.A</c> is
/// <c>call Instr::get_A(&amp;instr)</c>) and its setters (<c>instr with { A = 3 }</c> copies <c>instr</c> into a
/// temporary and calls <c>set_A(&amp;tmp, 3)</c>), and such an address need not make the slot red
/// (<see cref="ContextAnalyzer"/>, rule 7).
/// </summary>
/// <remarks>
/// Strategy: an address is read-only when every use of it is, in its own block, before any store to the slot:
/// a <c>load</c> or <c>ldfld</c> through it, or a call passing it as <c>this</c> of a readonly member (the
/// method or its struct carries <c>IsReadOnlyAttribute</c>: the compiler then forbids writes through
/// <c>this</c>) or as an <c>in</c> parameter. Then the address is only ever read while the slot holds the value
/// it held when the address was taken, so the specializer may represent a green address by that value.
/// It is written through when, besides such reads, it is passed as <c>this</c> to field writers
/// (<see cref="FieldWriters"/>) or written directly (<c>stfld</c> through it: <c>s.F = x</c>, an object
/// initializer; <c>initobj</c>: <c>S s = default</c>) and the slot is not read directly (<c>ldslot</c>) between the address and its
/// last use: the specializer then gives the address a fresh copy of the slot's value, which becomes the slot's
/// value, and performs the writes on it; no other value can see the copy change. Anything else (a store
/// through it, another mutating call, passing it on to a block) leaves it an ordinary address.
/// One scan of the graph per address: O(instructions) each.
/// </remarks>
internal static class ReadOnlyAddresses
{
    private const string IsReadOnlyAttribute = "System.Runtime.CompilerServices.IsReadOnlyAttribute";

    /// <summary>How the <c>slotaddr</c> at <paramref name="position"/> is used.</summary>
    /// <param name="instructions">The graph's instructions in layout order.</param>
    /// <param name="position">The position of the <c>slotaddr</c>.</param>
    /// <param name="blockStart">Where each block starts in <paramref name="instructions"/>, and one past the last.</param>
    /// <param name="isFieldWriter">True for a callee that only stores fields of <c>this</c> (<see cref="FieldWriters"/>).</param>
    /// <param name="fieldAddresses">Receives the positions of the <c>ldflda</c>s through the address (<c>s.F++</c>,
    /// <c>s.F += x</c>), each only loaded and stored through in the window; filled only when the address is not ordinary.</param>
    public static AddressUse Classify(Instruction[] instructions, int position, int[] blockStart, Func<MethodDefinition, bool> isFieldWriter,
        List<int> fieldAddresses)
    {
        fieldAddresses.Clear();
        var addresses = new List<Value> { instructions[position].Result!.Value };
        var slot = instructions[position].Slot;
        int blockEnd = BlockEnd(blockStart, position);
        bool stored = false, written = false;
        int lastUse = position, firstDirectRead = int.MaxValue;
        for (int i = 0; i < instructions.Length; i++)
        {
            var instruction = instructions[i];
            bool inWindow = i > position && i < blockEnd && !stored;
            foreach (var target in instruction.Targets)
                if (target.Arguments.Any(addresses.Contains)) return AddressUse.Ordinary;
            for (int operand = 0; operand < instruction.Operands.Count; operand++)
            {
                if (!addresses.Contains(instruction.Operands[operand])) continue;
                if (!inWindow) return AddressUse.Ordinary;
                lastUse = i;
                if (instruction.Operands[operand] != addresses[0])
                {
                    // Through a field's address: only loads and stores of the field.
                    if (operand == 0 && instruction.Opcode == Opcode.Store) written = true;
                    else if (!(operand == 0 && instruction.Opcode == Opcode.Load)) return AddressUse.Ordinary;
                    continue;
                }
                if (operand == 0 && instruction.Opcode == Opcode.FieldAddr)
                {
                    // The field's address is used later in the layout order (SSA), so its uses are seen in this scan.
                    addresses.Add(instruction.Result!.Value);
                    fieldAddresses.Add(i);
                    continue;
                }
                // A field writer first: an init setter of a readonly struct carries the struct's IsReadOnlyAttribute.
                if (operand == 0 && (instruction.Opcode is Opcode.StoreField or Opcode.InitObj || IsFieldWriterCall(instruction, isFieldWriter))) written = true;
                else if (!IsReadingUse(instruction, operand)) return AddressUse.Ordinary;
            }
            if (i > position && i < blockEnd && instruction.Opcode == Opcode.LoadSlot && instruction.Slot == slot) firstDirectRead = Math.Min(firstDirectRead, i);
            if (i > position && i < blockEnd && instruction.Opcode == Opcode.StoreSlot && instruction.Slot == slot) stored = true;
        }
        if (!written) return AddressUse.ReadOnly;
        // A direct read before the last use would see the copy the writes change.
        return firstDirectRead < lastUse ? AddressUse.Ordinary : AddressUse.WrittenThrough;
    }

    /// <summary>The callee of a call, when it is one the analysis can resolve.</summary>
    public static MethodDefinition? Callee(Instruction instruction) =>
        instruction.Opcode is Opcode.Call or Opcode.CallVirt && instruction.Method!.Cecil is { } reference ? MemberFacts.TryResolve(reference) : null;

    private static bool IsFieldWriterCall(Instruction instruction, Func<MethodDefinition, bool> isFieldWriter) =>
        instruction.Opcode == Opcode.Call && Callee(instruction) is { HasThis: true } callee && isFieldWriter(callee);

    /// <summary>An <c>init</c> accessor: it writes through <c>this</c> even in a readonly struct.</summary>
    private static bool IsInitSetter(MethodDefinition method) =>
        method.IsSetter && method.ReturnType is RequiredModifierType { ModifierType.FullName: "System.Runtime.CompilerServices.IsExternalInit" };

    private static int BlockEnd(int[] blockStart, int position)
    {
        for (int b = 0; b + 1 < blockStart.Length; b++)
            if (blockStart[b] <= position && position < blockStart[b + 1]) return blockStart[b + 1];
        return blockStart[^1];
    }

    internal static bool IsReadingUse(Instruction instruction, int operand)
    {
        switch (instruction.Opcode)
        {
            case Opcode.Load or Opcode.LoadField:
                return operand == 0;
            case Opcode.Call or Opcode.CallVirt:
            {
                var callee = instruction.Method!.Cecil is { } reference ? MemberFacts.TryResolve(reference) : null;
                if (callee is null) return false;
                // A constructor called on the address writes the whole struct, even a readonly one's (DateTime's, a span's).
                if (callee.HasThis && operand == 0)
                    return callee.DeclaringType.IsValueType && !IsInitSetter(callee) && !callee.IsConstructor
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

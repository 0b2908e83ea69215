using PeJit.Analysis.Hints;
using PeJit.IR;

namespace PeJit.Analysis.BindingTimes;

/// <summary>
/// Reads an immutable struct field of an object through a copy of it in a local of its own, before the analysis, where
/// the field's address is only read through: C# calls a readonly member of a <c>readonly</c> field's struct on the
/// field's address (<c>program.Functions[0]</c> on an <c>ImmutableArray</c> field is <c>ldflda Functions; call
/// get_Item(&amp;field, 0)</c>, with no copy), and the address of a field of an object is memory that may change to the
/// analysis, so the element read through it was red even on a green object. Through a local's read-only address the
/// call reads the local's value, which is green when the object is (an immutable field of a green object), rule 7.
/// </summary>
/// <remarks>
/// Strategy: for each <c>fieldaddr</c> on an object (not on a struct's address, which rule 7 follows) or
/// <c>staticaddr</c>, of a value-type field that is immutable (<c>readonly</c> or <c>[JitImmutable]</c>), whose every use
/// is a reading use (<see cref="ReadOnlyAddresses.IsReadingUse"/>: a load or field load through it, a readonly member's
/// <c>this</c>, an <c>in</c> argument) later in the same block, the address becomes that of a new local holding the
/// field's value, read where the address was taken. The field never changes and no use can write through the
/// address, so every use reads what it read before; the residual code copies a struct where the original did not.
/// Linear: one pass over the instructions and their uses, and one rebuild of each block that gets a copy.
/// </remarks>
internal static class ImmutableFieldCopies
{
    /// <summary>Rewrites <paramref name="graph"/>'s read-only addresses of immutable struct fields; returns how many.</summary>
    public static int Rewrite(FlowGraph graph)
    {
        var candidates = new Dictionary<Value, (Block Block, Instruction Address)>();
        foreach (var block in graph.Blocks)
            foreach (var instruction in graph[block].Instructions)
                if (IsImmutableStructFieldAddress(graph, instruction)) candidates[instruction.Result!.Value] = (block, instruction);
        if (candidates.Count == 0) return 0;
        // A use that is not a reading one in the address's block, after it, rules the address out.
        var seen = new HashSet<Value>();
        foreach (var block in graph.Blocks)
        {
            seen.Clear();
            foreach (var instruction in graph[block].Instructions)
            {
                for (int o = 0; o < instruction.Operands.Count; o++)
                {
                    var operand = instruction.Operands[o];
                    if (candidates.TryGetValue(operand, out var home)
                        && (home.Block != block || !seen.Contains(operand) || !ReadOnlyAddresses.IsReadingUse(instruction, o)))
                        candidates.Remove(operand);
                }
                foreach (var target in instruction.Targets)
                    foreach (var argument in target.Arguments) candidates.Remove(argument);
                if (instruction.Result is { } result) seen.Add(result);
            }
        }
        // Each block holding a copy is rebuilt once, in order: linear in its instructions however many it holds.
        var addresses = new HashSet<Instruction>(candidates.Values.Select(c => c.Address));
        foreach (var block in candidates.Values.Select(c => c.Block).Distinct().ToList())
        {
            var instructions = graph[block].Instructions;
            var original = instructions.ToArray();
            instructions.Clear();
            foreach (var instruction in original)
            {
                if (addresses.Contains(instruction)) AddCopy(graph, instructions, instruction);
                instructions.Add(instruction);
            }
        }
        return candidates.Count;
    }

    /// <summary>
    /// Appends to <paramref name="instructions"/> the read of <paramref name="address"/>'s field into a new local, and
    /// makes <paramref name="address"/> the local's address: its result, and so every use, stays as it is.
    /// </summary>
    private static void AddCopy(FlowGraph graph, List<Instruction> instructions, Instruction address)
    {
        var fieldType = graph.TypeOf(address.Result!.Value).Element!;
        var copy = graph.AddSlot(fieldType, address.Field!.Name);
        var read = address.Opcode == Opcode.FieldAddr
            ? new Instruction(Opcode.LoadField, address.Operands[0]) { Field = address.Field, Location = address.Location }
            : new Instruction(Opcode.LoadStatic) { Field = address.Field, Location = address.Location };
        var value = graph.SetResult(read, fieldType);
        instructions.Add(read);
        instructions.Add(new Instruction(Opcode.StoreSlot, value) { Slot = copy, Location = address.Location });
        address.Opcode = Opcode.SlotAddr;
        address.Operands.Clear();
        address.Field = null;
        address.Slot = copy;
    }

    private static bool IsImmutableStructFieldAddress(FlowGraph graph, Instruction instruction)
    {
        if (instruction.Opcode is not (Opcode.FieldAddr or Opcode.StaticAddr) || instruction.Result is null) return false;
        if (instruction.Opcode == Opcode.FieldAddr && graph.TypeOf(instruction.Operands[0]).StackKind != StackKind.Reference) return false;
        if (graph.TypeOf(instruction.Result.Value).Element is not { StackKind: StackKind.ValueType }) return false;
        return instruction.Field!.Cecil is { } reference && MemberFacts.TryResolve(reference) is { } field && MemberFacts.IsImmutable(field);
    }
}

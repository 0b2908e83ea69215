using PeJit.IR;

namespace PeJit.Optimizer;

/// <summary>
/// Removes instructions whose results nobody uses and that have no effect: constants, arithmetic that cannot
/// throw, comparisons, <c>typeof</c>, <c>new T?(x)</c>, a value type's store-only construction, a field of a value and an unbox of a boxed unit constant; and loads that cannot throw either, because the same object (for a field) or the same
/// element was already accessed earlier in the block. A load that could throw stays: the residual code must
/// throw where the interpreter would.
/// </summary>
/// <remarks>
/// Cost: linear in the graph's size. Use counts are taken once; removing an instruction decrements its
/// operands' counts and puts a definition whose count reaches zero on a worklist, instead of rescanning the
/// whole graph until nothing changes (which cost a full pass per link of the longest dead chain). Whether an
/// instruction is safe to remove does not depend on what else is removed: a load is safe because an earlier
/// access in its block touched the same object or element, and the first such access is never removable, so
/// the removed set is the one the rescanning fixpoint found.
/// </remarks>
internal static class DeadCode
{
    public static void Run(FlowGraph graph)
    {
        var uses = GraphEdits.UseCounts(graph);
        // The IR's maps and IntPairMap, not dictionaries and sets over values and tuples of them: those are compiled by
        // .NET on the first unit's path (Docs/PERFORMANCE.md, warm-up).
        var removable = new ValueMap<Instruction>(graph.ValueCount);
        var work = new Stack<Instruction>();
        foreach (var block in graph.Blocks)
        {
            var dereferenced = new ValueSet();
            var accessed = new IntPairMap(); // (array, index) pairs, as value indices
            foreach (var instruction in graph[block].Instructions)
            {
                bool safe = (instruction.Info.Flags & OpcodeFlags.Pure) != 0
                    || (instruction.Opcode == Opcode.LoadField && dereferenced.Contains(instruction.Operands[0]))
                    || (instruction.Opcode == Opcode.LoadElement && accessed.TryGetValue(instruction.Operands[0].Index, instruction.Operands[1].Index, out _))
                    || (instruction.Result is { } typeObject && TypeObjects.TypeOf(graph, typeObject) is not null) // typeof(T) cannot throw
                    || NullableValues.IsConstruction(graph, instruction) || StructSlots.IsConstruction(graph, instruction)
                    || StructSlots.IsFieldOfValue(graph, instruction) || TypeObjects.UnboxesUnitConstant(graph, instruction);
                if (safe && instruction.Result is { } result)
                {
                    removable[result] = instruction;
                    if (!uses.ContainsKey(result)) work.Push(instruction);
                }
                switch (instruction.Opcode)
                {
                    case Opcode.LoadField or Opcode.StoreField or Opcode.ArrayLength when graph.TypeOf(instruction.Operands[0]).IsReference:
                        dereferenced.Add(instruction.Operands[0]);
                        break;
                    case Opcode.LoadElement or Opcode.StoreElement:
                        dereferenced.Add(instruction.Operands[0]);
                        accessed.Set(instruction.Operands[0].Index, instruction.Operands[1].Index, 0);
                        break;
                }
            }
        }

        var dead = new HashSet<Instruction>(ReferenceEqualityComparer.Instance);
        while (work.Count > 0)
        {
            var instruction = work.Pop();
            if (!dead.Add(instruction)) continue;
            foreach (var operand in instruction.Operands)
                if (--uses[operand] == 0 && removable.TryGetValue(operand, out var definition)) work.Push(definition);
        }
        if (dead.Count > 0)
            foreach (var block in graph.Blocks) graph[block].Instructions.RemoveAll(dead.Contains);
        graph.Compact();
    }
}

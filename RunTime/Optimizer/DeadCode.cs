using PeJit.IR;

namespace PeJit.Optimizer;

/// <summary>
/// Removes instructions whose results nobody uses and that have no effect: constants, arithmetic that cannot
/// throw, comparisons, <c>typeof</c>, <c>new T?(x)</c>, a value type's store-only construction, a field of a value and an unbox of a boxed unit constant; and loads (and
/// <c>x.GetType()</c>) that cannot throw either, because the same object (for a field) or the same element was already accessed
/// earlier in the block or in a block that dominates it (without exception regions), and a static field's load after an
/// access of a static field of the same class there (the first one ran its class constructor, if it had one to run). A load
/// that could throw stays: the residual code must throw where the interpreter would.
/// </summary>
/// <remarks>
/// Cost: linear in the graph's size. Use counts are taken once; removing an instruction decrements its
/// operands' counts and puts a definition whose count reaches zero on a worklist, instead of rescanning the
/// whole graph until nothing changes (which cost a full pass per link of the longest dead chain). Whether an
/// instruction is safe to remove does not depend on what else is removed: a load is safe because an earlier
/// access in its block or a dominating one touched the same object or element, and the first such access is never
/// removable, so the removed set is the one the rescanning fixpoint found. The dominator tree is walked depth first,
/// each block's additions undone on the way back up: linear too, plus the dominators' computation.
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
        // One set and one map for every block, emptied of what each block put in (not made anew per block, and not
        // cleared whole: a clear costs the size of the largest block, once per block).
        var dereferenced = new ValueSet(graph.ValueCount);
        var dereferencedAdded = new List<Value>();
        var accessed = new IntPairMap(); // (array, index) pairs, as value indices
        var accessedAdded = new List<Instruction>();
        var initialized = new HashSet<string>(StringComparer.Ordinal); // classes whose statics were accessed
        var initializedAdded = new List<string>();
        var blockOf = new int[graph.ValueCount]; // the block defining each removable result
        // Blocks in a depth-first walk of the dominator tree: what a block dereferenced (or accessed) its dominated blocks
        // know too, and forget on the way back up. With exception regions each block alone: a handler's dominator may be
        // the try block whose dereference threw.
        var order = new List<int>();
        if (graph.RegionCount == 0)
        {
            var dominators = PeJit.IR.Graphs.Dominators.Compute(graph);
            var children = new List<int>?[graph.BlockCount];
            foreach (var block in graph.Blocks)
                if (dominators.ImmediateDominator(block) is { } parent) (children[parent.Index] ??= []).Add(block.Index);
            // Entries: -(b + 1) to enter block b, b + 1 to leave it.
            var stack = new List<int> { -1 };
            while (stack.Count > 0)
            {
                int entry = stack[^1];
                stack.RemoveAt(stack.Count - 1);
                order.Add(entry);
                if (entry > 0) continue;
                int b = -entry - 1;
                stack.Add(b + 1);
                if (children[b] is { } below)
                    for (int i = below.Count - 1; i >= 0; i--) stack.Add(-below[i] - 1);
            }
            foreach (var block in graph.Blocks)
                if (!dominators.IsReachable(block) && block.Index != 0)
                {
                    order.Add(-block.Index - 1);
                    order.Add(block.Index + 1);
                }
        }
        else
            foreach (var block in graph.Blocks)
            {
                order.Add(-block.Index - 1);
                order.Add(block.Index + 1);
            }
        var dereferencedMark = new int[graph.BlockCount];
        var accessedMark = new int[graph.BlockCount];
        var initializedMark = new int[graph.BlockCount];
        foreach (int entry in order)
        {
            if (entry > 0)
            {
                int left = entry - 1;
                for (int i = dereferencedAdded.Count - 1; i >= dereferencedMark[left]; i--) dereferenced.Remove(dereferencedAdded[i]);
                dereferencedAdded.RemoveRange(dereferencedMark[left], dereferencedAdded.Count - dereferencedMark[left]);
                for (int i = accessedAdded.Count - 1; i >= accessedMark[left]; i--)
                    accessed.Remove(accessedAdded[i].Operands[0].Index, accessedAdded[i].Operands[1].Index);
                accessedAdded.RemoveRange(accessedMark[left], accessedAdded.Count - accessedMark[left]);
                for (int i = initializedAdded.Count - 1; i >= initializedMark[left]; i--) initialized.Remove(initializedAdded[i]);
                initializedAdded.RemoveRange(initializedMark[left], initializedAdded.Count - initializedMark[left]);
                continue;
            }
            var block = new Block(-entry - 1);
            dereferencedMark[block.Index] = dereferencedAdded.Count;
            accessedMark[block.Index] = accessedAdded.Count;
            initializedMark[block.Index] = initializedAdded.Count;
            foreach (var instruction in graph[block].Instructions)
            {
                bool safe = (instruction.Info.Flags & OpcodeFlags.Pure) != 0
                    || (instruction.Opcode == Opcode.LoadField && dereferenced.Contains(instruction.Operands[0]))
                    || (instruction.Opcode == Opcode.LoadElement && accessed.TryGetValue(instruction.Operands[0].Index, instruction.Operands[1].Index, out _))
                    || (IsGetType(instruction) && dereferenced.Contains(instruction.Operands[0]))
                    || (instruction.Opcode == Opcode.LoadStatic && initialized.Contains(instruction.Field!.DeclaringTypeName))
                    || (instruction.Result is { } typeObject && TypeObjects.TypeOf(graph, typeObject) is not null) // typeof(T) cannot throw
                    || NullableValues.IsConstruction(graph, instruction) || StructSlots.IsConstruction(graph, instruction)
                    || StructSlots.IsFieldOfValue(graph, instruction) || TypeObjects.UnboxesUnitConstant(graph, instruction);
                if (safe && instruction.Result is { } result)
                {
                    removable[result] = instruction;
                    if (result.Index < blockOf.Length) blockOf[result.Index] = block.Index;
                    if (!uses.ContainsKey(result)) work.Push(instruction);
                }
                switch (instruction.Opcode)
                {
                    case Opcode.LoadField or Opcode.StoreField or Opcode.ArrayLength when graph.TypeOf(instruction.Operands[0]).IsReference:
                        if (dereferenced.Add(instruction.Operands[0])) dereferencedAdded.Add(instruction.Operands[0]);
                        break;
                    case Opcode.LoadElement or Opcode.StoreElement:
                        if (dereferenced.Add(instruction.Operands[0])) dereferencedAdded.Add(instruction.Operands[0]);
                        if (!accessed.TryGetValue(instruction.Operands[0].Index, instruction.Operands[1].Index, out _))
                        {
                            accessed.Set(instruction.Operands[0].Index, instruction.Operands[1].Index, 0);
                            accessedAdded.Add(instruction);
                        }
                        break;
                    case Opcode.LoadStatic or Opcode.StoreStatic or Opcode.StaticAddr:
                        if (initialized.Add(instruction.Field!.DeclaringTypeName)) initializedAdded.Add(instruction.Field!.DeclaringTypeName);
                        break;
                    case Opcode.Call or Opcode.CallVirt when IsGetType(instruction):
                        if (dereferenced.Add(instruction.Operands[0])) dereferencedAdded.Add(instruction.Operands[0]);
                        break;
                }
            }
        }

        // Dead instructions all have results: a set of results, not a hash set of instructions (an object hash code
        // per test), and only the blocks holding one are filtered.
        var dead = new ValueSet(graph.ValueCount);
        var touched = new BlockSet();
        while (work.Count > 0)
        {
            var instruction = work.Pop();
            var result = instruction.Result!.Value;
            if (!dead.Add(result)) continue;
            touched.Add(new Block(result.Index < blockOf.Length ? blockOf[result.Index] : 0));
            foreach (var operand in instruction.Operands)
                if (--uses[operand] == 0 && removable.TryGetValue(operand, out var definition)) work.Push(definition);
        }
        if (dead.Count > 0)
        {
            Predicate<Instruction> isDead = i => i.Result is { } r && dead.Contains(r) && removable.TryGetValue(r, out var d) && ReferenceEquals(d, i);
            foreach (var block in touched) graph[block].Instructions.RemoveAll(isDead);
        }
        graph.Compact();
    }

    /// <summary>
    /// <c>x.GetType()</c>: it throws only when x is null, so with x dereferenced before it is removable, and after it x is
    /// known not null (a class test's call a decided copy of the test left behind, in a loop, is a call on every turn).
    /// </summary>
    private static bool IsGetType(Instruction instruction) =>
        instruction is { Opcode: Opcode.Call or Opcode.CallVirt, Operands.Count: 1 } && instruction.Method!.FullName == "System.Type System.Object::GetType()";
}

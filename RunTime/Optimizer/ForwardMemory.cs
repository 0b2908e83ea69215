using PeJit.IR;

namespace PeJit.Optimizer;

/// <summary>
/// Load/store forwarding within a block: a load of a field or array element that the block stored (or
/// loaded) before, with nothing in between that may have changed it, is replaced by that value. A store may
/// alias any other object's same field, or any array element, so it forgets those; calls,
/// allocations and stores through addresses forget everything, except the fields of an object this block made with
/// <c>allocate</c> (an inlined constructor's object) that nothing but its own field loads and stores has used since:
/// no other value refers to it, so no call can reach it (an interpreter's new frame keeps its register array across the
/// <c>Array.Fill</c> that fills it). A store of the value an element already holds is removed.
/// </summary>
/// <remarks>Cost: one pass over the instructions, one replacement of uses and one removal; a store forgets the entries it may alias by scanning what the block knows, so a block is quadratic in its own number of stores and accesses at worst, and the graph linear when blocks are bounded (a residual block is one interpreted loop body).</remarks>
internal static class ForwardMemory
{
    /// <summary>An integer value as a root plus a constant, following additions and subtractions of constants.</summary>
    private static (Value Root, long Offset) Offset(FlowGraph graph, Value value)
    {
        long offset = 0;
        while (graph[value].DefiningInstruction is { Opcode: Opcode.Add or Opcode.Sub } arithmetic
               && graph[arithmetic.Operands[1]].DefiningInstruction is { Opcode: Opcode.Const } constant
               && graph.TypeOf(value).StackKind == StackKind.Int32)
        {
            offset += arithmetic.Opcode == Opcode.Add ? constant.Integer : -constant.Integer;
            value = arithmetic.Operands[0];
        }
        return (value, offset);
    }

    public static void Run(FlowGraph graph)
    {
        var replacement = new ValueToValueMap();
        var redundant = new HashSet<Instruction>(ReferenceEqualityComparer.Instance);
        Value Find(Value v)
        {
            while (replacement.TryGetValue(v, out var next)) v = next;
            return v;
        }
        // What the block knows, by value index: (object, field number) and (array, index) to the value held. Maps of
        // PeJit's own (IntPairMap says why), not dictionaries over tuples of values.
        var fieldNumbers = new Dictionary<string, int>(StringComparer.Ordinal);
        var fields = new IntPairMap();
        var elements = new IntPairMap();
        var statics = new KeyedValues<string>();
        // Objects this block allocated that have been used only as the object of their own field loads and stores.
        var unshared = new HashSet<int>();
        foreach (var block in graph.Blocks)
        {
            fields.Clear();
            elements.Clear();
            statics.Clear();
            unshared.Clear();
            foreach (var instruction in graph[block].Instructions)
            {
                if (unshared.Count > 0)
                    for (int position = 0; position < instruction.Operands.Count; position++)
                        if (!(position == 0 && instruction.Opcode is Opcode.LoadField or Opcode.StoreField))
                            unshared.Remove(Find(instruction.Operands[position]).Index);
                switch (instruction.Opcode)
                {
                    case Opcode.LoadField when graph.TypeOf(instruction.Operands[0]).IsReference:
                        Forward(fields, Find(instruction.Operands[0]).Index, FieldNumber(instruction.Field!.FullName), instruction.Result!.Value);
                        break;
                    case Opcode.StoreField:
                    {
                        int field = FieldNumber(instruction.Field!.FullName);
                        for (int position = 0; position < fields.Positions; position++)
                            if (fields.IsLive(position) && fields.RightAt(position) == field) fields.Remove(fields.LeftAt(position), field);
                        if (graph.TypeOf(instruction.Operands[0]).IsReference)
                            fields.Set(Find(instruction.Operands[0]).Index, field, Find(instruction.Operands[1]).Index);
                        break;
                    }
                    case Opcode.LoadElement:
                        Forward(elements, Find(instruction.Operands[0]).Index, Find(instruction.Operands[1]).Index, instruction.Result!.Value);
                        break;
                    case Opcode.StoreElement when elements.TryGetValue(Find(instruction.Operands[0]).Index, Find(instruction.Operands[1]).Index, out int held)
                                                  && held == Find(instruction.Operands[2]).Index:
                        // The element already holds this value (stored or loaded earlier, nothing in between): the store is a no-op.
                        redundant.Add(instruction);
                        break;
                    case Opcode.StoreElement:
                    {
                        // Any element may alias (another array value may be the same array; a byte array is stored as
                        // i8 and read as u8), except one of the same array at an index provably different: the same
                        // root plus another constant (sp + 1 is not sp).
                        var array = Find(instruction.Operands[0]);
                        var index = Offset(graph, Find(instruction.Operands[1]));
                        for (int position = 0; position < elements.Positions; position++)
                        {
                            if (!elements.IsLive(position)) continue;
                            var other = Offset(graph, new Value(elements.RightAt(position)));
                            if (elements.LeftAt(position) != array.Index || other.Root != index.Root || other.Offset == index.Offset)
                                elements.Remove(elements.LeftAt(position), elements.RightAt(position));
                        }
                        elements.Set(array.Index, Find(instruction.Operands[1]).Index, Find(instruction.Operands[2]).Index);
                        break;
                    }
                    case Opcode.LoadStatic:
                    {
                        var load = instruction.Result!.Value;
                        if (statics.TryGetValue(instruction.Field!.FullName, out var value) && graph.TypeOf(value) == graph.TypeOf(load)) replacement[load] = value;
                        else statics[instruction.Field!.FullName] = load;
                        break;
                    }
                    case Opcode.StoreStatic:
                        statics[instruction.Field!.FullName] = Find(instruction.Operands[0]);
                        break;
                    default:
                        // A call of a method that writes no memory (MethodRef.ReadsOnly, pure or not) changes no value known here.
                        if ((instruction.Info.Flags & (OpcodeFlags.WritesMemory | OpcodeFlags.Call | OpcodeFlags.Allocates)) != 0
                            && !(instruction.Opcode is Opcode.Call or Opcode.CallVirt or Opcode.ConstrainedCall && instruction.Method!.ReadsOnly))
                        {
                            if (unshared.Count == 0) fields.Clear();
                            else
                                for (int position = 0; position < fields.Positions; position++)
                                    if (fields.IsLive(position) && !unshared.Contains(fields.LeftAt(position))) fields.Remove(fields.LeftAt(position), fields.RightAt(position));
                            elements.Clear();
                            statics.Clear();
                        }
                        if (instruction is { Opcode: Opcode.Allocate, Result: { } allocated }) unshared.Add(allocated.Index);
                        break;
                }
            }
        }
        foreach (var block in graph.Blocks) graph[block].Instructions.RemoveAll(redundant.Contains);
        GraphEdits.Replace(graph, replacement);

        int FieldNumber(string field)
        {
            if (!fieldNumbers.TryGetValue(field, out int number)) fieldNumbers[field] = number = fieldNumbers.Count;
            return number;
        }

        // A known value replaces the load only when it has the load's type: a value stored through a narrower
        // element type (an int into a byte array) reads back truncated, so it is not forwarded.
        void Forward(IntPairMap known, int first, int second, Value load)
        {
            if (known.TryGetValue(first, second, out int held) && graph.TypeOf(new Value(held)) == graph.TypeOf(load)) replacement[load] = new Value(held);
            else known.Set(first, second, load.Index);
        }
    }
}

using PeJit.IR;

namespace PeJit.Optimizer;

/// <summary>
/// Load/store forwarding within a block: a load of a field or array element that the block stored (or
/// loaded) before, with nothing in between that may have changed it, is replaced by that value. A store may
/// alias any other object's same field, or any array element, so it forgets those; calls,
/// allocations and stores through addresses forget everything. A store of the value an element already
/// holds is removed.
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
        var replacement = new Dictionary<Value, Value>();
        var redundant = new HashSet<Instruction>(ReferenceEqualityComparer.Instance);
        Value Find(Value v)
        {
            while (replacement.TryGetValue(v, out var next)) v = next;
            return v;
        }
        foreach (var block in graph.Blocks)
        {
            var fields = new Dictionary<(Value Target, string Field), Value>();
            var elements = new Dictionary<(Value Array, Value Index), Value>();
            var statics = new Dictionary<string, Value>();
            foreach (var instruction in graph[block].Instructions)
            {
                switch (instruction.Opcode)
                {
                    case Opcode.LoadField when graph.TypeOf(instruction.Operands[0]).IsReference:
                    {
                        var key = (Find(instruction.Operands[0]), instruction.Field!.FullName);
                        Forward(fields, key, instruction.Result!.Value);
                        break;
                    }
                    case Opcode.StoreField:
                    {
                        var field = instruction.Field!.FullName;
                        foreach (var stale in fields.Keys.Where(k => k.Field == field).ToList()) fields.Remove(stale);
                        if (graph.TypeOf(instruction.Operands[0]).IsReference)
                            fields[(Find(instruction.Operands[0]), field)] = Find(instruction.Operands[1]);
                        break;
                    }
                    case Opcode.LoadElement:
                    {
                        var key = (Find(instruction.Operands[0]), Find(instruction.Operands[1]));
                        Forward(elements, key, instruction.Result!.Value);
                        break;
                    }
                    case Opcode.StoreElement when elements.TryGetValue((Find(instruction.Operands[0]), Find(instruction.Operands[1])), out var held)
                                                  && held == Find(instruction.Operands[2]):
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
                        foreach (var stale in elements.Keys.Where(k => k.Array != array || Offset(graph, k.Index) is var other
                                     && (other.Root != index.Root || other.Offset == index.Offset)).ToList())
                            elements.Remove(stale);
                        elements[(array, Find(instruction.Operands[1]))] = Find(instruction.Operands[2]);
                        break;
                    }
                    case Opcode.LoadStatic:
                        Forward(statics, instruction.Field!.FullName, instruction.Result!.Value);
                        break;
                    case Opcode.StoreStatic:
                        statics[instruction.Field!.FullName] = Find(instruction.Operands[0]);
                        break;
                    default:
                        if ((instruction.Info.Flags & (OpcodeFlags.WritesMemory | OpcodeFlags.Call | OpcodeFlags.Allocates)) != 0)
                        {
                            fields.Clear();
                            elements.Clear();
                            statics.Clear();
                        }
                        break;
                }
            }
        }
        foreach (var block in graph.Blocks) graph[block].Instructions.RemoveAll(redundant.Contains);
        GraphEdits.Replace(graph, replacement);

        // A known value replaces the load only when it has the load's type: a value stored through a narrower
        // element type (an int into a byte array) reads back truncated, so it is not forwarded.
        void Forward<TKey>(Dictionary<TKey, Value> known, TKey key, Value load) where TKey : notnull
        {
            if (known.TryGetValue(key, out var value) && graph.TypeOf(value) == graph.TypeOf(load)) replacement[load] = value;
            else known[key] = load;
        }
    }
}

using PeJit.IR;
using PeJit.IR.Graphs;

namespace PeJit.Optimizer;

/// <summary>
/// The pass <c>readonly</c>: a load of a <c>readonly</c> instance field of an object that a dominating load of the same
/// field of the same object already read is that load's result, and is removed: the first load did not throw, so the object
/// is not null, and the field has not changed since the constructor (a Lua for loop's limit and step boxes, read on
/// every turn of the loop after its peeled first turn read them). Unlike <c>cse</c> and <c>forward</c>, this holds across
/// calls and stores, which cannot write a <c>readonly</c> field; it is what lets <c>hoist</c> move the tests computed from
/// such a field (the step's sign) out of a loop with calls.
/// </summary>
/// <remarks>
/// Whether a field is <c>readonly</c> is asked of <see cref="FlowGraph.Members"/> (without it, nothing changes). A field
/// written by reflection after construction is not supported (as in .NET's own JIT for <c>static readonly</c>).
/// A field the graph itself stores anywhere is left alone.
/// Cost: one scan for stores, one walk of the blocks in reverse post-order, a map from (object, field) to the loads seen, each candidate compared
/// with those of its key only.
/// </remarks>
internal static class ReadOnlyLoads
{
    public static void Run(FlowGraph graph)
    {
        if (graph.Members is not { } members || graph.RegionCount > 0) return;
        var readOnly = new Dictionary<FieldRef, bool>();
        // A readonly field the graph stores (a constructor inlined, an object allocation removal made where it escapes) is
        // written here, so a load before the store and one after may differ: such a field is not taken as unchanging.
        foreach (var block in graph.Blocks)
            foreach (var instruction in graph[block].Instructions)
                if (instruction is { Opcode: Opcode.StoreField, Field: { } stored }) readOnly[stored] = false;
        var seen = new Dictionary<(int Object, FieldRef Field), List<(Block Block, Value Result)>>();
        var replacement = new ValueToValueMap();
        var removed = new HashSet<Instruction>(ReferenceEqualityComparer.Instance);
        var dominators = Dominators.Compute(graph);
        foreach (var block in dominators.ReversePostOrder)
            foreach (var instruction in graph[block].Instructions)
            {
                if (instruction is not { Opcode: Opcode.LoadField, Field: { } field, Result: { } result } || instruction.Operands.Count != 1
                    || !graph.TypeOf(instruction.Operands[0]).IsReference || !IsReadOnly(members, field, readOnly)) continue;
                var key = (instruction.Operands[0].Index, field);
                if (!seen.TryGetValue(key, out var loads)) seen[key] = loads = [];
                Value? earlier = null;
                foreach (var (other, value) in loads)
                    if (other == block || dominators.Dominates(other, block))
                    {
                        earlier = value;
                        break;
                    }
                if (earlier is { } first && graph.TypeOf(first) == graph.TypeOf(result))
                {
                    replacement[result] = first;
                    removed.Add(instruction);
                }
                else loads.Add((block, result));
            }
        if (removed.Count == 0) return;
        foreach (var block in graph.Blocks) graph[block].Instructions.RemoveAll(removed.Contains);
        GraphEdits.Replace(graph, replacement);
        graph.Compact();
    }

    private static bool IsReadOnly(IR.Semantics.IMemberResolver members, FieldRef field, Dictionary<FieldRef, bool> known)
    {
        if (known.TryGetValue(field, out bool readOnly)) return readOnly;
        try
        {
            var info = members.ResolveField(field);
            readOnly = info.IsInitOnly && !info.IsStatic;
        }
        catch (Exception e) when (e is TypeLoadException or ArgumentException or InvalidOperationException or NotSupportedException or MissingFieldException or System.IO.IOException)
        {
            readOnly = false;
        }
        known[field] = readOnly;
        return readOnly;
    }
}

using Mono.Cecil;
using PeJit.IR;

namespace PeJit.Analysis.BindingTimes;

/// <summary>
/// Which struct methods only store fields of <c>this</c>: init-only and ordinary setters, and small mutating
/// methods (<c>Count++</c>, <c>Acc += x</c>). The C# compiler calls them on a local's address (a <c>with</c>
/// expression copies the struct into a temporary and calls the init setters on the temporary's address), and
/// such a call, on a green slot with green arguments, is a write the specializer performs on its compile-time
/// copy of the struct (<see cref="ContextAnalyzer"/>, rule 7).
/// </summary>
/// <remarks>
/// Strategy: one scan of the callee's flow graph, O(instructions), cached per method by the analysis. A field
/// writer is an instance method of a value type whose body reads only its arguments, its own locals and the
/// fields of <c>this</c>, writes only fields of <c>this</c>, calls only helpers (not on <c>this</c>: a setter calling a
/// static helper), allocates nothing, and does not pass
/// <c>this</c> on. Without calls, everything it computes is green when <c>this</c> and its arguments are; a helper it
/// calls may compute a red value from green arguments, which its annotated graph records
/// (<see cref="AnnotatedGraph.RedStoreThroughThis"/>), and its callers make the fields it writes red then.
/// </remarks>
internal static class FieldWriters
{
    /// <summary>True when <paramref name="method"/>, whose flow graph is <paramref name="graph"/>, only stores fields of <c>this</c>.</summary>
    public static bool OnlyStoresFieldsOfThis(MethodDefinition method, FlowGraph graph)
    {
        if (!method.HasThis || !method.DeclaringType.IsValueType || graph.Parameters.Count == 0) return false;
        var self = graph.Parameters[0];
        bool stores = false;
        foreach (var block in graph.Blocks)
            foreach (var instruction in graph[block].Instructions)
            {
                foreach (var target in instruction.Targets)
                    if (target.Arguments.Contains(self)) return false;
                switch (instruction.Opcode)
                {
                    case Opcode.LoadField or Opcode.StoreField:
                        if (instruction.Operands[0] != self) return false;
                        for (int i = 1; i < instruction.Operands.Count; i++)
                            if (instruction.Operands[i] == self) return false;
                        stores |= instruction.Opcode == Opcode.StoreField;
                        continue;
                    case Opcode.LoadSlot or Opcode.StoreSlot or Opcode.Return or Opcode.Jump or Opcode.BrIf or Opcode.Switch:
                        break;
                    case Opcode.Call:
                        // A helper it calls (not on this): inlined and specialized as any call; a red value it computes is
                        // seen by the analysis (AnnotatedGraph.RedStoreThroughThis), so no write of it is taken for green.
                        break;
                    default:
                        if ((instruction.Info.Flags & (OpcodeFlags.ReadsMemory | OpcodeFlags.WritesMemory | OpcodeFlags.Call | OpcodeFlags.Allocates)) != 0)
                            return false;
                        if (instruction.Opcode is Opcode.SlotAddr or Opcode.FieldAddr or Opcode.StaticAddr or Opcode.ElementAddr) return false;
                        break;
                }
                if (instruction.Operands.Contains(self)) return false;
            }
        return stores;
    }

    /// <summary>
    /// Which fields of <c>this</c> <paramref name="method"/> (flow graph <paramref name="graph"/>) reads and writes:
    /// exact when <c>this</c> is used only as the target of <c>ldfld</c> and <c>stfld</c>; <see cref="FieldAccess.Unknown"/>
    /// otherwise (it is passed on, its address is taken, the whole struct is read or written, or the method is no
    /// struct method). One scan of the graph.
    /// </summary>
    public static FieldAccess AccessOfThis(MethodDefinition method, FlowGraph? graph)
    {
        if (graph is null || !method.HasThis || !method.DeclaringType.IsValueType || graph.Parameters.Count == 0) return FieldAccess.Unknown;
        var self = graph.Parameters[0];
        var reads = new HashSet<string>();
        var writes = new HashSet<string>();
        foreach (var block in graph.Blocks)
            foreach (var instruction in graph[block].Instructions)
            {
                foreach (var target in instruction.Targets)
                    if (target.Arguments.Contains(self)) return FieldAccess.Unknown;
                for (int i = 0; i < instruction.Operands.Count; i++)
                {
                    if (instruction.Operands[i] != self) continue;
                    if (i != 0 || instruction.Opcode is not (Opcode.LoadField or Opcode.StoreField)) return FieldAccess.Unknown;
                    (instruction.Opcode == Opcode.LoadField ? reads : writes).Add(instruction.Field!.Name);
                }
            }
        return new FieldAccess(reads, writes);
    }
}

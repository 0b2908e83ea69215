namespace PeJit.IR.Semantics;

/// <summary>Which <see cref="ArrayHelper"/> a residual call is: by the method's declaring type, name and parameter types.</summary>
public static class ArrayHelperCalls
{
    /// <summary>The helper <paramref name="instruction"/> calls, or <see cref="ArrayHelper.None"/> (not a call, or a call of anything else).</summary>
    public static ArrayHelper Of(Instruction instruction)
    {
        if (instruction.Opcode != Opcode.Call || instruction.Result is not null || instruction.Method is not { HasThis: false } method
            || method.DeclaringTypeName != "System.Array") return ArrayHelper.None;
        string full = method.FullName;
        string parameters = full[full.IndexOf('(', full.IndexOf("::", StringComparison.Ordinal))..];
        return (method.Name, parameters) switch
        {
            ("Fill", "(!!0[],!!0)") => ArrayHelper.Fill,
            ("Clear", "(System.Array)") => ArrayHelper.ClearAll,
            ("Clear", "(System.Array,System.Int32,System.Int32)") => ArrayHelper.Clear,
            ("Copy", "(System.Array,System.Array,System.Int32)") => ArrayHelper.CopyFromStart,
            ("Copy", "(System.Array,System.Int32,System.Array,System.Int32,System.Int32)") => ArrayHelper.Copy,
            _ => ArrayHelper.None,
        };
    }

    /// <summary>
    /// What an <see cref="ArrayHelper.Copy"/> of <paramref name="count"/> elements at constant indices does, as element
    /// loads and stores: every element read first, then every one written (so a copy within one array moves what was
    /// there before it). The caller has checked the indices and the length against the destination; a short or null
    /// source throws from a load, not as <c>Array.Copy</c>'s <c>ArgumentException</c>.
    /// </summary>
    public static List<Instruction> ElementMoves(FlowGraph graph, Value source, long sourceIndex, Value destination, long destinationIndex, long count,
                                                 IrType element, SourceLocation location)
    {
        var moved = new List<Instruction>();
        var loaded = new List<Value>();
        for (long k = 0; k < count; k++)
        {
            var index = new Instruction(Opcode.Const) { Integer = sourceIndex + k, Location = location };
            moved.Add(index);
            var load = new Instruction(Opcode.LoadElement, source, graph.SetResult(index, IrType.I32)) { TypeOperand = element, Location = location };
            moved.Add(load);
            loaded.Add(graph.SetResult(load, element));
        }
        for (int k = 0; k < loaded.Count; k++)
        {
            var position = new Instruction(Opcode.Const) { Integer = destinationIndex + k, Location = location };
            moved.Add(position);
            moved.Add(new Instruction(Opcode.StoreElement, destination, graph.SetResult(position, IrType.I32), loaded[k]) { TypeOperand = element, Location = location });
        }
        return moved;
    }
}

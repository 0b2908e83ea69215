using PeJit.IR;
using PeJit.IR.Semantics;

namespace PeJit.Specializer.Engine;

internal static partial class SelfCallShapes
{
    /// <summary>How many elements a helper call may write to be turned into element stores (an interpreter's register file).</summary>
    private const int MaxExpandedElements = 64;

    /// <summary>
    /// <c>System.Array::Fill&lt;T&gt;(T[], T)</c> and <c>System.Array::Copy(Array, int, Array, int, int)</c> whose destination is
    /// an array made with a constant length (at most <see cref="MaxExpandedElements"/>), at constant indices within it, become
    /// the element loads and stores they do: a frame's registers filled with nil and the arguments copied in are then
    /// stores into a fresh object, which a shape records (rule 1). The copy's source and destination are of one array
    /// type, every source element is read before any is written (as an overlapping copy requires), and the destination
    /// is written with its element type's <c>stelem</c>, which checks what <c>Fill</c> and <c>Copy</c> check. What differs:
    /// a source too short, or null, throws <see cref="IndexOutOfRangeException"/> or <see cref="NullReferenceException"/>
    /// where <c>Copy</c> throws an <see cref="ArgumentException"/> (an interpreter that copies out of bounds is wrong either way).
    /// </summary>
    private static void ExpandArrayHelpers(FlowGraph graph)
    {
        foreach (var block in graph.Blocks)
        {
            var instructions = graph[block].Instructions;
            for (int i = 0; i < instructions.Count; i++)
            {
                var call = instructions[i];
                var expanded = ArrayHelperCalls.Of(call) switch
                {
                    ArrayHelper.Fill => ExpandFill(graph, call),
                    ArrayHelper.Copy => ExpandCopy(graph, call),
                    _ => null,
                };
                if (expanded is null) continue;
                instructions.RemoveAt(i);
                instructions.InsertRange(i, expanded);
                i += expanded.Count - 1;
            }
        }
    }

    /// <summary>The allocation of <paramref name="array"/> (null when not such) and its length, when a <c>newarr</c> of a constant length short enough makes it.</summary>
    private static Instruction? ShortArray(FlowGraph graph, Value array, out long length)
    {
        length = -1;
        if (graph[array].DefiningInstruction is not { Opcode: Opcode.NewArray } allocation || allocation.TypeOperand is not { } element
            || element.Kind == TypeKind.GenericParameter || IntegerConstant(graph, allocation.Operands[0]) is not { } constant
            || constant is < 0 or > MaxExpandedElements)
            return null;
        length = constant;
        return allocation;
    }

    private static List<Instruction>? ExpandFill(FlowGraph graph, Instruction call)
    {
        if (ShortArray(graph, call.Operands[0], out long length) is not { } destination) return null;
        var stores = new List<Instruction>();
        for (long k = 0; k < length; k++)
            stores.AddRange(StoreElement(graph, call.Operands[0], k, call.Operands[1], destination.TypeOperand!, call.Location));
        return stores;
    }

    private static List<Instruction>? ExpandCopy(FlowGraph graph, Instruction call)
    {
        var (source, destinationArray) = (call.Operands[0], call.Operands[2]);
        if (ShortArray(graph, destinationArray, out long length) is not { } destination || !graph.TypeOf(source).Equals(graph.TypeOf(destinationArray))
            || IntegerConstant(graph, call.Operands[1]) is not { } sourceIndex || IntegerConstant(graph, call.Operands[3]) is not { } destinationIndex
            || IntegerConstant(graph, call.Operands[4]) is not { } count
            || sourceIndex is < 0 or > int.MaxValue - MaxExpandedElements || destinationIndex < 0 || count < 0
            || destinationIndex + count > length) return null;
        return ArrayHelperCalls.ElementMoves(graph, source, sourceIndex, destinationArray, destinationIndex, count, destination.TypeOperand!, call.Location);
    }

    private static Instruction[] StoreElement(FlowGraph graph, Value array, long index, Value value, IrType element, SourceLocation location)
    {
        var position = new Instruction(Opcode.Const) { Integer = index, Location = location };
        var store = new Instruction(Opcode.StoreElement, array, graph.SetResult(position, IrType.I32), value) { TypeOperand = element, Location = location };
        return [position, store];
    }
}

using PeJit.IR;
using PeJit.IR.Semantics;

namespace PeJit.Optimizer;

/// <summary>
/// <c>System.Array::Copy(Array, int, Array, int, int)</c> into an array the unit made with a constant length (at most
/// <see cref="MaxElements"/>), at constant indices within it, from an array of the same type, becomes the element loads
/// and stores it does: all loads first, then the stores (as an overlapping copy requires). Allocation removal takes apart
/// a new array whose uses are element accesses at constant indices, but a copy whose source is a real array (an
/// interpreter copying a call's arguments from the caller's registers into the callee's new ones) escapes it, and with it
/// the callee's frame that holds it.
/// </summary>
/// <remarks>
/// What differs from the call, as in the specializer's shaped self-calls (<c>SelfCallShapes.ArrayHelpers</c>): a source
/// that is null or too short throws <see cref="NullReferenceException"/> or <see cref="IndexOutOfRangeException"/> from
/// the loads where <c>Copy</c> throws an <see cref="ArgumentException"/>; an interpreter that copies out of bounds is
/// wrong either way. The destination's bounds are checked here (it is a constant-length array), and the source and the
/// destination have one array type, so no element can fail the store's type check that <c>Copy</c> would not fail.
/// Cost: one pass over the instructions.
/// </remarks>
internal static class ExpandArrayCopies
{
    /// <summary>Longer copies stay calls: each element becomes two instructions.</summary>
    private const int MaxElements = 64;

    public static void Run(FlowGraph graph)
    {
        foreach (var block in graph.Blocks)
        {
            var instructions = graph[block].Instructions;
            for (int i = 0; i < instructions.Count; i++)
            {
                if (ArrayHelperCalls.Of(instructions[i]) != ArrayHelper.Copy || Expand(graph, instructions[i]) is not { } expanded) continue;
                instructions.RemoveAt(i);
                instructions.InsertRange(i, expanded);
                i += expanded.Count - 1;
            }
        }
    }

    private static List<Instruction>? Expand(FlowGraph graph, Instruction call)
    {
        var (source, destination) = (call.Operands[0], call.Operands[2]);
        if (graph[destination].DefiningInstruction is not { Opcode: Opcode.NewArray, TypeOperand: { } element } allocation
            || element.Kind == TypeKind.GenericParameter || GraphEdits.IntegerConstant(graph, allocation.Operands[0]) is not { } length
            || length is < 0 or > MaxElements || !graph.TypeOf(source).Equals(graph.TypeOf(destination))
            || GraphEdits.IntegerConstant(graph, call.Operands[1]) is not { } sourceIndex || GraphEdits.IntegerConstant(graph, call.Operands[3]) is not { } destinationIndex
            || GraphEdits.IntegerConstant(graph, call.Operands[4]) is not { } count
            || sourceIndex is < 0 or > int.MaxValue - MaxElements || destinationIndex < 0 || count < 0 || destinationIndex + count > length)
            return null;
        return ArrayHelperCalls.ElementMoves(graph, source, sourceIndex, destination, destinationIndex, count, element, call.Location);
    }
}

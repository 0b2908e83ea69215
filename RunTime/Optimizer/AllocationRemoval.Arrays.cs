using PeJit.IR;
using PeJit.IR.Semantics;

namespace PeJit.Optimizer;

/// <summary>
/// Allocation removal of arrays: a <c>newarr</c> of a constant length (at most <see cref="MaxVirtualLength"/>) is
/// a candidate like an object, with one field per element (named <c>[i]</c>). A longer one (at most
/// <see cref="MaxSparseLength"/>: an interpreter's operand stack, of which a function touches a few slots) is a candidate
/// whose fields are only the elements accessed at constant indices; the helpers below are escapes for it. Uses that do not escape: <c>ldelem</c>
/// and <c>stelem</c> at a constant index within the length (a <c>stelem</c> of the array's own element type, with a
/// value of exactly that type or of a class the run-time classes say derives from it, so no covariance check can fail:
/// the element's variable has the element type), <c>ldlen</c> (the constant), and the array helpers
/// below with constant indices and lengths within bounds. Any other use (a non-constant index, another call, an
/// exit's state) makes the array there with its exact contents: <c>newarr</c>, then a <c>stelem</c> per element.
/// </summary>
/// <remarks>
/// Helpers, recognized by declaring type and signature (<see cref="Helper"/>), each a set of element moves:
/// <list type="bullet">
/// <item><c>System.Array::Fill&lt;T&gt;(T[], T)</c>: every element is the value (of the element type or a class derived from it).</item>
/// <item><c>System.Array::Clear(Array)</c> and <c>Clear(Array, int, int)</c>: the elements are the default.</item>
/// <item><c>System.Array::Copy(Array, Array, int)</c> and <c>Copy(Array, int, Array, int, int)</c>: both arrays
/// virtual, of one element type; all sources are read before any destination is written, as overlapping
/// copies within one array require.</item>
/// </list>
/// A copy between two groups that one of them escapes somewhere keeps both (<c>Run</c>, step 4): making one array
/// in the middle of the copy would need the other made too, where it was decided virtual.
/// </remarks>
internal static partial class AllocationRemoval
{
    /// <summary>Longer arrays stay allocated: each element becomes a variable, and a merge a block parameter.</summary>
    private const int MaxVirtualLength = 64;

    /// <summary>
    /// Longer arrays are candidates with a field per element accessed (not one per element): a stack VM's 256-slot
    /// operand stack in a callee that starts with an empty stack (a direct self-call's callee frame, whose stack
    /// pointer is a constant) is read and written at a few constant indices. The elements never accessed are the
    /// default, which is what <c>newarr</c> makes where the array escapes.
    /// </summary>
    private const int MaxSparseLength = 4096;

    private static string Element(long index) => "[" + index + "]";

    /// <summary>One element written by a helper: from the operand at <see cref="SourcePosition"/> (its element
    /// <see cref="SourceIndex"/> when it is an array, the value itself when -1), or the default when the position is -1.</summary>
    private readonly record struct ElementMove(int ArrayPosition, long Index, int SourcePosition, long SourceIndex);

    /// <summary>A <c>newarr</c> of a constant length, short enough to take apart.</summary>
    private static bool IsVirtualArray(FlowGraph graph, Instruction instruction) =>
        instruction is { Opcode: Opcode.NewArray, Result: { } result } && graph.TypeOf(result).IsReference
        && instruction.TypeOperand!.Kind != TypeKind.GenericParameter
        && GraphEdits.IntegerConstant(graph, instruction.Operands[0]) is >= 0 and <= MaxSparseLength;

    /// <summary>A <c>null</c>, <c>default</c> or integer zero: what a new array's element already is.</summary>
    private static bool IsPlainDefault(FlowGraph graph, Value value) => graph[value].DefiningInstruction switch
    {
        { Opcode: Opcode.Null or Opcode.Default } => true,
        { Opcode: Opcode.Const, Integer: 0 } => graph.TypeOf(value).Kind is >= TypeKind.Bool and <= TypeKind.NUInt,
        _ => false,
    };

    private static int ArrayLength(FlowGraph graph, Instruction allocation) => (int)GraphEdits.IntegerConstant(graph, allocation.Operands[0])!.Value;

    /// <summary>The constant index of an <c>ldelem</c>/<c>stelem</c>, when it is within <paramref name="length"/>.</summary>
    private static long? ElementIndex(FlowGraph graph, Instruction access, int length) =>
        IndexConstant(graph, access.Operands[1], 4) is { } index && index >= 0 && index < length ? index : null;

    /// <summary>
    /// An index that is a constant, or computes one from constants and the length of an array made with a constant
    /// length (<c>a[a.Length - 1]</c> on an array an inlined constructor just made: the specializer leaves the
    /// arithmetic to <c>fold</c>, which runs after this pass). Small values only: lengths are at most 64.
    /// </summary>
    private static long? IndexConstant(FlowGraph graph, Value value, int depth)
    {
        if (GraphEdits.IntegerConstant(graph, value) is { } constant) return constant;
        if (depth == 0 || graph[value].DefiningInstruction is not { } definition) return null;
        switch (definition.Opcode)
        {
            case Opcode.ArrayLength when graph[definition.Operands[0]].DefiningInstruction is { Opcode: Opcode.NewArray } array
                && GraphEdits.IntegerConstant(graph, array.Operands[0]) is { } length:
                return length;
            case Opcode.Conv when graph.TypeOf(value).Kind is TypeKind.I32 or TypeKind.I64 or TypeKind.NInt or TypeKind.NUInt:
                return IndexConstant(graph, definition.Operands[0], depth - 1) is { } converted && converted is >= 0 and <= int.MaxValue ? converted : null;
            case Opcode.Add or Opcode.Sub when graph.TypeOf(value).Kind is TypeKind.I32 or TypeKind.I64 or TypeKind.NInt:
                return IndexConstant(graph, definition.Operands[0], depth - 1) is { } left && IndexConstant(graph, definition.Operands[1], depth - 1) is { } right
                    && Math.Abs(left) <= int.MaxValue && Math.Abs(right) <= int.MaxValue
                    ? definition.Opcode == Opcode.Add ? left + right : left - right
                    : null;
            default:
                return null;
        }
    }

    private static ArrayHelper Helper(Instruction instruction) => ArrayHelperCalls.Of(instruction);

    /// <summary>
    /// Whether operand <paramref name="position"/> of a helper is an array. A loop: <c>Contains</c> on the positions is
    /// vectorized span code that ReadyToRun leaves to .NET's JIT on the first unit's thread.
    /// </summary>
    private static bool IsArrayPosition(ArrayHelper helper, int position)
    {
        foreach (int arrayPosition in ArrayPositions(helper))
            if (arrayPosition == position) return true;
        return false;
    }

    /// <summary>The operand positions of a helper that are arrays.</summary>
    private static int[] ArrayPositions(ArrayHelper helper) => helper switch
    {
        ArrayHelper.CopyFromStart => [0, 1],
        ArrayHelper.Copy => [0, 2],
        ArrayHelper.None => [],
        _ => [0],
    };

    /// <summary>
    /// The element moves of a helper call whose arrays have the lengths <paramref name="lengthOf"/> gives (-1: not
    /// a virtual array), or null when it is no helper, an array is not virtual, or an index or length is not a
    /// constant within bounds (the call would throw: it escapes, and the real call throws).
    /// </summary>
    private static List<ElementMove>? Moves(FlowGraph graph, Instruction call, Func<Value, int> lengthOf)
    {
        var helper = Helper(call);
        if (helper == ArrayHelper.None) return null;
        var positions = ArrayPositions(helper);
        if (positions.Any(p => lengthOf(call.Operands[p]) < 0)) return null;
        long Length(int position) => lengthOf(call.Operands[position]);
        var moves = new List<ElementMove>();
        switch (helper)
        {
            case ArrayHelper.Fill:
                for (long i = 0; i < Length(0); i++) moves.Add(new(0, i, 1, -1));
                return moves;
            case ArrayHelper.ClearAll:
                for (long i = 0; i < Length(0); i++) moves.Add(new(0, i, -1, -1));
                return moves;
            case ArrayHelper.Clear:
            {
                if (GraphEdits.IntegerConstant(graph, call.Operands[1]) is not { } start || GraphEdits.IntegerConstant(graph, call.Operands[2]) is not { } count
                    || start < 0 || count < 0 || start + count > Length(0)) return null;
                for (long i = 0; i < count; i++) moves.Add(new(0, start + i, -1, -1));
                return moves;
            }
            case ArrayHelper.CopyFromStart:
            {
                if (GraphEdits.IntegerConstant(graph, call.Operands[2]) is not { } count || count < 0 || count > Length(0) || count > Length(1)) return null;
                for (long i = 0; i < count; i++) moves.Add(new(1, i, 0, i));
                return moves;
            }
            default:
            {
                if (GraphEdits.IntegerConstant(graph, call.Operands[1]) is not { } from || GraphEdits.IntegerConstant(graph, call.Operands[3]) is not { } to
                    || GraphEdits.IntegerConstant(graph, call.Operands[4]) is not { } count
                    || from < 0 || to < 0 || count < 0 || from + count > Length(0) || to + count > Length(2)) return null;
                for (long i = 0; i < count; i++) moves.Add(new(2, to + i, 0, from + i));
                return moves;
            }
        }
    }
}

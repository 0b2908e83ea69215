using System.Reflection;
using PeJit.IR;

namespace PeJit.Optimizer;

/// <summary>
/// What a value of a residual graph was on the entry the runtime sampled (<see cref="FlowGraph.SampleArguments"/>):
/// a value computed from the entry's arguments by constants, element and field loads, casts and integer
/// conversions, evaluated on the live objects of that entry. The answer is a guess, never a fact: memory may have
/// changed since (the interpreter runs on while the unit compiles in the background, and the unit may store before
/// it loads), so whoever uses it tests it in the residual code first (<see cref="SpeculateDivisors"/>).
/// </summary>
/// <remarks>
/// Why so few operations: the values worth a guess are those an interpreter reads from its own state at a loop's
/// entry (a register of the interpreted program, a field of its frame). Evaluating anything else (calls, arithmetic
/// on several values) would be the graph evaluator's job and could run user code; reading fields and elements
/// cannot. A load that would throw (null, an index out of range, a field the object lacks) has no value.
/// </remarks>
internal static class SampleValues
{
    /// <summary>How many definitions deep a value is followed before giving up (a frame's array's element is three).</summary>
    private const int MaxDepth = 12;

    /// <summary>The integer <paramref name="value"/> had on the sampled entry, when it is an integer and can be worked out.</summary>
    public static long? Integer(FlowGraph graph, Value value) => Integer(graph, value, MaxDepth);

    private static bool TryEvaluate(FlowGraph graph, Value value, int depth, out object? result)
    {
        result = null;
        if (depth == 0 || graph.SampleArguments is not { } sample) return false;
        var data = graph[value];
        if (data.ParameterOf is { } block)
        {
            if (block != FlowGraph.Entry) return false;
            int index = GraphEdits.IndexOf(graph[FlowGraph.Entry].Parameters, value);
            if (index < 0 || index >= sample.Count || sample[index] is null) return false;
            result = sample[index];
            return true;
        }
        if (data.DefiningInstruction is not { } instruction) return false;
        switch (instruction.Opcode)
        {
            case Opcode.Const when graph.TypeOf(value).StackKind is StackKind.Int32 or StackKind.Int64:
                result = instruction.Integer;
                return true;
            case Opcode.LoadElement:
                if (!TryEvaluate(graph, instruction.Operands[0], depth - 1, out var array) || array is not Array elements
                    || elements.Rank != 1 || Integer(graph, instruction.Operands[1], depth - 1) is not { } index)
                    return false;
                if (index < 0 || index >= elements.LongLength) return false;
                result = elements.GetValue(index);
                return result is not null;
            case Opcode.LoadField:
                if (!TryEvaluate(graph, instruction.Operands[0], depth - 1, out var instance) || instance is null
                    || instruction.Field is not { } field || FieldOf(instance.GetType(), field) is not { } info)
                    return false;
                result = info.GetValue(instance);
                return result is not null;
            case Opcode.CastClass or Opcode.UnboxAny or Opcode.Unbox:
                // The value itself (a boxed number is its own unboxed value here); a cast that would fail makes
                // the guess wrong, which the test in residual code catches like any other wrong guess.
                return TryEvaluate(graph, instruction.Operands[0], depth - 1, out result);
            case Opcode.Conv when Integer(graph, instruction.Operands[0], depth - 1) is { } number:
                result = Convert(number, graph.TypeOf(value).Kind);
                return result is not null;
            default:
                return false;
        }
    }

    private static long? Integer(FlowGraph graph, Value value, int depth) =>
        TryEvaluate(graph, value, depth, out var result) ? result switch
        {
            long l => l,
            int i => i,
            short s => s,
            sbyte b => b,
            ulong ul => unchecked((long)ul),
            uint ui => ui,
            ushort us => us,
            byte ub => ub,
            char c => c,
            _ => null,
        } : null;

    private static object? Convert(long number, TypeKind kind) => unchecked(kind switch
    {
        TypeKind.I64 or TypeKind.U64 => number,
        TypeKind.I32 => (long)(int)number,
        TypeKind.U32 => (long)(uint)number,
        TypeKind.I16 => (long)(short)number,
        TypeKind.U16 or TypeKind.Char => (long)(ushort)number,
        TypeKind.I8 => (long)(sbyte)number,
        TypeKind.U8 => (long)(byte)number,
        _ => null,
    });

    /// <summary>
    /// The field <paramref name="field"/> names, on the object's own class or a base class: the reflection object the
    /// reference was made from when it carries one, else the instance field of that name (a residual graph's
    /// references name fields by their full names; the object's class is the one the loads ran on).
    /// </summary>
    private static FieldInfo? FieldOf(Type type, FieldRef field)
    {
        if (field.Origin is FieldInfo known) return known.IsStatic || !known.DeclaringType!.IsAssignableFrom(type) ? null : known;
        for (var current = type; current is not null; current = current.BaseType)
            if (current.GetField(field.Name, BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly) is { } found)
                return found;
        return null;
    }
}

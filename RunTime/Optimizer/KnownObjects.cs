using PeJit.IR;

namespace PeJit.Optimizer;

/// <summary>
/// Type tests of objects the unit holds: an element of the unit's constants (<see cref="TypeObjects.UnitConstant"/>: green,
/// so deeply immutable while the unit lives) or a string literal. The specializer lifts a green value into residual code
/// where the analysis saw it red (the result of an unfolded call: a tree of expression nodes whose constant leaf returns its
/// boxed value), and the interpreter's type tests of it stay: `a is long x &amp;&amp; b is long y`, then `b is string t`, each
/// splitting the path on a value known here. Deciding them lets <c>merge</c> and <c>dce</c> drop the paths that never run.
/// </summary>
/// <remarks>Cost: constant per instruction (one reflection type test of the object, once per instruction).</remarks>
internal static class KnownObjects
{
    /// <summary>
    /// Decides <paramref name="instruction"/> (an <c>isinst</c> or <c>unbox.any</c> defining <paramref name="result"/>) when its
    /// operand is a known object: an <c>isinst</c> it fails becomes <c>null</c>; one it passes is the operand itself (recorded in
    /// <paramref name="replacement"/>) when the types agree, or a <c>castclass</c> that cannot fail; an <c>unbox.any</c> of a box
    /// of exactly an int, long or bool becomes its <c>const</c> (recorded in <paramref name="constants"/>). False when undecided.
    /// </summary>
    public static bool Decide(FlowGraph graph, Instruction instruction, Value result, ValueMap<object> constants, ValueToValueMap replacement)
    {
        if (graph.Members is not { } members || instruction.TypeOperand is not { } target || instruction.Operands.Count != 1) return false;
        var operand = instruction.Operands[0];
        object? known = graph[operand].DefiningInstruction is { Opcode: Opcode.String } literal ? literal.Text : TypeObjects.UnitConstant(graph, operand);
        if (known is null) return false;
        Type targetType;
        try
        {
            targetType = members.ResolveType(target);
        }
        catch (Exception e) when (e is TypeLoadException or ArgumentException or InvalidOperationException or NotSupportedException or System.IO.IOException)
        {
            return false;
        }
        if (instruction.Opcode == Opcode.IsInst)
        {
            // Nullable<T>'s isinst passes a boxed T: left alone, as the run time decides it.
            if (Nullable.GetUnderlyingType(targetType) is not null) return false;
            if (!targetType.IsInstanceOfType(known))
            {
                instruction.Opcode = Opcode.Null;
                instruction.Operands.Clear();
                instruction.TypeOperand = null;
                return true;
            }
            if (graph.TypeOf(operand) == graph.TypeOf(result))
            {
                replacement[result] = operand;
                return true;
            }
            if (!target.IsReference) return false;
            instruction.Opcode = Opcode.CastClass;
            return true;
        }
        // unbox.any of a box of exactly an int, long or bool: its value.
        var type = graph.TypeOf(result);
        if (known.GetType() != targetType || type.StackKind is not (StackKind.Int32 or StackKind.Int64)) return false;
        long value;
        switch (known)
        {
            case int n: value = n; break;
            case long n: value = n; break;
            case bool b: value = b ? 1 : 0; break;
            default: return false;
        }
        instruction.Opcode = Opcode.Const;
        instruction.Operands.Clear();
        instruction.TypeOperand = null;
        instruction.Integer = value;
        constants[result] = type.StackKind == StackKind.Int32 ? (int)value : value;
        return true;
    }
}

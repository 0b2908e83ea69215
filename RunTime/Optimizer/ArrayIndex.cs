using PeJit.IR;

namespace PeJit.Optimizer;

/// <summary>
/// An array index as a root value plus a constant (<c>sp + 1</c> is root <c>sp</c>, offset 1), or a constant
/// alone (no root), following additions and subtractions of 32-bit constants. Two indices with the same root
/// and different offsets are different; the same root and offset, or two equal constants, are the same.
/// </summary>
/// <param name="Root">The value the constant is added to; null for a constant index.</param>
/// <param name="Offset">The constant (for a 32-bit root, wrapped to 32 bits, as the additions wrap).</param>
internal readonly record struct ArrayIndex(Value? Root, long Offset)
{
    /// <summary>The index <paramref name="value"/> is, with roots mapped through <paramref name="canonical"/>.</summary>
    public static ArrayIndex Of(FlowGraph graph, Value value, Func<Value, Value> canonical)
    {
        if (graph[value].DefiningInstruction is { Opcode: Opcode.Const } constant && IsInteger(graph.TypeOf(value)))
            return new(null, constant.Integer);
        long offset = 0;
        while (graph.TypeOf(value).StackKind == StackKind.Int32
               && graph[value].DefiningInstruction is { Opcode: Opcode.Add or Opcode.Sub } arithmetic
               && graph[arithmetic.Operands[1]].DefiningInstruction is { Opcode: Opcode.Const } addend)
        {
            offset += arithmetic.Opcode == Opcode.Add ? addend.Integer : -addend.Integer;
            value = arithmetic.Operands[0];
        }
        if (graph.TypeOf(value).StackKind == StackKind.Int32) offset = unchecked((int)offset);
        return new(canonical(value), offset);
    }

    /// <summary>True when the two indices are provably different whatever the root holds.</summary>
    /// <summary>The same root and offset. Written out: the record's own compares the roots through
    /// <c>EqualityComparer&lt;Value?&gt;</c>, which .NET compiles on the first unit's path (Docs/PERFORMANCE.md, warm-up).</summary>
    public bool Equals(ArrayIndex other) =>
        Offset == other.Offset && Root.HasValue == other.Root.HasValue && Root.GetValueOrDefault() == other.Root.GetValueOrDefault();

    /// <inheritdoc/>
    public override int GetHashCode() => unchecked((Root.HasValue ? Root.GetValueOrDefault().Index + 1 : 0) * -1640531535 ^ Offset.GetHashCode());

    public bool DiffersFrom(ArrayIndex other) => Root == other.Root && Offset != other.Offset;

    private static bool IsInteger(IrType type) => type.StackKind is StackKind.Int32 or StackKind.Int64 or StackKind.NativeInt;
}

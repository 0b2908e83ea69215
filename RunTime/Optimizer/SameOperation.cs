using PeJit.IR;

namespace PeJit.Optimizer;

/// <summary>
/// Whether two pure instructions compute the same thing: the same opcode, result type, immediates (integer, float
/// bits, text, type, field and method by full name, slot) and operands, an operand identified by its value number
/// (<see cref="ValueNumbers"/>) or by the value a replacement map leads it to (<see cref="CommonSubexpressions"/>).
/// A dictionary keyed by the instructions themselves with this comparer is what those passes keyed by a string of
/// all these parts before, without a string (and its builder) per instruction: the string made CSE and guards'
/// numbering the largest allocators of the pipeline (Docs/PERFORMANCE.md, "Optimizer cost is linear").
/// </summary>
/// <remarks>
/// An instruction's operands must keep their identity while it is a key: value numbers never change, and CSE's
/// replacements within one block only add values that block defines after its keys' operands. A comparer class
/// over a reference type, not a delegate or a struct key: the framework's dictionary over references is
/// precompiled, a generic instantiation over a PeJit struct would be compiled on the first unit's path.
/// Equals and hash: O(operands).
/// </remarks>
internal sealed class SameOperation : IEqualityComparer<Instruction>
{
    private readonly FlowGraph graph;
    private readonly ValueToIndexMap? numbers;
    private readonly ValueToValueMap? replacement;

    /// <summary>Operands identified by their numbers in <paramref name="numbers"/> (every operand must have one).</summary>
    public SameOperation(FlowGraph graph, ValueToIndexMap numbers) => (this.graph, this.numbers) = (graph, numbers);

    /// <summary>Operands identified by the value <paramref name="replacement"/> leads them to (themselves when it has none).</summary>
    public SameOperation(FlowGraph graph, ValueToValueMap replacement) => (this.graph, this.replacement) = (graph, replacement);

    /// <inheritdoc/>
    public bool Equals(Instruction? x, Instruction? y)
    {
        if (ReferenceEquals(x, y)) return true;
        if (x is null || y is null) return false;
        if (x.Opcode != y.Opcode || x.Integer != y.Integer || x.Slot != y.Slot || x.Operands.Count != y.Operands.Count
            || BitConverter.DoubleToInt64Bits(x.Float) != BitConverter.DoubleToInt64Bits(y.Float)
            || !string.Equals(x.Text, y.Text, StringComparison.Ordinal)
            || !string.Equals(x.Field?.FullName, y.Field?.FullName, StringComparison.Ordinal)
            || !string.Equals(x.Method?.FullName, y.Method?.FullName, StringComparison.Ordinal)
            || x.TypeOperand != y.TypeOperand
            || graph.TypeOf(x.Result!.Value) != graph.TypeOf(y.Result!.Value))
            return false;
        for (int i = 0; i < x.Operands.Count; i++)
            if (Identity(x.Operands[i]) != Identity(y.Operands[i])) return false;
        return true;
    }

    /// <inheritdoc/>
    public int GetHashCode(Instruction instruction)
    {
        unchecked
        {
            int hash = (int)instruction.Opcode * -1640531535 ^ instruction.Integer.GetHashCode();
            foreach (var operand in instruction.Operands) hash = (hash ^ Identity(operand)) * 16777619;
            return hash;
        }
    }

    private int Identity(Value value)
    {
        if (numbers is not null) return numbers[value];
        while (replacement!.TryGetValue(value, out var next)) value = next;
        return value.Index;
    }
}

using PeJit.IR.Graphs;
using PeJit.IR;
using PeJit.IR.Verification;

namespace PeJit.Optimizer;

/// <summary>
/// Global value numbers: two values share a number when they are equal constants, or results of the same pure
/// operation (opcode, result type, immediates) on operands that share numbers. Wherever both are available
/// they hold the same value, even in a loop: an operand changes only when its definition runs again, and that
/// definition dominates both of them. A call of a pure method is numbered like a pure operation, and a
/// <c>castclass</c> that did not throw is its operand. Everything else (block parameters, loads, other calls) is its
/// own number.
/// </summary>
/// <remarks>
/// CSE only reuses results within a block; guard elimination needs to see that <c>clt v1, v2</c> in one block
/// and the same compare recomputed in a block it dominates test the same thing.
/// <para>Cost: linear in the graph's size: one pass over the reachable blocks in reverse post-order, one hash look-up
/// per pure operation (<see cref="SameOperation"/> hashes its opcode, type, immediates and operands' numbers) and per
/// integer constant; arrays by number sized for the graph once.</para>
/// </remarks>
internal sealed class ValueNumbers
{
    // Pure operations by what they compute (SameOperation: the instruction is the key), and integer constants per
    // stack kind by their two halves: no string per instruction, which made this the largest part of guards' time.
    private readonly Dictionary<Instruction, int> byOperation;
    private IntPairMap?[] integersByKind = new IntPairMap?[16];
    // The IR's map and arrays by number, not Dictionary<Value, int> or Dictionary<int, long>: those are compiled by
    // .NET on the first unit's path (Docs/PERFORMANCE.md, warm-up).
    // Sized for the graph at once (there are at most about as many numbers as values): grown by doubling from 16, the
    // arrays made several times their final size in garbage, in a pass that runs three times.
    private readonly ValueToIndexMap numbers;
    private StackKind[] kinds;
    private int count;
    private long[] integers;
    private bool[] isInteger;
    private readonly FlowGraph graph;

    private ValueNumbers(FlowGraph graph)
    {
        this.graph = graph;
        int size = graph.ValueCount + 16;
        numbers = new ValueToIndexMap(size);
        kinds = new StackKind[size];
        integers = new long[size];
        isInteger = new bool[size];
        byOperation = new Dictionary<Instruction, int>(new SameOperation(graph, numbers));
    }

    /// <summary>Numbers the values of the blocks the entry reaches, definitions before uses (reverse post-order).</summary>
    public static ValueNumbers Compute(FlowGraph graph, Dominators dominators)
    {
        var result = new ValueNumbers(graph);
        foreach (var block in dominators.ReversePostOrder)
        {
            foreach (var parameter in graph[block].Parameters) result.Of(parameter);
            foreach (var instruction in graph[block].Instructions)
                if (instruction.Result is { } value) result.numbers[value] = result.Number(instruction, value);
        }
        return result;
    }

    /// <summary>The number of <paramref name="value"/>.</summary>
    public int Of(Value value)
    {
        // A value that is its own number needs no key: nothing else can be numbered like it.
        if (!numbers.TryGetValue(value, out int number))
            numbers[value] = number = Fresh(graph.TypeOf(value).StackKind);
        return number;
    }

    /// <summary>The number of the integer constant <paramref name="value"/> of stack kind <paramref name="kind"/> (whether or not the graph has one).</summary>
    public int Integer(StackKind kind, long value)
    {
        value = Normalize(kind, value);
        if ((int)kind >= integersByKind.Length) Array.Resize(ref integersByKind, (int)kind + 1);
        var constants = integersByKind[(int)kind] ??= new IntPairMap();
        if (!constants.TryGetValue(unchecked((int)value), (int)(value >> 32), out int number))
            constants.Set(unchecked((int)value), (int)(value >> 32), number = Fresh(kind));
        if (number >= integers.Length)
        {
            int size = Math.Max(number + 1, integers.Length * 2);
            var grownIntegers = new long[size];
            Array.Copy(integers, grownIntegers, integers.Length);
            var grownIsInteger = new bool[size];
            Array.Copy(isInteger, grownIsInteger, isInteger.Length);
            (integers, isInteger) = (grownIntegers, grownIsInteger);
        }
        integers[number] = value;
        isInteger[number] = true;
        return number;
    }

    /// <summary>The number of the null reference.</summary>
    public int Null => nullNumber >= 0 ? nullNumber : nullNumber = Fresh(StackKind.Reference);

    private int nullNumber = -1;

    /// <summary>The stack kind of the values numbered <paramref name="number"/>.</summary>
    public StackKind KindOf(int number) => kinds[number];

    /// <summary>True when <paramref name="number"/> is an integer constant; its value as its stack kind reads it, sign-extended.</summary>
    public bool TryInteger(int number, out long value)
    {
        bool known = (uint)number < (uint)isInteger.Length && isInteger[number];
        value = known ? integers[number] : 0;
        return known;
    }

    /// <summary>True when <paramref name="number"/> is zero of an integer kind, or null.</summary>
    public bool IsZero(int number) => (TryInteger(number, out long value) && value == 0) || number == Null;

    private int Number(Instruction instruction, Value result)
    {
        var type = graph.TypeOf(result);
        if (instruction.Opcode == Opcode.Const && type.StackKind is StackKind.Int32 or StackKind.Int64 or StackKind.NativeInt)
            return Integer(type.StackKind, instruction.Integer);
        if (instruction.Opcode == Opcode.Null) return Null;
        // A cast that did not throw is its operand: a green constant cast on every turn of a loop, and the class guard
        // on it, are the ones its peeled first turn made.
        if (instruction.Opcode == Opcode.CastClass && instruction.Operands.Count == 1) return Of(instruction.Operands[0]);
        // A call of a pure method is numbered like a pure operation: the same arguments give the same result (a
        // class guard's x.GetType(), tested again where the first test dominates).
        if ((instruction.Info.Flags & OpcodeFlags.Pure) == 0 && !(instruction.Opcode == Opcode.Call && instruction.Method!.IsPure)
            && !StructSlots.IsFieldOfValue(graph, instruction)) return Of(result);
        // The operands first, in order: a value first met here gets its number before the operation does.
        for (int i = 0; i < instruction.Operands.Count; i++) Of(instruction.Operands[i]);
        if (!byOperation.TryGetValue(instruction, out int number)) byOperation[instruction] = number = Fresh(type.StackKind);
        return number;
    }

    /// <summary>A new number, of no other value.</summary>
    private int Fresh(StackKind kind)
    {
        if (count == kinds.Length)
        {
            var grown = new StackKind[count * 2];
            Array.Copy(kinds, grown, count);
            kinds = grown;
        }
        kinds[count] = kind;
        return count++;
    }

    /// <summary>A constant as the evaluation stack holds it: int32 constants are truncated to 32 bits.</summary>
    private static long Normalize(StackKind kind, long value) => kind == StackKind.Int32 ? unchecked((int)value) : value;
}

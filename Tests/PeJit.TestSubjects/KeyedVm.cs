namespace PeJit.TestSubjects;

/// <summary>
/// A machine that looks values up in dictionaries keyed by <see cref="CountingKey"/>, whose <c>GetHashCode</c> counts its
/// calls (a write into a counter): a green dictionary of constants (part of the code, looked up with green keys) and a red
/// table (looked up twice in a row with the same key). A lookup is then not pure: run while specializing, merged with
/// the one before it, or moved out of the loop, it would hash fewer times than the plain interpreter does, and
/// <see cref="Halt"/> prints the count.
/// </summary>
/// <remarks>Code is a flat array of instructions of two ints: opcode, operand (an index into <see cref="KeyedCode.Keys"/>).</remarks>
public static class KeyedVm
{
    public const int AddConstant = 0;  // acc += code.Constants[code.Keys[operand]]
    public const int AddTwice = 1;     // acc += table[code.Keys[operand]] * 2 + table[code.Keys[operand]]
    public const int AddIfPresent = 2; // if table.ContainsKey(code.Keys[operand]): acc += 1
    public const int Count = 3;        // i += 1
    public const int Loop = 4;         // if i < n: go to instruction operand
    public const int Halt = 5;         // print acc and the hashes counted, return acc

    [JitPortal(Greens = ["pc", "code"], Reds = ["table", "counter", "output", "acc", "i", "n"])]
    public static long Run(KeyedCode code, Dictionary<CountingKey, long> table, HashCounter counter, TextWriter output, long n)
    {
        int pc = 0;
        long acc = 0, i = 0;
        while (true)
        {
            Jit.MergePoint(pc, code, table, counter, output, acc, i, n);
            int operand = code.Ops[pc * 2 + 1];
            switch (code.Ops[pc * 2])
            {
                case AddConstant: acc += code.Constants[code.Keys[operand]]; pc++; break;
                case AddTwice: acc += table[code.Keys[operand]] * 2 + table[code.Keys[operand]]; pc++; break;
                case AddIfPresent: if (table.ContainsKey(code.Keys[operand])) acc++; pc++; break;
                case Count: i++; pc++; break;
                case Loop:
                    if (i < n)
                    {
                        pc = operand;
                        Jit.CanEnterJit(pc, code, table, counter, output, acc, i, n);
                    }
                    else
                    {
                        pc++;
                    }
                    break;
                default:
                    output.WriteLine($"{acc} {counter.Hashes}");
                    return acc;
            }
        }
    }

    /// <summary>
    /// A loop of n turns (n: the portal's argument): a constant looked up, a table entry looked up twice, a key tested; keys
    /// hash into <paramref name="counter"/>. The table to pass is <see cref="Table"/>.
    /// </summary>
    public static KeyedCode Program(HashCounter counter)
    {
        CountingKey[] keys = [new(1, counter), new(2, counter), new(3, counter)];
        var constants = new Dictionary<CountingKey, long> { [keys[0]] = 10, [keys[1]] = 20 };
        counter.Hashes = 0;
        return new KeyedCode(
        [
            AddConstant, 0,   // 0
            AddTwice, 1,      // 1
            AddIfPresent, 2,  // 2
            AddConstant, 1,   // 3
            Count, 0,         // 4
            Loop, 0,          // 5
            Halt, 0,          // 6
        ], keys, constants);
    }

    /// <summary>The red table <see cref="Program"/>'s code reads: key 2 present (key 3 absent), made with fresh keys equal to the code's.</summary>
    public static Dictionary<CountingKey, long> Table(HashCounter counter)
    {
        var table = new Dictionary<CountingKey, long> { [new CountingKey(2, counter)] = 7 };
        counter.Hashes = 0;
        return table;
    }
}

/// <summary>The code of <see cref="KeyedVm"/>: green, never changed once made.</summary>
/// <param name="ops">Opcode and operand pairs.</param>
/// <param name="keys">The keys operands name.</param>
/// <param name="constants">Values by key.</param>
public sealed class KeyedCode(int[] ops, CountingKey[] keys, Dictionary<CountingKey, long> constants)
{
    /// <summary>Opcode and operand pairs.</summary>
    public readonly int[] Ops = ops;

    /// <summary>The keys operands name.</summary>
    public readonly CountingKey[] Keys = keys;

    /// <summary>Values by key.</summary>
    public readonly Dictionary<CountingKey, long> Constants = constants;
}

/// <summary>How many times keys were hashed.</summary>
public sealed class HashCounter
{
    /// <summary>The count.</summary>
    public long Hashes;
}

/// <summary>A key compared by value whose hash counts its calls: a dictionary's lookup with it writes memory.</summary>
/// <param name="value">What it is compared by.</param>
/// <param name="counter">Where its hashes are counted.</param>
public sealed class CountingKey(int value, HashCounter counter)
{
    private readonly int value = value;
    private readonly HashCounter counter = counter;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is CountingKey other && other.value == value;

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        counter.Hashes++;
        return value;
    }
}

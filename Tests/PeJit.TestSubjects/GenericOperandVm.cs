namespace PeJit.TestSubjects;

/// <summary>
/// A machine whose instructions read their operands through a generic method of its own, <see cref="Constant{T}"/>,
/// marked <c>[Elidable]</c> and called with green arguments: the analysis runs it while specializing, and
/// <c>pejit build</c> emits that green call as a call of the method's instance (<c>GreenAccessEmitter</c>), as it does
/// the framework's generic methods (<c>Array.Empty&lt;T&gt;</c>).
/// </summary>
/// <remarks>Code is a flat array of instructions of two ints: opcode, operand (an index into the constants).</remarks>
public static class GenericOperandVm
{
    public const int Add = 0;    // acc += constants[operand]
    public const int Count = 1;  // i += 1
    public const int Loop = 2;   // if i < n: go to instruction operand
    public const int Halt = 3;   // return acc

    [JitPortal(Greens = ["pc", "code", "constants"], Reds = ["acc", "i", "n"])]
    public static long Run(int[] code, long[] constants, long n)
    {
        int pc = 0;
        long acc = 0, i = 0;
        while (true)
        {
            Jit.MergePoint(pc, code, constants, acc, i, n);
            int operand = code[pc * 2 + 1];
            switch (code[pc * 2])
            {
                case Add: acc += Constant(constants, operand); pc++; break;
                case Count: i++; pc++; break;
                case Loop:
                    if (i < n)
                    {
                        pc = operand;
                        Jit.CanEnterJit(pc, code, constants, acc, i, n);
                    }
                    else
                    {
                        pc++;
                    }
                    break;
                default: return acc;
            }
        }
    }

    /// <summary>The operand's constant: green when the table and the index are.</summary>
    [Elidable]
    private static T Constant<T>(T[] table, int index) => table[index];
}

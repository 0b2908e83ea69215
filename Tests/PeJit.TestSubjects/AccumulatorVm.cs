namespace PeJit.TestSubjects;

/// <summary>
/// A machine whose reds are integers only (an accumulator, a counter, a limit), no arrays: at an exit of compiled code
/// every red is a value in a register or a spill slot, which a bridge entered natively takes from there (the AMD64
/// backend's bridges, <c>NativeBridgeTests</c>).
/// </summary>
/// <remarks>Code is a flat array of instructions of two ints: opcode, operand.</remarks>
public static class AccumulatorVm
{
    public const int Count = 0;      // i += 1
    public const int AddCount = 1;   // acc += i * operand
    public const int Xor = 2;        // acc ^= operand
    public const int Loop = 3;       // if i < n: go to instruction operand
    public const int Reset = 4;      // i = 0
    public const int Divide = 5;     // acc /= n - operand (the host's DivideByZeroException when n = operand)
    public const int Halt = 6;       // return acc

    [JitPortal(Greens = ["pc", "code"], Reds = ["acc", "i", "n"])]
    public static long Run(int[] code, long n)
    {
        int pc = 0;
        long acc = 0, i = 0;
        while (true)
        {
            Jit.MergePoint(pc, code, acc, i, n);
            int operand = code[pc * 2 + 1];
            switch (code[pc * 2])
            {
                case Count: i++; pc++; break;
                case AddCount: acc += i * operand; pc++; break;
                case Xor: acc ^= operand; pc++; break;
                case Loop:
                    if (i < n)
                    {
                        pc = operand;
                        Jit.CanEnterJit(pc, code, acc, i, n);
                    }
                    else
                    {
                        pc++;
                    }
                    break;
                case Reset: i = 0; pc++; break;
                case Divide: acc /= n - operand; pc++; break;
                default: return acc;
            }
        }
    }
}

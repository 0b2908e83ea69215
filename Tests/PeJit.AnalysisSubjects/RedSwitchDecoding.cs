namespace PeJit.AnalysisSubjects;

/// <summary>
/// A dispatch on a red opcode (the ops read from an array the portal gets red) whose cases decode their operands from the
/// green code with a known-pure call (<c>BitConverter.ToInt64</c>): every case is specialized at every pc, and at a pc near
/// the code's end the operand decoding of a case the program never runs there throws. The interpreter never makes that
/// call; compiled code must not refuse the key for it.
/// </summary>
public static class RedSwitchDecoding
{
    /// <summary>The program: op 0 adds the 8-byte constant after it, op 1 jumps back to 0 while the count lasts, op 2 halts.</summary>
    public sealed class Code(byte[] bytes)
    {
        /// <summary>The byte code.</summary>
        [JitImmutable] public readonly byte[] Bytes = bytes;
    }

    /// <summary>The portal: the opcode is read from <paramref name="ops"/> (red), the operands from the green code.</summary>
    [JitPortal(Greens = ["pc", "code"], Reds = ["ops", "n", "acc"])]
    public static long Run(Code code, byte[] ops, long n)
    {
        int pc = 0;
        long acc = 0;
        while (true)
        {
            Jit.MergePoint(pc, code, ops, n, acc);
            switch (ops[pc])
            {
                case 0:
                    acc += BitConverter.ToInt64(code.Bytes, pc + 1);
                    pc += 9;
                    break;
                case 1:
                    if (--n > 0)
                    {
                        pc = 0;
                        Jit.CanEnterJit(pc, code, ops, n, acc);
                    }
                    else pc += 1;
                    break;
                default:
                    return acc;
            }
        }
    }

    /// <summary>Adds <paramref name="constant"/> once per turn, then halts: 10 bytes of code and a halt.</summary>
    public static Code AddLoop(long constant)
    {
        var bytes = new byte[11];
        BitConverter.TryWriteBytes(bytes.AsSpan(1), constant);
        bytes[9] = 1;
        bytes[10] = 2;
        return new Code(bytes);
    }
}

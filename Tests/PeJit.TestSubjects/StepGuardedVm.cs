namespace PeJit.TestSubjects;

/// <summary>
/// A register machine whose loop body runs each instruction inside a <c>try</c>, as VMs do that report the
/// failing instruction: the language saturates an overflowing addition and goes on, and every other error,
/// the host's (index out of range, division by zero, null) and the language's own (<see cref="Raise"/>), is
/// wrapped once in a <see cref="VmError"/> that names the instruction. The <c>Jit.CanEnterJit</c> of its jump
/// is inside that try; the merge point is not.
/// </summary>
/// <remarks>Code is a flat array of instructions of four ints: opcode, a, b, c.</remarks>
public static class StepGuardedVm
{
    public const int Set = 0;          // r[a] = b
    public const int Divide = 1;       // r[a] = r[b] / r[c]
    public const int Add = 2;          // r[a] = checked(r[b] + r[c]); the language saturates on overflow
    public const int Load = 3;         // r[a] = r[r[b]]: index out of range past the registers
    public const int Length = 4;       // r[a] = texts[r[b]].Length: null reference for a null text
    public const int Decrement = 5;    // r[a]--
    public const int JumpPositive = 6; // if r[a] > 0: go to instruction c
    public const int Print = 7;        // print r[a]
    public const int Raise = 8;        // the language's error, with r[a]
    public const int Halt = 9;         // return r[0]

    [JitPortal(Greens = ["pc", "code"], Reds = ["registers", "texts", "output"])]
    public static long Run(int[] code, long[] registers, string?[] texts, TextWriter output)
    {
        int pc = 0;
        while (true)
        {
            Jit.MergePoint(pc, code, registers, texts, output);
            int at = pc * 4;
            int a = code[at + 1], b = code[at + 2], c = code[at + 3];
            try
            {
                switch (code[at])
                {
                    case Set: registers[a] = b; pc++; break;
                    case Divide: registers[a] = registers[b] / registers[c]; pc++; break;
                    case Add: registers[a] = checked(registers[b] + registers[c]); pc++; break;
                    case Load: registers[a] = registers[registers[b]]; pc++; break;
                    case Length: registers[a] = texts[registers[b]]!.Length; pc++; break;
                    case Decrement: registers[a]--; pc++; break;
                    case JumpPositive:
                        if (registers[a] > 0)
                        {
                            pc = c;
                            Jit.CanEnterJit(pc, code, registers, texts, output);
                        }
                        else
                        {
                            pc++;
                        }
                        break;
                    case Print: output.WriteLine(registers[a]); pc++; break;
                    case Raise: throw new VmError("raised " + registers[a], registers[a]);
                    default: return registers[0];
                }
            }
            catch (OverflowException)
            {
                output.WriteLine("overflow at " + at / 4);
                registers[a] = long.MaxValue;
                pc = at / 4 + 1;
            }
            catch (Exception error)
            {
                throw new VmError("instruction " + at / 4 + ": " + error.Message, registers[0]);
            }
        }
    }
}

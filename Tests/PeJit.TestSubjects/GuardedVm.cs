namespace PeJit.TestSubjects;

/// <summary>
/// A register machine written like a real VM's main loop: the whole dispatch loop sits inside one <c>try</c>
/// whose catch clauses turn the host's errors (an index out of range, a division by zero, a null reference)
/// into the language's error (<see cref="VmError"/>), after printing a line; inside the loop, the addition
/// catches its own overflow around the instruction (a try/catch per step) and saturates. The merge point and
/// every <c>Jit.CanEnterJit</c> are inside the outer try.
/// </summary>
/// <remarks>Code is a flat array of instructions of four ints: opcode, a, b, c.</remarks>
public static class GuardedVm
{
    public const int Set = 0;          // r[a] = b
    public const int Divide = 1;       // r[a] = r[b] / r[c]: the host's DivideByZeroException
    public const int Load = 2;         // r[a] = memory[r[b]]: the host's IndexOutOfRangeException
    public const int Store = 3;        // memory[r[b]] = r[a]
    public const int Length = 4;       // r[a] = texts[r[b]].Length: the host's NullReferenceException for a null text
    public const int Add = 5;          // r[a] = checked(r[b] + r[c]), long.MaxValue on overflow
    public const int Decrement = 6;    // r[a]--
    public const int JumpPositive = 7; // if r[a] > 0: go to instruction c
    public const int Print = 8;        // print r[a]
    public const int Halt = 9;         // return r[0]

    [JitPortal(Greens = ["pc", "code"], Reds = ["registers", "memory", "texts", "output"])]
    public static long Run(int[] code, long[] registers, long[] memory, string?[] texts, TextWriter output)
    {
        int pc = 0;
        try
        {
            while (true)
            {
                Jit.MergePoint(pc, code, registers, memory, texts, output);
                int at = pc * 4;
                int a = code[at + 1], b = code[at + 2], c = code[at + 3];
                switch (code[at])
                {
                    case Set: registers[a] = b; pc++; break;
                    case Divide: registers[a] = registers[b] / registers[c]; pc++; break;
                    case Load: registers[a] = memory[registers[b]]; pc++; break;
                    case Store: memory[registers[b]] = registers[a]; pc++; break;
                    case Length: registers[a] = texts[registers[b]]!.Length; pc++; break;
                    case Add:
                        try
                        {
                            registers[a] = checked(registers[b] + registers[c]);
                        }
                        catch (OverflowException)
                        {
                            registers[a] = long.MaxValue;
                        }
                        pc++;
                        break;
                    case Decrement: registers[a]--; pc++; break;
                    case JumpPositive:
                        if (registers[a] > 0)
                        {
                            pc = c;
                            Jit.CanEnterJit(pc, code, registers, memory, texts, output);
                        }
                        else
                        {
                            pc++;
                        }
                        break;
                    case Print: output.WriteLine(registers[a]); pc++; break;
                    default: return registers[0];
                }
            }
        }
        catch (IndexOutOfRangeException)
        {
            output.WriteLine("error: index out of range");
            throw new VmError("index out of range", registers[0]);
        }
        catch (DivideByZeroException error)
        {
            output.WriteLine("error: division by zero");
            throw new VmError("host error: " + error.Message, registers[0]);
        }
        catch (NullReferenceException)
        {
            output.WriteLine("error: nil");
            throw new VmError("attempt to index a nil value", registers[1]);
        }
    }
}

namespace PeJit.TestSubjects;

/// <summary>
/// A register machine whose dispatch loop sits inside a <c>try</c>/<c>finally</c> that restores the machine's
/// state however the loop ends (a return, the host's error, the language's): the call depth goes back down and
/// the finally prints a line, exactly once per run.
/// </summary>
/// <remarks>Code is a flat array of instructions of four ints: opcode, a, b, c.</remarks>
public static class UnwindingVm
{
    public const int Set = 0;          // r[a] = b
    public const int Divide = 1;       // r[a] = r[b] / r[c]
    public const int Add = 2;          // r[a] = checked(r[b] + r[c])
    public const int Decrement = 3;    // r[a]--
    public const int JumpPositive = 4; // if r[a] > 0: go to instruction c
    public const int Print = 5;        // print r[a]
    public const int Raise = 6;        // the language's error, with r[a]
    public const int Halt = 7;         // return r[0]

    [JitPortal(Greens = ["pc", "code"], Reds = ["registers", "machine"])]
    public static long Run(int[] code, long[] registers, UnwindingMachine machine)
    {
        int pc = 0;
        machine.Depth++;
        try
        {
            while (true)
            {
                Jit.MergePoint(pc, code, registers, machine);
                int at = pc * 4;
                int a = code[at + 1], b = code[at + 2], c = code[at + 3];
                switch (code[at])
                {
                    case Set: registers[a] = b; pc++; break;
                    case Divide: registers[a] = registers[b] / registers[c]; pc++; break;
                    case Add: registers[a] = checked(registers[b] + registers[c]); pc++; break;
                    case Decrement: registers[a]--; pc++; break;
                    case JumpPositive:
                        if (registers[a] > 0)
                        {
                            pc = c;
                            Jit.CanEnterJit(pc, code, registers, machine);
                        }
                        else
                        {
                            pc++;
                        }
                        break;
                    case Print: machine.Output.WriteLine(registers[a]); pc++; break;
                    case Raise: throw new VmError("raised " + registers[a], registers[a]);
                    default: return registers[0];
                }
            }
        }
        finally
        {
            machine.Depth--;
            machine.Unwound++;
            machine.Output.WriteLine("unwound with r0 = " + registers[0]);
        }
    }
}

namespace PeJit.TestSubjects;

/// <summary>
/// A register machine whose language catches the host's division by zero: the dispatch loop sits inside a
/// <c>try</c> inside an outer loop, and the catch prints a line and goes on at the handler address the program
/// keeps in r7 (promoted: the program counter is green), back into the try (a catch clause that resumes the loop,
/// as a VM's pcall or try statement does).
/// </summary>
/// <remarks>Code is a flat array of instructions of four ints, the opcodes of <see cref="UnwindingVm"/> it has.</remarks>
public static class RecoveringVm
{
    /// <summary>The register that holds the language's handler address.</summary>
    public const int HandlerRegister = 7;

    [JitPortal(Greens = ["pc", "code"], Reds = ["registers", "output"])]
    public static long Run(int[] code, long[] registers, TextWriter output)
    {
        int pc = 0;
        while (true)
        {
            try
            {
                while (true)
                {
                    Jit.MergePoint(pc, code, registers, output);
                    int at = pc * 4;
                    int a = code[at + 1], b = code[at + 2], c = code[at + 3];
                    switch (code[at])
                    {
                        case UnwindingVm.Set: registers[a] = b; pc++; break;
                        case UnwindingVm.Divide: registers[a] = registers[b] / registers[c]; pc++; break;
                        case UnwindingVm.Add: registers[a] = checked(registers[b] + registers[c]); pc++; break;
                        case UnwindingVm.Decrement: registers[a]--; pc++; break;
                        case UnwindingVm.JumpPositive:
                            if (registers[a] > 0)
                            {
                                pc = c;
                                Jit.CanEnterJit(pc, code, registers, output);
                            }
                            else
                            {
                                pc++;
                            }
                            break;
                        case UnwindingVm.Print: output.WriteLine(registers[a]); pc++; break;
                        default: return registers[0];
                    }
                }
            }
            catch (DivideByZeroException)
            {
                output.WriteLine("caught a division by zero");
                pc = Jit.Promote((int)registers[HandlerRegister]);
            }
        }
    }
}

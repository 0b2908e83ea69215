namespace PeJit.TestSubjects;

/// <summary>
/// A register machine whose loop is inside a try whose catch reports the program counter of the failing
/// instruction: the handler reads <c>pc</c>, which the loop assigns, so the frontend keeps it in a slot, and
/// compiled code could only hand the handler the value at the start of the step. The engine refuses its units
/// with a message that says so and what to do (the interpreter runs them, identically).
/// </summary>
/// <remarks>Code is a flat array of instructions of four ints, the opcodes of <see cref="UnwindingVm"/> it has.</remarks>
public static class PcReportingVm
{
    [JitPortal(Greens = ["pc", "code"], Reds = ["registers"])]
    public static long Run(int[] code, long[] registers)
    {
        int pc = 0;
        try
        {
            while (true)
            {
                Jit.MergePoint(pc, code, registers);
                int at = pc * 4;
                int a = code[at + 1], b = code[at + 2], c = code[at + 3];
                switch (code[at])
                {
                    case UnwindingVm.Set: registers[a] = b; pc++; break;
                    case UnwindingVm.Divide: pc++; registers[a] = registers[b] / registers[c]; break;
                    case UnwindingVm.Decrement: registers[a]--; pc++; break;
                    case UnwindingVm.JumpPositive:
                        if (registers[a] > 0)
                        {
                            pc = c;
                            Jit.CanEnterJit(pc, code, registers);
                        }
                        else
                        {
                            pc++;
                        }
                        break;
                    default: return registers[0];
                }
            }
        }
        catch (DivideByZeroException)
        {
            throw new VmError("division by zero before instruction " + pc, registers[0]);
        }
    }
}

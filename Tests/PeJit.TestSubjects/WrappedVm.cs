namespace PeJit.TestSubjects;

/// <summary>
/// A register machine whose whole dispatch loop sits inside a <c>try</c>, as real VMs wrap theirs to turn host
/// errors into language errors: a division by zero of the host becomes the language's <see cref="VmError"/>.
/// The merge point is inside the try region.
/// </summary>
/// <remarks>Code is a flat array of instructions of four ints: opcode, a, b, c (the opcodes of <see cref="HandlerVm"/> it has).</remarks>
public static class WrappedVm
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
                    case HandlerVm.Set: registers[a] = b; pc++; break;
                    case HandlerVm.Divide: registers[a] = registers[b] / registers[c]; pc++; break;
                    case HandlerVm.Decrement: registers[a]--; pc++; break;
                    case HandlerVm.JumpPositive:
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
        catch (DivideByZeroException error)
        {
            throw new VmError("host error: " + error.Message, registers[0]);
        }
    }
}

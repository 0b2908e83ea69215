namespace PeJit.AnalysisSubjects;

/// <summary>
/// A declared red local whose address a helper is given, and which the helper changes only by green amounts: the
/// stack pointer of an interpreter whose branches drop a number of values the code says (<c>Drop(ref sp, code.Ops[pc + 1])</c>).
/// </summary>
public static class RedByRefPortals
{
    [JitPortal(Greens = ["pc", "code"], Reds = ["stack", "sp"])]
    public static long GreenWritesThroughTheAddress(Code code, long[] stack)
    {
        int pc = 0, sp = 0;
        while (true)
        {
            Jit.MergePoint(pc, code, stack, sp);
            switch (code.Ops[pc])
            {
                case 0:
                    return stack[sp - 1];
                case 1:
                    stack[sp++] = code.Constants[pc];
                    pc++;
                    break;
                default:
                    Drop(ref sp, code.Ops[pc + 1]);
                    pc += 2;
                    break;
            }
        }
    }

    private static void Drop(ref int sp, int count) => sp -= count;
}

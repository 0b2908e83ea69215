namespace PeJit.AnalysisSubjects;

/// <summary>
/// An interpreter whose one instruction holds many red branches one after another: <c>Tests k</c> runs k
/// red ifs in sequence (a loop over the green k, unrolled while specializing), each updating a red accumulator.
/// Specialized, the paths the ifs split join again after each if, so the step's residual code grows with k,
/// not with 2^k.
/// </summary>
/// <remarks>Code: <c>Tests k</c> (two ints), <c>SumUntilZero</c> (one int: adds the stack's elements from the
/// second up to a zero to the first, in a loop that exits on a red value), <c>Loop target</c> (two ints: count down the stack's last element,
/// jump back while it is positive), <c>Halt</c> (return the stack's first element).</remarks>
public static class Joins
{
    public const int Tests = 0;
    public const int Loop = 1;
    public const int Halt = 2;
    public const int SumUntilZero = 3;

    [JitPortal(Greens = ["pc", "code"], Reds = ["frame"])]
    public static long Run(Code code, Frame frame)
    {
        int pc = 0;
        while (true)
        {
            Jit.MergePoint(pc, code, frame);
            long[] stack = frame.Stack;
            switch (code.Ops[pc])
            {
                case Tests:
                {
                    int count = code.Ops[pc + 1];
                    long accumulator = stack[0];
                    for (int i = 1; i <= count; i++)
                    {
                        if (stack[i] > 0) accumulator += stack[i];
                        else accumulator -= i;
                    }
                    stack[0] = accumulator;
                    pc += 2;
                    break;
                }
                case SumUntilZero:
                {
                    // A loop of the interpreter's own that exits on a red value: generalized, it stays a loop.
                    int j = 1;
                    long total = 0;
                    while (stack[j] != 0) total += stack[j++];
                    stack[0] += total;
                    pc += 1;
                    break;
                }
                case Loop:
                    if (--stack[^1] > 0)
                    {
                        pc = code.Ops[pc + 1];
                        Jit.CanEnterJit(pc, code, frame);
                    }
                    else
                    {
                        pc += 2;
                    }
                    break;
                default:
                    return stack[0];
            }
        }
    }
}

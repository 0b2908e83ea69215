namespace PeJit.AnalysisSubjects;

/// <summary>
/// An instance portal whose <c>this</c> is read only before its loop, as a lambda made the portal reads its closure's
/// captured fields (copied into locals, the green one through <c>Jit.Promote</c>): <c>this</c>, the portal's implicit
/// red, is dead after the merge point, yet the merge-point state carries it. The opcodes of <see cref="ObjectOp"/> mean
/// here: <c>AddConst a</c>: <c>acc += a * step</c> when <c>n % 3 == 0</c>, else <c>acc -= 1</c>; <c>Load m</c>: <c>acc += Jit.Promote(n &amp; m)</c> (a guard whose
/// unseen values leave compiled code in the middle of a step); <c>JumpIfTrue t</c>: <c>n--</c>, then to <c>t</c> while
/// <c>n &gt; 0</c>; anything else returns <c>acc</c>.
/// </summary>
public sealed class ThisBeforeLoop(ObjectProgram program, long step)
{
    public readonly ObjectProgram Program = program;
    public readonly long Step = step;

    [JitPortal(Greens = ["pc", "code"], Reds = ["n", "acc", "step"])]
    public long Run(long n)
    {
        var code = Jit.Promote(Program);
        long step = Step;
        long acc = 0;
        int pc = 0;
        while (true)
        {
            Jit.MergePoint(pc, code, n, acc, step);
            var instruction = code.Code[pc];
            switch (instruction.Op)
            {
                case ObjectOp.AddConst:
                    // A red branch whose paths join again before the back edge, where `this` is dead.
                    if (n % 3 == 0) acc += instruction.Argument * step;
                    else acc -= 1;
                    pc++;
                    break;
                case ObjectOp.Load: acc += Jit.Promote(n & instruction.Argument); pc++; break;
                case ObjectOp.JumpIfTrue:
                    n--;
                    if (n > 0)
                    {
                        pc = instruction.Argument;
                        Jit.CanEnterJit(pc, code, n, acc, step);
                    }
                    else
                    {
                        pc++;
                    }
                    break;
                default: return acc;
            }
        }
    }

    /// <summary>A loop of <c>AddConst 5</c> and, with <paramref name="guarded"/>, <c>acc += Jit.Promote(n &amp; 7)</c>.</summary>
    public static ObjectProgram Loop(bool guarded) => new(guarded
        ? [new(ObjectOp.AddConst, 5), new(ObjectOp.Load, 7), new(ObjectOp.JumpIfTrue, 0), new(ObjectOp.Halt, 0)]
        : [new(ObjectOp.AddConst, 5), new(ObjectOp.JumpIfTrue, 0), new(ObjectOp.Halt, 0)]);
}

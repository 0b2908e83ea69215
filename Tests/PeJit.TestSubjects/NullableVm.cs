namespace PeJit.TestSubjects;

/// <summary>
/// A VM whose helper answers with a <c>bool?</c> (<c>known ? x &lt; bound : null</c>, as Lua's <c>LuaFloat.LessThan</c> does): C#
/// makes the null answer with <c>initobj</c> on a local's address. Where <c>known</c> comes from the program (green), that
/// write was once a green write the specializer could not perform (a boxed empty <c>Nullable&lt;T&gt;</c> is null, not a struct),
/// and the loop was never compiled. <c>NullableVmJitTests</c>.
/// </summary>
public static class NullableVm
{
    public const int Compare = 0, Next = 1, Return = 2;

    /// <summary>Counts, for each i below n, a 1 for each compare whose answer is yes and a 10 for each with no answer.</summary>
    [JitPortal(Greens = ["pc", "code"], Reds = ["acc", "i", "n"])]
    public static long Run(int[] code, long n)
    {
        long acc = 0, i = 0;
        int pc = 0;
        while (true)
        {
            Jit.MergePoint(pc, code, acc, i, n);
            switch (code[pc])
            {
                case Compare:
                    bool? less = Less(i % 7, code[pc + 1], code[pc + 2] != 0);
                    acc += less is bool yes ? (yes ? 1 : 0) : 10;
                    pc += 3;
                    break;
                case Next:
                    i++;
                    if (i < n)
                    {
                        pc = 0;
                        Jit.CanEnterJit(pc, code, acc, i, n);
                    }
                    else pc++;
                    break;
                default:
                    return acc;
            }
        }
    }

    private static bool? Less(long x, long bound, bool known) => known ? x < bound : null;

    /// <summary>A compare with an answer, one without, then the loop's end.</summary>
    public static int[] Program() => [Compare, 3, 1, Compare, 5, 0, Next, Return];
}

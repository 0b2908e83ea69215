namespace PeJit.TestSubjects;

/// <summary>
/// A class VM with loops (<see cref="Loop"/> calls <c>Jit.CanEnterJit</c>) whose loop calls a small function through
/// <c>this.Run</c>: the loop's unit inlines the call of the instance portal, as it inlines a static portal's
/// (<c>InstancePortalCallTests</c>). The entry allocates the frame; <see cref="Tally"/> writes a field of <c>this</c> and
/// promotes a red value, so the inlined callee leaves mid-step for a value it has no case for.
/// </summary>
public sealed class InstanceLoopCallVm(InstanceCallVm.Function[] functions)
{
    public const int Const = 0, Load = 1, Store = 2, Add = 3, Lt = 4, JumpIfFalse = 5, Loop = 6, Call = 7, Tally = 8, Ret = 9;

    /// <summary>The program's functions, which <see cref="Call"/> names by index.</summary>
    public readonly InstanceCallVm.Function[] Functions = functions;

    /// <summary>What <see cref="Tally"/> added up.</summary>
    public long Total;

    [JitPortal(Greens = ["pc", "fn"], Reds = ["locals", "stack", "sp"])]
    public long Run(InstanceCallVm.Function fn, long argument)
    {
        int pc = 0;
        var locals = new long[fn.Locals];
        locals[0] = argument;
        var stack = new long[8];
        int sp = 0;
        while (true)
        {
            Jit.MergePoint(pc, fn, locals, stack, sp);
            long arg = fn.Args[pc];
            switch (fn.Ops[pc++])
            {
                case Const: stack[sp++] = arg; break;
                case Load: stack[sp++] = locals[arg]; break;
                case Store: locals[arg] = stack[--sp]; break;
                case Add: sp--; stack[sp - 1] += stack[sp]; break;
                case Lt: sp--; stack[sp - 1] = stack[sp - 1] < stack[sp] ? 1 : 0; break;
                case JumpIfFalse: if (stack[--sp] == 0) pc = (int)arg; break;
                case Loop: pc = (int)arg; Jit.CanEnterJit(pc, fn, locals, stack, sp); break;
                case Call: stack[sp - 1] = Run(Jit.Promote(Functions[arg]), stack[sp - 1]); break;
                case Tally: Total += stack[sp - 1]; stack[sp - 1] = Jit.Promote(stack[sp - 1] & 3) + arg; break;
                default: return stack[sp - 1];
            }
        }
    }

    /// <summary>
    /// <c>main(n): s = 0; while (i &lt; n) { s = s + f(i); i = i + 1 } return s</c> (locals n, i, s), <c>f</c> function
    /// <paramref name="callee"/>; the loop's head (pc 2) is not the function's entry, so the loop gets a unit of its own.
    /// </summary>
    public static InstanceCallVm.Function Main(int callee) => new(
        [Const, Store, Load, Load, Lt, JumpIfFalse, Load, Load, Call, Add, Store, Load, Const, Add, Store, Loop, Load, Ret],
        [0, 2, 1, 0, 0, 16, 2, 1, callee, 0, 2, 1, 1, 0, 1, 2, 2, 0],
        3);

    /// <summary><c>f(i) = Tally(i) + i</c>: <c>Total += i</c>, then <c>(i &amp; 3) + k + i</c>.</summary>
    public static InstanceCallVm.Function Step(long k) => new(
        [Load, Tally, Load, Add, Ret],
        [0, k, 0, 0, 0],
        1);
}

namespace PeJit.TestSubjects;

/// <summary>
/// A bytecode VM written as a class, as interpreters often are: the portal is an instance method, so <c>this</c> is an
/// implicit red the merge point does not name; the dispatch loop reads fields of <c>this</c> (<see cref="Scaling"/>, the
/// program's <see cref="Functions"/>) and writes them (<see cref="Total"/>, <see cref="Calls"/>); a call of the interpreted
/// program is a call of the portal on the same object (<see cref="Call"/>) or on a second one (<see cref="CallOther"/>).
/// The language has no loops, so the portal has no <c>Jit.CanEnterJit</c>: each function gets hot at the portal's entry,
/// and the woven entry enters its typed unit, which takes <c>this</c> as its last parameter, through an entry cell
/// (<c>InstancePortalCellTests</c>). <see cref="Tally"/> writes a field of <c>this</c> and then promotes a red value, so
/// compiled code leaves in the middle of that step for each value it has no case for, after the write. It is the class VM
/// as written first: <c>Calls++</c> in the portal's entry and the callee read from <see cref="Functions"/>, not promoted; a
/// function's unit calls itself directly behind a test that the callee is its own function (<c>FirstWrittenClassVmTests</c>).
/// </summary>
public sealed class InstanceBytecodeVm(InstanceBytecodeVm.Function[] functions, long scaling)
{
    public const int Const = 0;       // push arg
    public const int Load = 1;        // push locals[arg]
    public const int Store = 2;       // locals[arg] = pop
    public const int Add = 3;
    public const int Sub = 4;
    public const int Lt = 5;          // 1 or 0
    public const int JumpIfFalse = 6; // pop; to arg when 0 (forward only: the language has no loops)
    public const int Scale = 7;       // top *= this.Scaling
    public const int Tally = 8;       // this.Total += top; top = Jit.Promote(top & 3) * arg
    public const int Call = 9;        // top = this.Run(this.Functions[arg], top)
    public const int CallOther = 10;  // top = this.Other.Run(this.Other.Functions[arg], top)
    public const int Ret = 11;        // return top

    /// <summary>A function: an opcode and an argument per instruction, and its locals (local 0 its argument).</summary>
    public sealed class Function(int[] ops, long[] args, int locals)
    {
        public readonly int[] Ops = ops;
        public readonly long[] Args = args;
        public readonly int Locals = locals;
    }

    /// <summary>The program's functions, which <see cref="Call"/> names by index.</summary>
    public readonly Function[] Functions = functions;

    /// <summary>What <see cref="Scale"/> multiplies by: read from <c>this</c> at every use, so changing it between runs counts.</summary>
    public long Scaling = scaling;

    /// <summary>What <see cref="Tally"/> added up: written through <c>this</c> by the compiled code.</summary>
    public long Total;

    /// <summary>Functions run on this object (every activation of the portal).</summary>
    public long Calls;

    /// <summary>The object <see cref="CallOther"/> calls.</summary>
    public InstanceBytecodeVm? Other;

    [JitPortal(Greens = ["pc", "fn"], Reds = ["locals", "stack", "sp"])]
    public long Run(Function fn, long argument)
    {
        int pc = 0;
        var locals = new long[fn.Locals];
        locals[0] = argument;
        var stack = new long[8];
        int sp = 0;
        Calls++;
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
                case Sub: sp--; stack[sp - 1] -= stack[sp]; break;
                case Lt: sp--; stack[sp - 1] = stack[sp - 1] < stack[sp] ? 1 : 0; break;
                case JumpIfFalse: if (stack[--sp] == 0) pc = (int)arg; break;
                case Scale: stack[sp - 1] *= Scaling; break;
                case Tally: Total += stack[sp - 1]; stack[sp - 1] = Jit.Promote(stack[sp - 1] & 3) * arg; break;
                case Call: stack[sp - 1] = Run(Functions[arg], stack[sp - 1]); break;
                case CallOther: stack[sp - 1] = Other!.Run(Other.Functions[arg], stack[sp - 1]); break;
                default: return stack[sp - 1];
            }
        }
    }

    /// <summary>
    /// <c>f(n) = n &lt; 2 ? n * Scaling : f(n - 1) + f(n - 2)</c> as function 0 (Scaling times Fibonacci), calling itself
    /// through <see cref="Call"/>.
    /// </summary>
    public static Function Fibonacci() => new(
        [Load, Const, Lt, JumpIfFalse, Load, Scale, Ret, Load, Const, Sub, Call, Load, Const, Sub, Call, Add, Ret],
        [0, 2, 0, 7, 0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0],
        1);

    /// <summary>
    /// <c>g(n) = Tally(n * Scaling, times k) + n</c>: <c>Total += n * Scaling</c>, then <c>Jit.Promote(n * Scaling &amp; 3) * k + n</c>.
    /// </summary>
    public static Function Tallying(long k) => new(
        [Load, Scale, Tally, Load, Add, Ret],
        [0, 0, k, 0, 0, 0],
        1);

    /// <summary><c>h(n) = Other.f(n) + n * Scaling</c>: function <paramref name="callee"/> of <see cref="Other"/>, on that object.</summary>
    public static Function CallingOther(int callee) => new(
        [Load, CallOther, Load, Scale, Add, Ret],
        [0, callee, 0, 0, 0, 0],
        1);
}

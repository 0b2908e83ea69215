namespace PeJit.TestSubjects;

/// <summary>
/// A bytecode VM written as a class whose entry makes the callee's frame, as class VMs do: the portal, an instance method,
/// allocates the function's locals and its stack and stores the argument before its merge point, and writes no field there
/// (<see cref="InstanceBytecodeVm"/> counts its activations in the entry, which keeps its calls portal calls). A call of the
/// interpreted program is a call of the portal on the same object (<see cref="Call"/>, counted in <see cref="Calls"/> before
/// it) or on another one (<see cref="CallOther"/>, whose receiver <see cref="Other"/> may be null: the plain VM then throws
/// <see cref="NullReferenceException"/> at the call). The language has no loops, so every function is compiled at the portal's
/// entry, and compiled functions call each other through call cells and themselves directly, <c>this</c> their units' last
/// argument (<c>InstancePortalCallTests</c>). The callee is read from a field of <c>this</c>, a red, so the call promotes it
/// (<c>Jit.Promote</c>): the callee's green key is then known at the call, as a compiled call needs (the portal's entry,
/// run at the call, reads the function's locals count). <see cref="Tally"/> writes a field of <c>this</c> and then promotes a red value,
/// so a callee's unit leaves in the middle of that step for each value it has no case for, after the write.
/// </summary>
public sealed class InstanceCallVm(InstanceCallVm.Function[] functions, long scaling)
{
    public const int Const = 0;       // push arg
    public const int Load = 1;        // push locals[arg]
    public const int Add = 2;
    public const int Sub = 3;
    public const int Lt = 4;          // 1 or 0
    public const int JumpIfFalse = 5; // pop; to arg when 0 (forward only: the language has no loops)
    public const int Scale = 6;       // top *= this.Scaling
    public const int Tally = 7;       // this.Total += top; top = Jit.Promote(top & 3) * arg
    public const int Call = 8;        // this.Calls++; top = this.Run(Jit.Promote(this.Functions[arg]), top)
    public const int CallOther = 9;   // this.Calls++; top = this.Other.Run(Jit.Promote(this.Functions[arg]), top)
    public const int Ret = 10;        // return top

    /// <summary>A function: an opcode and an argument per instruction, and its locals (local 0 its argument).</summary>
    public sealed class Function(int[] ops, long[] args, int locals)
    {
        public readonly int[] Ops = ops;
        public readonly long[] Args = args;
        public readonly int Locals = locals;
    }

    /// <summary>The program's functions, which <see cref="Call"/> and <see cref="CallOther"/> name by index.</summary>
    public readonly Function[] Functions = functions;

    /// <summary>What <see cref="Scale"/> multiplies by: read from <c>this</c> at every use, so each object's counts.</summary>
    public long Scaling = scaling;

    /// <summary>What <see cref="Tally"/> added up: written through <c>this</c> by compiled code.</summary>
    public long Total;

    /// <summary>Calls made from this object's functions, written before each call.</summary>
    public long Calls;

    /// <summary>The object <see cref="CallOther"/> calls; null makes that call throw.</summary>
    public InstanceCallVm? Other;

    [JitPortal(Greens = ["pc", "fn"], Reds = ["locals", "stack", "sp"])]
    public long Run(Function fn, long argument)
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
                case Add: sp--; stack[sp - 1] += stack[sp]; break;
                case Sub: sp--; stack[sp - 1] -= stack[sp]; break;
                case Lt: sp--; stack[sp - 1] = stack[sp - 1] < stack[sp] ? 1 : 0; break;
                case JumpIfFalse: if (stack[--sp] == 0) pc = (int)arg; break;
                case Scale: stack[sp - 1] *= Scaling; break;
                case Tally: Total += stack[sp - 1]; stack[sp - 1] = Jit.Promote(stack[sp - 1] & 3) * arg; break;
                case Call: Calls++; stack[sp - 1] = Run(Jit.Promote(Functions[arg]), stack[sp - 1]); break;
                case CallOther: Calls++; stack[sp - 1] = Other!.Run(Jit.Promote(Functions[arg]), stack[sp - 1]); break;
                default: return stack[sp - 1];
            }
        }
    }

    /// <summary>
    /// <c>f(n) = n &lt; 2 ? n * Scaling : f(n - 1) + f(n - 2)</c> (Scaling times Fibonacci), calling itself through
    /// <see cref="Call"/> as function <paramref name="self"/>.
    /// </summary>
    public static Function Fibonacci(int self) => new(
        [Load, Const, Lt, JumpIfFalse, Load, Scale, Ret, Load, Const, Sub, Call, Load, Const, Sub, Call, Add, Ret],
        [0, 2, 0, 7, 0, 0, 0, 0, 1, 0, self, 0, 2, 0, self, 0, 0],
        1);

    /// <summary>
    /// <c>t(n) = n &lt; 2 ? Tally(n * Scaling, times 1) : t(n - 1) + t(n - 2)</c>: the leaves add <c>n * Scaling</c> to
    /// <see cref="Total"/>, then promote it (mod 4), in units called directly, as function <paramref name="self"/>.
    /// </summary>
    public static Function TallyingFibonacci(int self) => new(
        [Load, Const, Lt, JumpIfFalse, Load, Scale, Tally, Ret, Load, Const, Sub, Call, Load, Const, Sub, Call, Add, Ret],
        [0, 2, 0, 8, 0, 0, 1, 0, 0, 1, 0, self, 0, 2, 0, self, 0, 0],
        1);

    /// <summary><c>g(n) = Tally(n * Scaling, times k) + n</c>.</summary>
    public static Function Tallying(long k) => new(
        [Load, Scale, Tally, Load, Add, Ret],
        [0, 0, k, 0, 0, 0],
        1);

    /// <summary><c>h(n) = g(n) + g(n + 1)</c>, <c>g</c> function <paramref name="callee"/> of this object's program, through <see cref="Call"/>.</summary>
    public static Function CallingTwice(int callee) => new(
        [Load, Call, Load, Const, Add, Call, Add, Ret],
        [0, callee, 0, 1, 0, callee, 0, 0],
        1);

    /// <summary><c>o(n) = Other.f(n) + n</c>, <c>f</c> function <paramref name="callee"/> of the program run on <see cref="Other"/>.</summary>
    public static Function CallingOther(int callee) => new(
        [Load, CallOther, Load, Add, Ret],
        [0, callee, 0, 0, 0],
        1);
}

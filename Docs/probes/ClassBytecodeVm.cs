// A class-based bytecode VM probe: not built by the solution. To try it, put it in a console project (net10.0, implicit
// usings) that references PeJit.Hints, `dotnet build -c Release -o out`, and `pejit build out/ClassBytecodeVm.dll -o woven`.
// The interpreter is a class whose portal is an instance method (`this` an implicit red): its fields are read and written in
// the dispatch loop, its entry allocates the function's locals and stack (as class VMs do), and a call of the interpreted
// program is a call of the portal on the same object, `this.Run(...)`. A function's unit calls itself directly and other
// functions' units through their call cells, `this` their last argument; a loop's unit inlines a small callee (branch
// icalls15; before it, every such call went through the woven portal's entry and its cell, branch cells15). The entry
// writes no field and the callee is promoted (`Jit.Promote(Functions[arg])`): the form icalls15 needed. Since icalls15b
// the form a user writes first gets compiled calls too: Docs/probes/ClassBytecodeVmFirstWritten.cs (`Calls++` in the
// entry, the callee read from `Functions` unpromoted). Tests/PeJit.TestSubjects/InstanceCallVm.cs is its test subject.
//   fib N     f(n) = n < 2 ? n : f(n - 1) + f(n - 2), recursive through this.Run (a loop-free function: compiled at its entry)
//   calls N   a loop of N turns calling a small function through this.Run (with PEJIT_COMPILE_FUNCTIONS=1 the function gets a
//             unit too, since by default no function is compiled once a loop is hot)
using System.Diagnostics;
using System.Globalization;
using PeJit;

sealed class Function(int[] ops, long[] args, int locals)
{
    public readonly int[] Ops = ops;
    public readonly long[] Args = args;
    public readonly int Locals = locals;
}

sealed class Machine(Function[] functions)
{
    public const int Const = 0, Load = 1, Store = 2, Add = 3, Sub = 4, Lt = 5, JumpIfFalse = 6, Loop = 7, Call = 8, Count = 9, Ret = 10;

    public readonly Function[] Functions = functions;

    /// <summary>Interpreted calls (a field of the interpreter written at each, before the call).</summary>
    public long Calls;

    /// <summary>What <see cref="Count"/> added (a field of the interpreter written by the compiled code).</summary>
    public long Counted;

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
                case Store: locals[arg] = stack[--sp]; break;
                case Add: sp--; stack[sp - 1] += stack[sp]; break;
                case Sub: sp--; stack[sp - 1] -= stack[sp]; break;
                case Lt: sp--; stack[sp - 1] = stack[sp - 1] < stack[sp] ? 1 : 0; break;
                case JumpIfFalse: if (stack[--sp] == 0) pc = (int)arg; break;
                case Loop: pc = (int)arg; Jit.CanEnterJit(pc, fn, locals, stack, sp); break;
                case Call: Calls++; stack[sp - 1] = Run(Jit.Promote(Functions[arg]), stack[sp - 1]); break;
                case Count: Counted += stack[sp - 1]; break;
                default: return stack[sp - 1];
            }
        }
    }
}

static class Program
{
    // f(n) = n < 2 ? n : f(n - 1) + f(n - 2)
    static readonly Function Fib = new(
        [Machine.Load, Machine.Const, Machine.Lt, Machine.JumpIfFalse, Machine.Load, Machine.Ret,
         Machine.Load, Machine.Const, Machine.Sub, Machine.Call, Machine.Load, Machine.Const, Machine.Sub, Machine.Call, Machine.Add, Machine.Ret],
        [0, 2, 0, 6, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0], 1);

    // main(n): i = 0; s = 0; while (i < n) { s = s + step(i); i = i + 1 } return s   (locals: n, i, s)
    static readonly Function CallsMain = new(
        [Machine.Load, Machine.Load, Machine.Lt, Machine.JumpIfFalse,
         Machine.Load, Machine.Load, Machine.Call, Machine.Add, Machine.Store,
         Machine.Load, Machine.Const, Machine.Add, Machine.Store, Machine.Loop,
         Machine.Load, Machine.Ret],
        [1, 0, 0, 14,
         2, 1, 1, 0, 2,
         1, 1, 0, 1, 0,
         2, 0], 3);

    // step(i) = Count(i) ; i * 3 + 1 - (i < 7)
    static readonly Function Step = new(
        [Machine.Load, Machine.Count, Machine.Const, Machine.Load, Machine.Add, Machine.Load, Machine.Add, Machine.Load, Machine.Add,
         Machine.Load, Machine.Const, Machine.Lt, Machine.Sub, Machine.Ret],
        [0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0], 1);

    static int Main(string[] args)
    {
        if (args.Length < 1 || args[0] is not ("fib" or "calls"))
        {
            Console.Error.WriteLine("usage: ClassBytecodeVm fib|calls [N]");
            return 2;
        }
        var watch = Stopwatch.StartNew();
        var machine = new Machine([Fib, Step, CallsMain]);
        long result = args[0] == "fib"
            ? machine.Run(Fib, args.Length > 1 ? long.Parse(args[1], CultureInfo.InvariantCulture) : 30)
            : machine.Run(CallsMain, args.Length > 1 ? long.Parse(args[1], CultureInfo.InvariantCulture) : 10_000_000);
        Console.WriteLine($"{result} ({machine.Calls} calls, counted {machine.Counted})");
        Console.Error.WriteLine($"{args[0]}: {watch.Elapsed.TotalMilliseconds:F0} ms");
        return 0;
    }
}

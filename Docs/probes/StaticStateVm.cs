// A static-state VM probe (Examples/STYLES-FINDINGS.md, "A VM whose state is static fields"): not built by the solution. A
// switch VM written as a static class: the operand stack, the stack pointer, the locals and a step counter are static fields.
// To try it, put it in a console project (net10.0, implicit usings) that references PeJit.Hints, build, and run `pejit build`
// on the DLL; `Probe.dll [n]` runs the program twice and prints the sum, the stack pointer and the steps counted, and the time
// on stderr.
using System.Diagnostics;
using PeJit;

enum Op : byte { Push, Load, Store, Add, Mul, Rem, Lt, JumpIfZero, Jump, Print, Halt }

static class Vm
{
    static long[] stack = new long[64];
    static int sp;
    static long[] locals = new long[8];
    public static long Steps;

    [JitPortal(Greens = ["pc", "ops", "args"], Reds = [])]
    public static void Run(Op[] ops, long[] args)
    {
        int pc = 0;
        while (true)
        {
            Jit.MergePoint(pc, ops, args);
            Steps++;
            switch (ops[pc])
            {
                case Op.Push: stack[sp++] = args[pc]; pc++; break;
                case Op.Load: stack[sp++] = locals[args[pc]]; pc++; break;
                case Op.Store: locals[args[pc]] = stack[--sp]; pc++; break;
                case Op.Add: sp--; stack[sp - 1] += stack[sp]; pc++; break;
                case Op.Mul: sp--; stack[sp - 1] *= stack[sp]; pc++; break;
                case Op.Rem: sp--; stack[sp - 1] %= stack[sp]; pc++; break;
                case Op.Lt: sp--; stack[sp - 1] = stack[sp - 1] < stack[sp] ? 1 : 0; pc++; break;
                case Op.JumpIfZero: pc = stack[--sp] == 0 ? (int)args[pc] : pc + 1; break;
                case Op.Jump:
                    pc = (int)args[pc];
                    Jit.CanEnterJit(pc, ops, args);
                    break;
                case Op.Print: Console.WriteLine(stack[--sp]); pc++; break;
                case Op.Halt: return;
            }
        }
    }

    public static int Sp => sp;
}

static class Program
{
    static int Main(string[] a)
    {
        long n = a.Length > 0 ? long.Parse(a[0]) : 10_000_000;
        var code = new (Op, long)[]
        {
            (Op.Push, 0), (Op.Store, 0), (Op.Push, 0), (Op.Store, 1),
            (Op.Load, 0), (Op.Push, n), (Op.Lt, 0), (Op.JumpIfZero, 21),
            (Op.Load, 1), (Op.Load, 0), (Op.Load, 0), (Op.Mul, 0), (Op.Push, 7), (Op.Rem, 0), (Op.Add, 0), (Op.Store, 1),
            (Op.Load, 0), (Op.Push, 1), (Op.Add, 0), (Op.Store, 0),
            (Op.Jump, 4),
            (Op.Load, 1), (Op.Print, 0), (Op.Halt, 0),
        };
        var ops = code.Select(c => c.Item1).ToArray();
        var args = code.Select(c => c.Item2).ToArray();
        var sw = Stopwatch.StartNew();
        for (int run = 0; run < 2; run++)
        {
            Vm.Run(ops, args);
            Console.WriteLine($"sp {Vm.Sp} steps {Vm.Steps}");
        }
        Console.Error.WriteLine($"{sw.ElapsedMilliseconds} ms");
        return 0;
    }
}

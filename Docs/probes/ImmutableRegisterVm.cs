// An ImmutableArray register VM probe (Examples/STYLES-FINDINGS.md, "A register VM over ImmutableArray, with struct frames
// and calls in the dispatch loop"): not built by the solution. To try it, put it in a console project (net10.0, implicit
// usings, nullable) that references PeJit.Hints, build, and run `pejit build` on the DLL; `Probe.dll sum|calls|fib [n]`
// prints the result on stdout and the time on stderr. Its machine is also a test subject (Tests/PeJit.TestSubjects/
// ImmutableCodeVm.cs, ImmutableCodeVmJitTests).
// A register VM as a Lua-like C# engine writes one: instructions a `readonly record struct` in an ImmutableArray,
// call frames structs in an array reached through `ref` locals, and calls that do not recurse in C#: a call pushes a
// frame and switches the running function and pc in the same loop; a return pops it (PeJit: the popped pc and
// function are promoted).
using System.Collections.Immutable;
using PeJit;

enum Op : byte { LoadK, Move, Add, Sub, Mul, Rem, Lt, Jmp, JmpIfNot, Call, Ret, Print }

readonly record struct Instr(Op Op, int A, int B = 0, int C = 0);

sealed class Proto(string name, ImmutableArray<Instr> code, ImmutableArray<long> constants)
{
    public readonly string Name = name;
    public readonly ImmutableArray<Instr> Code = code;
    public readonly ImmutableArray<long> Constants = constants;
}

sealed class Program(ImmutableArray<Proto> functions)
{
    public readonly ImmutableArray<Proto> Functions = functions;
}

struct CallFrame
{
    public Proto Proto;
    public int ReturnPc;
    public int Base;
    public int ResultRegister;
}

static class Vm
{
    [JitPortal(Greens = ["pc", "proto", "program"], Reds = ["regs", "frames", "fp", "bas", "output"])]
    public static long Run(Program program, long[] regs, TextWriter output)
    {
        var frames = new CallFrame[1024];
        int fp = 0, bas = 0, pc = 0;
        Proto proto = program.Functions[0];
        while (true)
        {
            Jit.MergePoint(pc, proto, program, regs, frames, fp, bas, output);
            Instr i = proto.Code[pc++];
            switch (i.Op)
            {
                case Op.LoadK: regs[bas + i.A] = proto.Constants[i.B]; break;
                case Op.Move: regs[bas + i.A] = regs[bas + i.B]; break;
                case Op.Add: regs[bas + i.A] = regs[bas + i.B] + regs[bas + i.C]; break;
                case Op.Sub: regs[bas + i.A] = regs[bas + i.B] - regs[bas + i.C]; break;
                case Op.Mul: regs[bas + i.A] = regs[bas + i.B] * regs[bas + i.C]; break;
                case Op.Rem: regs[bas + i.A] = regs[bas + i.B] % regs[bas + i.C]; break;
                case Op.Lt: regs[bas + i.A] = regs[bas + i.B] < regs[bas + i.C] ? 1 : 0; break;
                case Op.Jmp:
                {
                    bool backwards = i.A < pc;
                    pc = i.A;
                    if (backwards) Jit.CanEnterJit(pc, proto, program, regs, frames, fp, bas, output);
                    break;
                }
                case Op.JmpIfNot: if (regs[bas + i.B] == 0) pc = i.A; break;
                case Op.Call:
                {
                    // A: the callee's index, B: its first register (arguments from there), C: the result's register.
                    ref CallFrame frame = ref frames[fp++];
                    frame.Proto = proto;
                    frame.ReturnPc = pc;
                    frame.Base = bas;
                    frame.ResultRegister = i.C;
                    bas += i.B;
                    proto = program.Functions[i.A];
                    pc = 0;
                    break;
                }
                case Op.Ret:
                {
                    long value = regs[bas + i.A];
                    if (fp == 0) return value;
                    ref CallFrame frame = ref frames[--fp];
                    proto = Jit.Promote(frame.Proto);
                    pc = Jit.Promote(frame.ReturnPc);
                    bas = frame.Base;
                    regs[bas + frame.ResultRegister] = value;
                    break;
                }
                case Op.Print: output.WriteLine(regs[bas + i.A]); break;
                default: throw new InvalidOperationException($"bad op {i.Op} at {pc - 1} in {proto.Name}");
            }
        }
    }
}

static class Main_
{
    static int Main(string[] args)
    {
        string which = args.Length > 0 ? args[0] : "sum";
        long n = args.Length > 1 ? long.Parse(args[1]) : which == "fib" ? 27 : 30_000_000;
        Program program = which switch
        {
            // r0 = i, r1 = s, r2 = n, r3 = t, r4 = 7, r5 = 1
            "sum" => new([new Proto("main", [
                new(Op.LoadK, 0, 0), new(Op.LoadK, 1, 0), new(Op.LoadK, 2, 1), new(Op.LoadK, 4, 2), new(Op.LoadK, 5, 3),
                new(Op.Lt, 3, 0, 2), new(Op.JmpIfNot, 12, 3),             // 5, 6
                new(Op.Mul, 3, 0, 0), new(Op.Rem, 3, 3, 4), new(Op.Add, 1, 1, 3), new(Op.Add, 0, 0, 5), // 7-10
                new(Op.Jmp, 5),                                          // 11
                new(Op.Print, 1), new(Op.Ret, 1)], [0, n, 7, 1])]),       // 12, 13
            // main: r0 = fib(n); fib(r0): if r0 < 2 return r0 else return fib(r0-1) + fib(r0-2)
            "fib" => new([
                new Proto("main", [new(Op.LoadK, 1, 0), new(Op.Call, 1, 1, 0), new(Op.Print, 0), new(Op.Ret, 0)], [n]),
                new Proto("fib", [
                    new(Op.LoadK, 1, 0), new(Op.Lt, 2, 0, 1), new(Op.JmpIfNot, 4, 2), new(Op.Ret, 0),   // 0-3
                    new(Op.LoadK, 1, 1), new(Op.Sub, 4, 0, 1), new(Op.Call, 1, 4, 2),                    // 4-6: r2 = fib(n-1)
                    new(Op.LoadK, 1, 0), new(Op.Sub, 4, 0, 1), new(Op.Call, 1, 4, 3),                    // 7-9: r3 = fib(n-2)
                    new(Op.Add, 2, 2, 3), new(Op.Ret, 2)], [2, 1])]),
            // calls: a loop calling a small function: s += sq(i) % 7
            "calls" => new([
                new Proto("main", [
                    new(Op.LoadK, 0, 0), new(Op.LoadK, 1, 0), new(Op.LoadK, 2, 1), new(Op.LoadK, 4, 2), new(Op.LoadK, 5, 3),
                    new(Op.Lt, 3, 0, 2), new(Op.JmpIfNot, 13, 3),                                 // 5, 6
                    new(Op.Move, 6, 0), new(Op.Call, 1, 6, 3),                                    // 7, 8: r3 = sq(i)
                    new(Op.Rem, 3, 3, 4), new(Op.Add, 1, 1, 3), new(Op.Add, 0, 0, 5), new(Op.Jmp, 5), // 9-12
                    new(Op.Print, 1), new(Op.Ret, 1)], [0, n, 7, 1]),                             // 13, 14
                new Proto("sq", [new(Op.Mul, 1, 0, 0), new(Op.Ret, 1)], [])]),
            _ => throw new ArgumentException($"unknown program '{which}': sum, fib or calls"),
        };
        var watch = System.Diagnostics.Stopwatch.StartNew();
        Vm.Run(program, new long[4096], Console.Out);
        Console.Error.WriteLine($"{watch.Elapsed.TotalMilliseconds:F0} ms");
        return 0;
    }
}

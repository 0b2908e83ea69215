using System.Collections.Immutable;

namespace PeJit.TestSubjects;

/// <summary>
/// A register machine as a modern C# engine writes one: the code an <see cref="ImmutableArray{T}"/> of
/// <c>readonly record struct</c> instructions in a <c>readonly</c> field, constants in another and in a <c>static readonly</c>
/// one, call frames structs in an array, and calls that stay in the dispatch loop (a call pushes a frame and switches the
/// running function and pc; a return pops it through a <c>ref</c> to the frame, the function and pc promoted, so compiled
/// code leaving at a return's unseen pc leaves with that <c>ref</c> live). C# calls <c>ImmutableArray</c>'s indexer on
/// the field's address, with no copy; the analysis reads such a field through a copy (<c>ImmutableFieldCopies</c>), so the
/// instruction read at a green pc of a green function is green, and <c>pejit build</c> emits the indexer's green call with
/// a struct receiver (<c>GreenAccessEmitter</c>).
/// </summary>
public static class ImmutableCodeVm
{
    public enum Op : byte { LoadK, LoadShared, Move, Add, Sub, Mul, Rem, Lt, Jmp, JmpIfNot, Call, Ret }

    public readonly record struct Instr(Op Op, int A, int B = 0, int C = 0);

    public sealed class Function(string name, ImmutableArray<Instr> code, ImmutableArray<long> constants)
    {
        public readonly string Name = name;
        public readonly ImmutableArray<Instr> Code = code;
        public readonly ImmutableArray<long> Constants = constants;
    }

    public sealed class Program(ImmutableArray<Function> functions)
    {
        public readonly ImmutableArray<Function> Functions = functions;
    }

    public struct CallFrame
    {
        public Function Function;
        public int ReturnPc;
        public int Base;
        public int Result;
    }

    /// <summary>Constants every function may read (<see cref="Op.LoadShared"/>): a static readonly field's address.</summary>
    public static readonly ImmutableArray<long> Shared = [7, 1, 0];

    /// <summary>Runs <paramref name="program"/>'s first function; returns what it returns.</summary>
    [JitPortal(Greens = ["pc", "function", "program"], Reds = ["regs", "frames", "fp", "bas"])]
    public static long Run(Program program, long[] regs)
    {
        var frames = new CallFrame[256];
        int fp = 0, bas = 0, pc = 0;
        Function function = program.Functions[0];
        while (true)
        {
            Jit.MergePoint(pc, function, program, regs, frames, fp, bas);
            Instr i = function.Code[pc++];
            switch (i.Op)
            {
                case Op.LoadK: regs[bas + i.A] = function.Constants[i.B]; break;
                case Op.LoadShared: regs[bas + i.A] = Shared[i.B]; break;
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
                    if (backwards) Jit.CanEnterJit(pc, function, program, regs, frames, fp, bas);
                    break;
                }
                case Op.JmpIfNot: if (regs[bas + i.B] == 0) pc = i.A; break;
                case Op.Call:
                {
                    // A: the callee's index, B: its first register (its arguments from there), C: the result's register.
                    ref CallFrame pushed = ref frames[fp++];
                    pushed.Function = function;
                    pushed.ReturnPc = pc;
                    pushed.Base = bas;
                    pushed.Result = i.C;
                    bas += i.B;
                    function = program.Functions[i.A];
                    pc = 0;
                    break;
                }
                case Op.Ret:
                {
                    long value = regs[bas + i.A];
                    if (fp == 0) return value;
                    // A ref live across the promotions: an exit there hands the evaluator the element's address.
                    ref CallFrame frame = ref frames[--fp];
                    function = Jit.Promote(frame.Function);
                    pc = Jit.Promote(frame.ReturnPc);
                    bas = frame.Base;
                    regs[bas + frame.Result] = value;
                    break;
                }
                default: throw new InvalidOperationException($"bad op {i.Op} at {pc - 1} in {function.Name}");
            }
        }
    }

    /// <summary>
    /// main calls sum(n), whose loop is s += i * i % 7 for i in 0..n (the 7 a shared constant); returns s. The loop's unit
    /// is entered inside the call, so at the return it pops a frame it did not push: the caller's function and pc are
    /// values it has no case for, and it leaves with the frame's <c>ref</c> live.
    /// </summary>
    public static Program Sum(long n) => new([
        new Function("main", [new(Op.LoadK, 1, 0), new(Op.Call, 1, 1, 0), new(Op.Ret, 0)], [n]),
        new Function("sum", [
            new(Op.LoadK, 1, 0), new(Op.LoadK, 2, 0), new(Op.LoadShared, 4, 0), new(Op.LoadShared, 5, 1),
            new(Op.Lt, 3, 1, 0), new(Op.JmpIfNot, 11, 3),                                          // 4, 5
            new(Op.Mul, 3, 1, 1), new(Op.Rem, 3, 3, 4), new(Op.Add, 2, 2, 3), new(Op.Add, 1, 1, 5), // 6-9
            new(Op.Jmp, 4),                                                                         // 10
            new(Op.Ret, 2)], [0])]);                                                                // 11

    /// <summary>
    /// A loop calling a function of the program: s += square(i) % 7 for i in 0..n, from one call site for the first half
    /// and from another for the rest, so a unit compiled in the first half meets the callee's return to the second site
    /// as a value it has no case for; returns s.
    /// </summary>
    public static Program Calls(long n) => new([
        new Function("main", [
            new(Op.LoadK, 0, 0), new(Op.LoadK, 1, 0), new(Op.LoadK, 2, 1), new(Op.LoadShared, 4, 0), new(Op.LoadShared, 5, 1),
            new(Op.LoadK, 8, 2),
            new(Op.Lt, 3, 0, 2), new(Op.JmpIfNot, 18, 3),                   // 6, 7: while i < n
            new(Op.Move, 6, 0), new(Op.Lt, 7, 0, 8), new(Op.JmpIfNot, 13, 7), // 8-10: the second half calls from 13
            new(Op.Call, 1, 6, 3), new(Op.Jmp, 14),                         // 11, 12
            new(Op.Call, 1, 6, 3),                                          // 13
            new(Op.Rem, 3, 3, 4), new(Op.Add, 1, 1, 3), new(Op.Add, 0, 0, 5), new(Op.Jmp, 6), // 14-17
            new(Op.Ret, 1)], [0, n, n / 2]),                                // 18
        new Function("square", [new(Op.Mul, 1, 0, 0), new(Op.Ret, 1)], [])]);
}

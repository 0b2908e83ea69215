using System.Collections.Immutable;

namespace PeJit.TestSubjects;

/// <summary>
/// A register machine as a modern C# engine writes one: the code an <see cref="ImmutableArray{T}"/> of
/// <c>readonly record struct</c> instructions in a <c>readonly</c> field, constants in another and in a <c>static readonly</c>
/// one, call frames structs in an array, and calls that stay in the dispatch loop (a call pushes a frame and switches the
/// running function and pc; a return pops it, the function and pc promoted). C# calls <c>ImmutableArray</c>'s indexer on
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
                    CallFrame frame = frames[--fp];
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

    /// <summary>s = 0; for i in 0..n: s += i * i % 7 (the 7 a shared constant); returns s.</summary>
    public static Program Sum(long n) => new([new Function("main", [
        new(Op.LoadK, 0, 0), new(Op.LoadK, 1, 0), new(Op.LoadK, 2, 1), new(Op.LoadShared, 4, 0), new(Op.LoadShared, 5, 1),
        new(Op.Lt, 3, 0, 2), new(Op.JmpIfNot, 12, 3),
        new(Op.Mul, 3, 0, 0), new(Op.Rem, 3, 3, 4), new(Op.Add, 1, 1, 3), new(Op.Add, 0, 0, 5),
        new(Op.Jmp, 5),
        new(Op.Ret, 1)], [0, n])]);

    /// <summary>A loop calling a function of the program: s += square(i) % 7 for i in 0..n; returns s.</summary>
    public static Program Calls(long n) => new([
        new Function("main", [
            new(Op.LoadK, 0, 0), new(Op.LoadK, 1, 0), new(Op.LoadK, 2, 1), new(Op.LoadShared, 4, 0), new(Op.LoadShared, 5, 1),
            new(Op.Lt, 3, 0, 2), new(Op.JmpIfNot, 13, 3),
            new(Op.Move, 6, 0), new(Op.Call, 1, 6, 3),
            new(Op.Rem, 3, 3, 4), new(Op.Add, 1, 1, 3), new(Op.Add, 0, 0, 5), new(Op.Jmp, 5),
            new(Op.Ret, 1)], [0, n]),
        new Function("square", [new(Op.Mul, 1, 0, 0), new(Op.Ret, 1)], [])]);
}

// A span-style bytecode VM probe (Examples/STYLES-FINDINGS.md, "A bytecode VM written with spans"): not built by the solution.
// To try it, put it in a console project (net10.0, implicit usings) that references PeJit.Hints, build, and run `pejit build`
// on the DLL; `Probe.dll [n]` prints the sum on stdout and the time on stderr. The reader as first written: the opcode read as
// `bytes[pc]` on `ReadOnlySpan<byte> bytes = code.Bytes`, operands decoded with `BinaryPrimitives` over `bytes.Slice(pc + 1)`.
// A span of the green code at a green pc is green (Docs/bta.md rule 12), so the dispatch and the operands are. The value stack
// is an array with a stack pointer, both red at the merge point (a stackalloc'd span cannot be: PJ0010 says so).
using System.Buffers.Binary;
using PeJit;

enum Op : byte { Push, Load, Store, Add, Sub, Mul, Rem, Lt, JumpIfZero, Jump, Print, Halt }

sealed class Code(byte[] bytes)
{
    [JitImmutable] public readonly byte[] Bytes = bytes;
}

static class Vm
{
    [JitPortal(Greens = ["pc", "code"], Reds = ["locals", "output", "stack", "sp"])]
    public static void Run(Code code, long[] locals, TextWriter output)
    {
        var stack = new long[64];
        int sp = 0;
        int pc = 0;
        while (true)
        {
            Jit.MergePoint(pc, code, locals, output, stack, sp);
            ReadOnlySpan<byte> bytes = code.Bytes;
            var op = (Op)bytes[pc];
            switch (op)
            {
                case Op.Push: stack[sp++] = BinaryPrimitives.ReadInt64LittleEndian(bytes.Slice(pc + 1)); pc += 9; break;
                case Op.Load: stack[sp++] = locals[bytes[pc + 1]]; pc += 2; break;
                case Op.Store: locals[bytes[pc + 1]] = stack[--sp]; pc += 2; break;
                case Op.Add: sp--; stack[sp - 1] += stack[sp]; pc++; break;
                case Op.Sub: sp--; stack[sp - 1] -= stack[sp]; pc++; break;
                case Op.Mul: sp--; stack[sp - 1] *= stack[sp]; pc++; break;
                case Op.Rem: sp--; stack[sp - 1] %= stack[sp]; pc++; break;
                case Op.Lt: sp--; stack[sp - 1] = stack[sp - 1] < stack[sp] ? 1 : 0; pc++; break;
                case Op.JumpIfZero:
                {
                    int target = BinaryPrimitives.ReadInt32LittleEndian(bytes.Slice(pc + 1));
                    pc = stack[--sp] == 0 ? target : pc + 5;
                    break;
                }
                case Op.Jump:
                {
                    int target = BinaryPrimitives.ReadInt32LittleEndian(bytes.Slice(pc + 1));
                    bool backwards = target <= pc;
                    pc = target;
                    if (backwards) Jit.CanEnterJit(pc, code, locals, output, stack, sp);
                    break;
                }
                case Op.Print: output.WriteLine(stack[--sp]); pc++; break;
                case Op.Halt: return;
                default: throw new InvalidOperationException($"bad op {op} at {pc}");
            }
        }
    }
}

static class Program
{
    static int Main(string[] args)
    {
        long n = args.Length > 0 ? long.Parse(args[0]) : 10_000_000;
        var b = new List<byte>();
        void Emit(Op op) => b.Add((byte)op);
        void I64(long v) { var t = new byte[8]; BinaryPrimitives.WriteInt64LittleEndian(t, v); b.AddRange(t); }
        void I32(int v) { var t = new byte[4]; BinaryPrimitives.WriteInt32LittleEndian(t, v); b.AddRange(t); }
        // i = 0; s = 0; while (i < n) { s = s + i * i % 7; i = i + 1 } print s
        Emit(Op.Push); I64(0); Emit(Op.Store); b.Add(0);
        Emit(Op.Push); I64(0); Emit(Op.Store); b.Add(1);
        int head = b.Count;
        Emit(Op.Load); b.Add(0); Emit(Op.Push); I64(n); Emit(Op.Lt);
        Emit(Op.JumpIfZero); int patch = b.Count; I32(0);
        Emit(Op.Load); b.Add(1); Emit(Op.Load); b.Add(0); Emit(Op.Load); b.Add(0); Emit(Op.Mul); Emit(Op.Push); I64(7); Emit(Op.Rem); Emit(Op.Add); Emit(Op.Store); b.Add(1);
        Emit(Op.Load); b.Add(0); Emit(Op.Push); I64(1); Emit(Op.Add); Emit(Op.Store); b.Add(0);
        Emit(Op.Jump); I32(head);
        int end = b.Count;
        Emit(Op.Load); b.Add(1); Emit(Op.Print); Emit(Op.Halt);
        var bytes = b.ToArray();
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(patch), end);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        Vm.Run(new Code(bytes), new long[4], Console.Out);
        Console.Error.WriteLine($"sum {n}: {watch.Elapsed.TotalMilliseconds:F0} ms");
        return 0;
    }
}

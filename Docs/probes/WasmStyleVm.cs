// A WebAssembly-style VM probe (Examples/STYLES-FINDINGS.md, "A WebAssembly-style VM"): not built by the solution; build it
// as Docs/probes/RulesEngine.cs says. As first written it read immediates with
// BinaryPrimitives.ReadInt32LittleEndian(code.AsSpan(pc + 1)), which pejit build refuses (PJ0007, a span is never green);
// this is the version after the advice. Tests/PeJit.TestSubjects/CompoundAssignmentVm.cs is its test subject.
// A WebAssembly-style bytecode VM as performance-minded C# authors write one: the code a byte[] with little-endian
// immediates read through spans (BinaryPrimitives), locals and the operand stack in long[] arrays.
using System.Buffers.Binary;
using System.Diagnostics;
using PeJit;

enum Op : byte { I64Const, LocalGet, LocalSet, Add, Sub, Mul, RemS, LtS, BrIf, Br, Return, Drop }

[JitImmutable]
sealed class Function
{
    public readonly byte[] Code;
    public readonly int Locals;
    public Function(byte[] code, int locals) { Code = code; Locals = locals; }
}

static class Vm
{
    [JitPortal(Greens = ["pc", "function"], Reds = ["locals", "stack", "sp"])]
    public static long Run(Function function, long[] arguments)
    {
        var locals = new long[function.Locals];
        arguments.CopyTo(locals, 0);
        var stack = new long[16];
        int sp = 0, pc = 0;
        while (true)
        {
            Jit.MergePoint(pc, function, locals, stack, sp);
            byte[] code = function.Code;
            var op = (Op)code[pc];
            switch (op)
            {
                case Op.I64Const:
                    stack[sp++] = BitConverter.ToInt64(code, pc + 1);
                    pc += 9;
                    break;
                case Op.LocalGet:
                    stack[sp++] = locals[code[pc + 1]];
                    pc += 2;
                    break;
                case Op.LocalSet:
                    locals[code[pc + 1]] = stack[--sp];
                    pc += 2;
                    break;
                case Op.Add: sp--; stack[sp - 1] += stack[sp]; pc++; break;
                case Op.Sub: sp--; stack[sp - 1] -= stack[sp]; pc++; break;
                case Op.Mul: sp--; stack[sp - 1] *= stack[sp]; pc++; break;
                case Op.RemS: sp--; stack[sp - 1] %= stack[sp]; pc++; break;
                case Op.LtS: sp--; stack[sp - 1] = stack[sp - 1] < stack[sp] ? 1 : 0; pc++; break;
                case Op.BrIf:
                {
                    int target = BitConverter.ToInt32(code, pc + 1);
                    if (stack[--sp] != 0)
                    {
                        bool back = target <= pc;
                        pc = target;
                        if (back) Jit.CanEnterJit(pc, function, locals, stack, sp);
                    }
                    else pc += 5;
                    break;
                }
                case Op.Br:
                {
                    int target = BitConverter.ToInt32(code, pc + 1);
                    bool back = target <= pc;
                    pc = target;
                    if (back) Jit.CanEnterJit(pc, function, locals, stack, sp);
                    break;
                }
                case Op.Drop: sp--; pc++; break;
                case Op.Return: return stack[sp - 1];
                default: throw new InvalidOperationException($"bad opcode {op} at {pc}");
            }
        }
    }
}

static class Program
{
    sealed class Assembler
    {
        readonly List<byte> bytes = [];
        public int Here => bytes.Count;
        public Assembler Emit(Op op) { bytes.Add((byte)op); return this; }
        public Assembler Const(long v) { Emit(Op.I64Const); var b = new byte[8]; BinaryPrimitives.WriteInt64LittleEndian(b, v); bytes.AddRange(b); return this; }
        public Assembler Local(Op op, int i) { Emit(op); bytes.Add((byte)i); return this; }
        public Assembler Branch(Op op, int target) { Emit(op); var b = new byte[4]; BinaryPrimitives.WriteInt32LittleEndian(b, target); bytes.AddRange(b); return this; }
        public byte[] Bytes => bytes.ToArray();
    }

    // sum = 0; i = 0; while (i < n) { sum = sum + i % 7 * 3; i = i + 1 } return sum
    static Function Sum()
    {
        var a = new Assembler();
        a.Const(0).Local(Op.LocalSet, 1).Const(0).Local(Op.LocalSet, 2);
        int loop = a.Here;
        a.Local(Op.LocalGet, 1).Local(Op.LocalGet, 2).Const(7).Emit(Op.RemS).Const(3).Emit(Op.Mul).Emit(Op.Add).Local(Op.LocalSet, 1);
        a.Local(Op.LocalGet, 2).Const(1).Emit(Op.Add).Local(Op.LocalSet, 2);
        a.Local(Op.LocalGet, 2).Local(Op.LocalGet, 0).Emit(Op.LtS).Branch(Op.BrIf, loop);
        a.Local(Op.LocalGet, 1).Emit(Op.Return);
        return new Function(a.Bytes, 3);
    }

    static int Main(string[] args)
    {
        long n = args.Length > 0 ? long.Parse(args[0]) : 10_000_000;
        var sw = Stopwatch.StartNew();
        long result = Vm.Run(Sum(), [n]);
        Console.WriteLine($"{result}\t{sw.ElapsedMilliseconds} ms");
        return 0;
    }
}

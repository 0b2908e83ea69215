namespace PeJit.TestSubjects;

/// <summary>
/// A WebAssembly-style stack VM as performance-minded C# authors write one: the code a <c>byte[]</c> with little-endian
/// immediates (read with <c>BitConverter</c>, which the analysis runs on green arguments), the operands on a
/// <c>long[]</c> changed in place with compound assignments (<c>stack[sp - 1] += stack[sp]</c>, which C# compiles to
/// an element address loaded and stored through). <c>CompoundAssignmentVmJitTests</c>.
/// </summary>
public static class CompoundAssignmentVm
{
    public const byte Const = 0, LocalGet = 1, LocalSet = 2, Add = 3, Mul = 4, Rem = 5, Lt = 6, BrIf = 7, Return = 8, Inc = 9;

    [JitImmutable]
    public sealed class Function(byte[] code, int locals)
    {
        public readonly byte[] Code = code;
        public readonly int Locals = locals;
    }

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
            switch (code[pc])
            {
                case Const: stack[sp++] = BitConverter.ToInt64(code, pc + 1); pc += 9; break;
                case LocalGet: stack[sp++] = locals[code[pc + 1]]; pc += 2; break;
                case LocalSet: locals[code[pc + 1]] = stack[--sp]; pc += 2; break;
                case Inc: locals[code[pc + 1]]++; pc += 2; break;
                case Add: sp--; stack[sp - 1] += stack[sp]; pc++; break;
                case Mul: sp--; stack[sp - 1] *= stack[sp]; pc++; break;
                case Rem: sp--; stack[sp - 1] %= stack[sp]; pc++; break;
                case Lt: sp--; stack[sp - 1] = stack[sp - 1] < stack[sp] ? 1 : 0; pc++; break;
                case BrIf:
                    int target = BitConverter.ToInt32(code, pc + 1);
                    if (stack[--sp] != 0)
                    {
                        bool back = target <= pc;
                        pc = target;
                        if (back) Jit.CanEnterJit(pc, function, locals, stack, sp);
                    }
                    else pc += 5;
                    break;
                case Return: return stack[sp - 1];
                default: throw new InvalidOperationException($"bad opcode {code[pc]} at {pc}");
            }
        }
    }

    /// <summary>sum = 0; i = 0; do { sum += i % 7 * 3; i++ } while (i &lt; n); return sum (n in local 0).</summary>
    public static Function Sum()
    {
        var code = new List<byte>();
        void Op(byte op, params byte[] operands) { code.Add(op); code.AddRange(operands); }
        void Constant(long value) => Op(Const, BitConverter.GetBytes(value));
        Constant(0); Op(LocalSet, 1);
        Constant(0); Op(LocalSet, 2);
        int loop = code.Count;
        Op(LocalGet, 1); Op(LocalGet, 2); Constant(7); Op(Rem); Constant(3); Op(Mul); Op(Add); Op(LocalSet, 1);
        Op(Inc, 2);
        Op(LocalGet, 2); Op(LocalGet, 0); Op(Lt); Op(BrIf, BitConverter.GetBytes(loop));
        Op(LocalGet, 1); Op(Return);
        return new Function([.. code], 3);
    }
}

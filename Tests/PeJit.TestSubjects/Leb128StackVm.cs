namespace PeJit.TestSubjects;

/// <summary>
/// A byte-coded stack machine in the WebAssembly manner: one byte per opcode, immediates in LEB128 (unsigned for
/// local indices, signed for constants), jumps by a 16-bit little-endian offset. Its decoders take the program
/// counter by reference (<c>ReadU(code, ref pc)</c>), the usual C# way: the analysis keeps <c>pc</c> green through
/// them (rule 9 of ContextAnalyzer, Docs/bta.md rule 11), so compiled code has no dispatch left (<c>Leb128StackVmJitTests</c>).
/// </summary>
public static class Leb128StackVm
{
    public const byte Const = 1, Get = 2, Set = 3, Add = 4, Sub = 5, Mul = 6, Rem = 7, LtS = 8, Eqz = 9, BrIf = 10, Br = 11, Print = 12, Halt = 13, Tee = 14, Drop = 15;

    /// <summary>The machine's run-time state: an operand stack, the locals, where Print writes.</summary>
    public sealed class Machine(int locals, TextWriter output)
    {
        public readonly long[] Stack = new long[64];
        public readonly long[] Locals = new long[locals];
        public readonly TextWriter Out = output;
    }

    private static ulong ReadU(byte[] code, ref int pc)
    {
        ulong result = 0;
        int shift = 0;
        while (true)
        {
            byte b = code[pc++];
            result |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0) return result;
            shift += 7;
        }
    }

    private static long ReadS(byte[] code, ref int pc)
    {
        long result = 0;
        int shift = 0;
        byte b;
        do
        {
            b = code[pc++];
            result |= (long)(b & 0x7f) << shift;
            shift += 7;
        }
        while ((b & 0x80) != 0);
        if (shift < 64 && (b & 0x40) != 0) result |= -1L << shift;
        return result;
    }

    private static int ReadOffset(byte[] code, ref int pc)
    {
        int offset = (short)(code[pc] | (code[pc + 1] << 8));
        pc += 2;
        return offset;
    }

    [JitPortal(Greens = ["pc", "code"], Reds = ["m", "sp"])]
    public static long Run(byte[] code, int pc, Machine m)
    {
        int sp = 0;
        while (true)
        {
            Jit.MergePoint(pc, code, m, sp);
            byte op = code[pc++];
            switch (op)
            {
                case Const: m.Stack[sp++] = ReadS(code, ref pc); break;
                case Get: m.Stack[sp++] = m.Locals[(int)ReadU(code, ref pc)]; break;
                case Set: m.Locals[(int)ReadU(code, ref pc)] = m.Stack[--sp]; break;
                case Tee: m.Locals[(int)ReadU(code, ref pc)] = m.Stack[sp - 1]; break;
                case Drop: sp--; break;
                case Add: sp--; m.Stack[sp - 1] += m.Stack[sp]; break;
                case Sub: sp--; m.Stack[sp - 1] -= m.Stack[sp]; break;
                case Mul: sp--; m.Stack[sp - 1] *= m.Stack[sp]; break;
                case Rem: sp--; m.Stack[sp - 1] %= m.Stack[sp]; break;
                case LtS: sp--; m.Stack[sp - 1] = m.Stack[sp - 1] < m.Stack[sp] ? 1 : 0; break;
                case Eqz: m.Stack[sp - 1] = m.Stack[sp - 1] == 0 ? 1 : 0; break;
                case Br:
                {
                    int offset = ReadOffset(code, ref pc);
                    pc += offset;
                    if (offset < 0) Jit.CanEnterJit(pc, code, m, sp);
                    break;
                }
                case BrIf:
                {
                    int offset = ReadOffset(code, ref pc);
                    if (m.Stack[--sp] != 0)
                    {
                        pc += offset;
                        if (offset < 0) Jit.CanEnterJit(pc, code, m, sp);
                    }
                    break;
                }
                case Print: m.Out.WriteLine(m.Stack[--sp]); break;
                case Halt: return sp > 0 ? m.Stack[sp - 1] : 0;
                default: throw new InvalidOperationException($"bad opcode {op} at {pc - 1}");
            }
        }
    }

    /// <summary>Writes programs for <see cref="Run"/>.</summary>
    public sealed class Assembler
    {
        private readonly List<byte> bytes = [];

        public int Here => bytes.Count;

        public Assembler Op(byte op) { bytes.Add(op); return this; }

        public Assembler U(ulong v)
        {
            do { byte b = (byte)(v & 0x7f); v >>= 7; if (v != 0) b |= 0x80; bytes.Add(b); } while (v != 0);
            return this;
        }

        public Assembler S(long v)
        {
            bool more = true;
            while (more)
            {
                byte b = (byte)(v & 0x7f);
                v >>= 7;
                if ((v == 0 && (b & 0x40) == 0) || (v == -1 && (b & 0x40) != 0)) more = false;
                else b |= 0x80;
                bytes.Add(b);
            }
            return this;
        }

        public Assembler Constant(long v) => Op(Const).S(v);
        public Assembler Load(int local) => Op(Get).U((ulong)local);
        public Assembler Store(int local) => Op(Set).U((ulong)local);

        /// <summary>A jump whose offset is patched later; returns where the offset is.</summary>
        public int Jump(byte op) { Op(op); int at = Here; bytes.Add(0); bytes.Add(0); return at; }

        public void Patch(int at, int target) { short offset = (short)(target - (at + 2)); bytes[at] = (byte)offset; bytes[at + 1] = (byte)(offset >> 8); }

        public void JumpBack(byte op, int target) => Patch(Jump(op), target);

        public byte[] ToArray() => [.. bytes];
    }

    /// <summary>sum = 0; i = 0; while (i &lt; n) { sum = (sum + i * i) % 1000003; j = 0; while (j &lt; 3) j++; sum += j; i++ } print sum; halt sum.</summary>
    public static byte[] SumOfSquares(long n)
    {
        var a = new Assembler();
        a.Constant(0).Store(0).Constant(0).Store(1);
        int head = a.Here;
        a.Load(1).Constant(n).Op(LtS).Op(Eqz);
        int exit = a.Jump(BrIf);
        a.Load(0).Load(1).Load(1).Op(Mul).Op(Add).Constant(1000003).Op(Rem).Store(0);
        a.Constant(0).Store(2);
        int inner = a.Here;
        a.Load(2).Constant(3).Op(LtS).Op(Eqz);
        int innerExit = a.Jump(BrIf);
        a.Load(2).Constant(1).Op(Add).Store(2);
        a.JumpBack(Br, inner);
        a.Patch(innerExit, a.Here);
        a.Load(0).Load(2).Op(Add).Store(0);
        a.Load(1).Constant(1).Op(Add).Store(1);
        a.JumpBack(Br, head);
        a.Patch(exit, a.Here);
        a.Load(0).Op(Print).Load(0).Op(Halt);
        return a.ToArray();
    }

    /// <summary>A countdown from n printing every multiple of 7, with constants past one LEB128 byte (300, -200000).</summary>
    public static byte[] Countdown(long n)
    {
        var a = new Assembler();
        a.Constant(n).Store(0).Constant(-200000).Store(1);
        int head = a.Here;
        a.Load(0).Op(Eqz);
        int exit = a.Jump(BrIf);
        a.Load(0).Constant(7).Op(Rem).Op(Eqz).Op(Eqz);
        int skip = a.Jump(BrIf);
        a.Load(0).Op(Print);
        a.Patch(skip, a.Here);
        a.Load(1).Constant(300).Op(Add).Op(Tee).U(1).Op(Drop);
        a.Load(0).Constant(1).Op(Sub).Store(0);
        a.JumpBack(Br, head);
        a.Patch(exit, a.Here);
        a.Load(1).Op(Halt);
        return a.ToArray();
    }
}

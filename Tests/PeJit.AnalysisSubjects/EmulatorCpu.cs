namespace PeJit.AnalysisSubjects;

/// <summary>
/// A toy CPU emulator as emulator authors write one: the machine in fields (registers, program counter, a halted flag, a
/// cycle count), the program in mutable memory the program may write, fetch, decode and execute in a helper. The hints
/// as the analysis's advice leaves them: the program counter a promoted local that <see cref="Step"/> moves by reference,
/// each byte of the instruction promoted (the memory is red: code can be rewritten, and a guard sees it), the backward
/// jump reported to the portal by <see cref="Step"/>'s result. <see cref="CanEnterJitInHelper"/> is the first attempt,
/// with the hint in the helper.
/// </summary>
public sealed class EmulatorCpu
{
    public const byte Halt = 0, Ldi = 1, Add = 2, Mul = 3, And = 4, Jnz = 5, Addi = 6, St = 7, Out = 8;

    public readonly byte[] Memory = new byte[256];
    public readonly int[] R = new int[16];
    public int PC;
    public bool Halted;
    public long Cycles;
    public readonly List<int> Output = [];

    [JitPortal(Greens = ["pc"])]
    public void Run()
    {
        int pc = Jit.Promote(PC);
        while (!Halted)
        {
            Jit.MergePoint(pc);
            if (Step(ref pc)) Jit.CanEnterJit(pc);
        }
        PC = pc;
    }

    /// <summary>Runs one instruction; true when it jumped backwards.</summary>
    private bool Step(ref int pc)
    {
        byte op = Jit.Promote(Memory[pc]), a = Jit.Promote(Memory[pc + 1]), b = Jit.Promote(Memory[pc + 2]), c = Jit.Promote(Memory[pc + 3]);
        pc += 4;
        Cycles++;
        switch (op)
        {
            case Halt: Halted = true; break;
            case Ldi: R[a] = (short)(b | (c << 8)); break;
            case Add: R[a] = R[b] + R[c]; break;
            case Mul: R[a] = R[b] * R[c]; break;
            case And: R[a] = R[b] & R[c]; break;
            case Addi: R[a] = R[b] + (sbyte)c; break;
            case St: Memory[(byte)(R[b] + c)] = (byte)R[a]; break;
            case Out: Output.Add(R[a]); break;
            case Jnz:
                if (R[a] != 0)
                {
                    bool back = b <= pc - 4;
                    pc = b;
                    return back;
                }
                break;
            default: throw new InvalidOperationException($"bad opcode {op} at {pc - 4}");
        }
        return false;
    }

    /// <summary>The first attempt: <c>Jit.CanEnterJit</c> where the jump is, in the helper (PJ0014).</summary>
    [JitPortal(Greens = ["pc"])]
    public void CanEnterJitInHelper()
    {
        int pc = Jit.Promote(PC);
        while (!Halted)
        {
            Jit.MergePoint(pc);
            StepAndEnter(ref pc);
        }
        PC = pc;
    }

    private void StepAndEnter(ref int pc)
    {
        int target = Memory[pc + 2];
        pc = target <= pc ? target : pc + 4;
        Jit.CanEnterJit(pc);
    }

    /// <summary>Writes one instruction at <paramref name="at"/>; returns the next address.</summary>
    public int Emit(int at, byte op, int a = 0, int b = 0, int c = 0)
    {
        (Memory[at], Memory[at + 1], Memory[at + 2], Memory[at + 3]) = (op, (byte)a, (byte)b, (byte)c);
        return at + 4;
    }

    /// <summary>
    /// r1 = the sum over i = inner..1 of (i * i) &amp; 0x7fff, <paramref name="outer"/> times, then Out r1 and Halt: two nested
    /// loops of 6 and 3 instructions.
    /// </summary>
    public static EmulatorCpu Sum(int outer, int inner)
    {
        var cpu = new EmulatorCpu();
        int at = cpu.Emit(0, Ldi, 1, 0, 0);
        at = cpu.Emit(at, Ldi, 2, outer & 0xff, outer >> 8);
        int outerTop = at;
        at = cpu.Emit(at, Ldi, 3, inner & 0xff, inner >> 8);
        int innerTop = at;
        at = cpu.Emit(at, Mul, 4, 3, 3);
        at = cpu.Emit(at, Ldi, 5, 0xff, 0x7f);
        at = cpu.Emit(at, And, 4, 4, 5);
        at = cpu.Emit(at, Add, 1, 1, 4);
        at = cpu.Emit(at, Addi, 3, 3, 0xff);
        at = cpu.Emit(at, Jnz, 3, innerTop);
        at = cpu.Emit(at, Addi, 2, 2, 0xff);
        at = cpu.Emit(at, Jnz, 2, outerTop);
        at = cpu.Emit(at, Out, 1);
        cpu.Emit(at, Halt);
        return cpu;
    }

    /// <summary>
    /// A loop that adds an immediate to r1 and, every <paramref name="period"/> turns, rewrites that immediate in its own
    /// code (one more, wrapping at 127): compiled code must see its guards fail and the new code run.
    /// </summary>
    public static EmulatorCpu SelfModifying(int turns, int period)
    {
        var cpu = new EmulatorCpu();
        int at = cpu.Emit(0, Ldi, 1, 0, 0);
        at = cpu.Emit(at, Ldi, 2, turns & 0xff, turns >> 8);
        at = cpu.Emit(at, Ldi, 6, period, 0);
        at = cpu.Emit(at, Ldi, 7, 1, 0);
        at = cpu.Emit(at, Ldi, 8, 0, 0);
        at = cpu.Emit(at, Ldi, 9, 0x7f, 0);
        int top = at;
        int patched = at;
        at = cpu.Emit(at, Addi, 1, 1, 1);          // r1 += <immediate>: byte 3 is rewritten
        at = cpu.Emit(at, Addi, 2, 2, 0xff);       // r2 -= 1
        at = cpu.Emit(at, Addi, 6, 6, 0xff);       // r6 -= 1
        int skip = at + 4 + 4 * 6;
        at = cpu.Emit(at, Jnz, 6, skip);           // forward: not yet time to rewrite
        at = cpu.Emit(at, Ldi, 6, period, 0);
        at = cpu.Emit(at, Addi, 7, 7, 1);
        at = cpu.Emit(at, And, 7, 7, 9);
        at = cpu.Emit(at, St, 7, 8, patched + 3);  // the immediate := r7
        at = cpu.Emit(at, Addi, 0, 0, 0);          // padding
        at = cpu.Emit(at, Addi, 0, 0, 0);
        if (at != skip) throw new InvalidOperationException("layout");
        at = cpu.Emit(at, Jnz, 2, top);
        at = cpu.Emit(at, Out, 1);
        cpu.Emit(at, Halt);
        return cpu;
    }
}

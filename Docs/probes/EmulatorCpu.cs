// A CPU-emulator probe (Examples/STYLES-FINDINGS.md, "A CPU emulator"): not built by the solution. To try it, put it and
// Docs/probes/EmulatorProgram.cs in a console project (net10.0, implicit usings) that references PeJit.Hints, build, and run
// `pejit build` on the DLL. This is the version after the analysis's advice; Tests/PeJit.AnalysisSubjects/EmulatorCpu.cs is its test subject.
// A toy 16-bit CPU emulator, written the way emulator authors write them: the machine state in fields, the program in
// mutable RAM (so code can be written by the program itself), fetch/decode/execute in Step().
using PeJit;

enum Op : byte { Halt, Ldi, Add, Sub, Mul, And, Jnz, Jz, Ld, St, Addi, Out }

sealed class Cpu
{
    public readonly byte[] Memory = new byte[65536];
    public readonly int[] R = new int[16];
    public int PC;
    public bool Halted;
    public long Cycles;
    public readonly List<int> Output = new();

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

    bool Step(ref int PC)
    {
        byte op = Jit.Promote(Memory[PC]), a = Jit.Promote(Memory[PC + 1]), b = Jit.Promote(Memory[PC + 2]), c = Jit.Promote(Memory[PC + 3]);
        PC += 4;
        Cycles++;
        switch ((Op)op)
        {
            case Op.Halt: Halted = true; break;
            case Op.Ldi: R[a] = (short)(b | (c << 8)); break;
            case Op.Add: R[a] = R[b] + R[c]; break;
            case Op.Sub: R[a] = R[b] - R[c]; break;
            case Op.Mul: R[a] = R[b] * R[c]; break;
            case Op.And: R[a] = R[b] & R[c]; break;
            case Op.Addi: R[a] = R[b] + (sbyte)c; break;
            case Op.Ld: R[a] = Memory[(ushort)(R[b] + c)] | (Memory[(ushort)(R[b] + c + 1)] << 8); break;
            case Op.St: Memory[(ushort)(R[b] + c)] = (byte)R[a]; Memory[(ushort)(R[b] + c + 1)] = (byte)(R[a] >> 8); break;
            case Op.Out: Output.Add(R[a]); break;
            case Op.Jnz:
                if (R[a] != 0) { int target = b | (c << 8); bool back = target < PC; PC = target; return back; }
                break;
            case Op.Jz:
                if (R[a] == 0) { int target = b | (c << 8); bool back = target < PC; PC = target; return back; }
                break;
            default: throw new InvalidOperationException($"bad opcode {op} at {PC - 4:x4}");
        }
        return false;
    }
}

namespace PeJit.TestSubjects;

/// <summary>The frame of <see cref="VirtualFrameVm"/>: its registers are <c>[Virtualizable]</c>, so compiled code may keep them in SSA values.</summary>
[Virtualizable("Registers[*]")]
public sealed class VirtualFrameVmFrame
{
    /// <summary>A frame of <paramref name="count"/> registers, all zero.</summary>
    public VirtualFrameVmFrame(int count) => Registers = new long[count];

    /// <summary>The registers.</summary>
    public readonly long[] Registers;

    /// <summary>How many times <see cref="VirtualFrameVm.Inspect"/> looked at this frame.</summary>
    public int Inspections;
}

/// <summary>
/// A register machine whose frame is virtualizable (<c>VirtualizableTests</c>): a loop that calls a helper not given
/// the frame keeps the registers in SSA values; one whose helper reads and writes the frame must see and make the
/// right values (written back before the call, loaded again after).
/// </summary>
/// <remarks>Code is a flat array of instructions of four ints: opcode, a, b, c.</remarks>
public static class VirtualFrameVm
{
    public const int AddImmediate = 0; // r[a] = r[b] + c
    public const int Mix = 1;          // r[a] = Mixed(r[b], c): a helper given numbers only
    public const int Inspect = 2;      // r[a] = Inspect(frame, b): a helper that reads and writes the frame's registers
    public const int JumpIfLess = 3;   // if r[a] < r[b]: go to instruction c
    public const int Halt = 4;         // return r[a]

    [JitPortal(Greens = ["pc", "code"], Reds = ["frame", "regs"])]
    public static long Run(int[] code, VirtualFrameVmFrame frame)
    {
        long[] regs = frame.Registers;
        int pc = 0;
        while (true)
        {
            Jit.MergePoint(pc, code, frame, regs);
            int op = code[pc * 4], a = code[pc * 4 + 1], b = code[pc * 4 + 2], c = code[pc * 4 + 3];
            switch (op)
            {
                case AddImmediate: regs[a] = regs[b] + c; pc++; break;
                case Mix: regs[a] = Mixed(regs[b], c); pc++; break;
                case Inspect: regs[a] = Inspected(frame, b); pc++; break;
                case JumpIfLess:
                    if (regs[a] < regs[b])
                    {
                        pc = c;
                        Jit.CanEnterJit(pc, code, frame, regs);
                    }
                    else pc++;
                    break;
                default: return regs[a];
            }
        }
    }

    /// <summary>A helper compiled code calls without the frame (never inlined): it cannot touch the registers.</summary>
    [DontLookInside]
    public static long Mixed(long value, int salt) => (value * 31 + salt) % 1000003;

    /// <summary>
    /// A helper given the frame (never inlined), as an interpreter's builtin or debugger is: it reads every register (their
    /// sum is its result) and writes one (register <paramref name="written"/> grows by one).
    /// </summary>
    [DontLookInside]
    public static long Inspected(VirtualFrameVmFrame frame, int written)
    {
        frame.Inspections++;
        long sum = 0;
        foreach (long register in frame.Registers) sum += register;
        frame.Registers[written]++;
        return sum % 1000003;
    }
}

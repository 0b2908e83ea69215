using System;
using PeJit;

// A register machine: ops are (opcode, a, b, c) quadruples.
var program = new int[] {
    0, 0, 0, 0,      // r0 = 0            (load-imm r0, 0)
    0, 1, 0, 0,      // r1 = 0
    0, 2, 1, 0,      // r2 = 1
    1, 0, 0, 1,      // r0 = r0 + r1      (add)
    1, 1, 1, 2,      // r1 = r1 + r2
    2, 1, 3, 3,      // if r1 < r3 goto 3 (jump-if-less, target quad 3)
    3, 0, 0, 0,      // halt
};
long n = args.Length > 0 ? long.Parse(args[0]) : 1_000_000;
var regs = new long[4];
regs[3] = n;
Console.WriteLine(Machine.Run(program, regs));

public static class Machine
{
    [JitPortal(Greens = new[] { "ip", "code" }, Reds = new[] { "r" })]
    public static long Run(int[] code, long[] r)
    {
        int ip = 0;
        while (true)
        {
            Jit.MergePoint(ip, code, r);
            int at = ip * 4;
            switch (code[at])
            {
                case 0: r[code[at + 1]] = code[at + 2]; ip++; break;
                case 1: r[code[at + 1]] = r[code[at + 2]] + r[code[at + 3]]; ip++; break;
                case 2:
                    if (r[code[at + 1]] < r[code[at + 2]]) { ip = code[at + 3]; Jit.CanEnterJit(ip, code, r); }
                    else ip++;
                    break;
                default: return r[0];
            }
        }
    }
}

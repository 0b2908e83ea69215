// The emulator probe's programs and entry point (Docs/probes/EmulatorCpu.cs).
using System.Diagnostics;

static class Asm
{
    public static int Emit(byte[] m, int at, Op op, int a = 0, int b = 0, int c = 0)
    { m[at] = (byte)op; m[at + 1] = (byte)a; m[at + 2] = (byte)b; m[at + 3] = (byte)c; return at + 4; }
    public static int Ldi(byte[] m, int at, int r, int v) => Emit(m, at, Op.Ldi, r, v & 0xff, (v >> 8) & 0xff);
    public static int Jump(byte[] m, int at, Op op, int r, int target) => Emit(m, at, op, r, target & 0xff, (target >> 8) & 0xff);
}

static class Program
{
    // sum: r1 = sum over i of (i * i) & 0x7fff, for i = n..1, n given in thousands (outer loop) x 1000 (inner loop).
    static void LoadSum(Cpu cpu, int outer)
    {
        var m = cpu.Memory; int at = 0;
        at = Asm.Ldi(m, at, 1, 0);                 // r1 = 0 (sum)
        at = Asm.Ldi(m, at, 2, outer);             // r2 = outer
        int outerTop = at;
        at = Asm.Ldi(m, at, 3, 1000);              // r3 = 1000
        int innerTop = at;
        at = Asm.Emit(m, at, Op.Mul, 4, 3, 3);     // r4 = r3 * r3
        at = Asm.Ldi(m, at, 5, 0x7fff);
        at = Asm.Emit(m, at, Op.And, 4, 4, 5);     // r4 &= 0x7fff
        at = Asm.Emit(m, at, Op.Add, 1, 1, 4);     // r1 += r4
        at = Asm.Emit(m, at, Op.Addi, 3, 3, 0xff); // r3 -= 1
        at = Asm.Jump(m, at, Op.Jnz, 3, innerTop);
        at = Asm.Emit(m, at, Op.Addi, 2, 2, 0xff); // r2 -= 1
        at = Asm.Jump(m, at, Op.Jnz, 2, outerTop);
        at = Asm.Emit(m, at, Op.Out, 1);
        Asm.Emit(m, at, Op.Halt);
    }

    // selfmod: a loop whose Addi immediate is rewritten by the program itself every 100 turns: the step grows by one.
    static void LoadSelfMod(Cpu cpu, int turns)
    {
        var m = cpu.Memory; int at = 0;
        at = Asm.Ldi(m, at, 1, 0);                 // r1 = 0 (sum)
        at = Asm.Ldi(m, at, 2, turns);             // r2 = turns
        at = Asm.Ldi(m, at, 6, 100);               // r6 = countdown to the next rewrite
        at = Asm.Ldi(m, at, 7, 1);                 // r7 = current step
        at = Asm.Ldi(m, at, 8, 0);                 // r8 = 0 (base address)
        int top = at;
        int patched = at;
        at = Asm.Emit(m, at, Op.Addi, 1, 1, 1);    // r1 += <step>  (byte 3 is rewritten)
        at = Asm.Emit(m, at, Op.Addi, 2, 2, 0xff); // r2 -= 1
        at = Asm.Emit(m, at, Op.Addi, 6, 6, 0xff); // r6 -= 1
        int skip = at + 4 + 4 * 6;
        at = Asm.Jump(m, at, Op.Jnz, 6, skip);
        at = Asm.Ldi(m, at, 6, 100);
        at = Asm.Emit(m, at, Op.Addi, 7, 7, 1);    // step += 1 (wraps as a byte in the code)
        at = Asm.Ldi(m, at, 9, 0x7f);
        at = Asm.Emit(m, at, Op.And, 7, 7, 9);
        // store r7's low byte into the code at patched + 3 (St writes two bytes: byte 3 and the next instruction's op, so
        // write the next op back too: r10 = (Addi << 8) | r7)
        at = Asm.Emit(m, at, Op.Add, 10, 7, 11);   // r10 = r7 + r11 (r11 = Addi << 8)
        at = Asm.Emit(m, at, Op.St, 10, 8, patched + 3);
        if (at != skip) throw new Exception($"layout {at} != {skip}");
        at = Asm.Jump(m, at, Op.Jnz, 2, top);
        at = Asm.Emit(m, at, Op.Out, 1);
        Asm.Emit(m, at, Op.Halt);
        cpu.R[11] = (int)Op.Addi << 8;
    }

    static int Main(string[] args)
    {
        string name = args.Length > 0 ? args[0] : "sum";
        int n = args.Length > 1 ? int.Parse(args[1]) : 0;
        var cpu = new Cpu();
        switch (name)
        {
            case "sum": LoadSum(cpu, n > 0 ? n : 3000); break;
            case "selfmod": LoadSelfMod(cpu, n > 0 ? n : 30000); break;
            default: Console.Error.WriteLine($"unknown program {name}"); return 2;
        }
        var watch = Stopwatch.StartNew();
        cpu.Run();
        Console.WriteLine($"output: {string.Join(",", cpu.Output)}; cycles {cpu.Cycles}");
        Console.Error.WriteLine($"{watch.ElapsedMilliseconds} ms");
        return 0;
    }
}

namespace PeJit.TestSubjects;

/// <summary>
/// A register machine whose print instruction calls a static helper the JIT does not look into
/// (<c>[DontLookInside]</c>): the call stays in the residual loop with the writer and a register as its arguments,
/// so the AMD64 backend's native code makes it through its trampoline. The helper throws for a negative value.
/// </summary>
/// <remarks>Code is a flat array of instructions of four ints: opcode, a, b, c.</remarks>
public static class PrintingVm
{
    public const int Set = 0;          // r[a] = b
    public const int Decrement = 1;    // r[a]--
    public const int Add = 2;          // r[a] = r[b] + r[c]
    public const int JumpPositive = 3; // if r[a] > 0: go to instruction c
    public const int Print = 4;        // Write(output, r[a])
    public const int Halt = 5;         // return r[0]

    [JitPortal(Greens = ["pc", "code"], Reds = ["registers", "output"])]
    public static long Run(int[] code, long[] registers, TextWriter output)
    {
        int pc = 0;
        while (true)
        {
            Jit.MergePoint(pc, code, registers, output);
            int at = pc * 4;
            int a = code[at + 1], b = code[at + 2], c = code[at + 3];
            switch (code[at])
            {
                case Set: registers[a] = b; pc++; break;
                case Decrement: registers[a]--; pc++; break;
                case Add: registers[a] = registers[b] + registers[c]; pc++; break;
                case JumpPositive:
                    if (registers[a] > 0)
                    {
                        pc = c;
                        Jit.CanEnterJit(pc, code, registers, output);
                    }
                    else
                    {
                        pc++;
                    }
                    break;
                case Print: Write(output, registers[a]); pc++; break;
                default: return registers[0];
            }
        }
    }

    /// <summary>Writes <paramref name="value"/> and a space; a negative value is the language's error.</summary>
    [DontLookInside]
    public static void Write(TextWriter output, long value)
    {
        if (value < 0) throw new InvalidOperationException($"cannot print {value}");
        output.Write(value);
        output.Write(' ');
    }
}

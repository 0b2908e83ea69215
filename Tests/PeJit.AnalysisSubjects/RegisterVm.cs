namespace PeJit.AnalysisSubjects;

/// <summary>
/// A register machine whose computed jump promotes a red register (<c>Jit.Promote</c>): the interpreter
/// the runtime tests use to hit every exit kind of compiled code (an unseen promoted value, a green key
/// outside the unit, an exception thrown inside compiled code).
/// </summary>
/// <remarks>Code is a flat array of instructions of four ints: opcode, a, b, c.</remarks>
public static class RegisterVm
{
    public const int Set = 0;       // r[a] = b
    public const int Add = 1;       // r[a] = r[b] + r[c]
    public const int ModConst = 2;  // r[a] = r[b] % c
    public const int Table = 3;     // jump to code[b + promote(r[a]) * 4 + 1]-th instruction, c entries; else the next
    public const int JumpLess = 4;  // if r[a] < r[b]: jump back to instruction c
    public const int Halt = 5;      // return r[0]
    public const int Div = 6;       // r[a] = r[b] / r[c]
    public const int Print = 7;     // print r[a]
    public const int Jump = 8;      // jump to instruction c

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
                case Add: registers[a] = registers[b] + registers[c]; pc++; break;
                case ModConst: registers[a] = registers[b] % c; pc++; break;
                case Table:
                {
                    long selector = Jit.Promote(registers[a]);
                    pc = selector >= 0 && selector < c ? code[b + (int)selector] : pc + 1;
                    break;
                }
                case JumpLess:
                    if (registers[a] < registers[b])
                    {
                        pc = c;
                        Jit.CanEnterJit(pc, code, registers, output);
                    }
                    else
                    {
                        pc++;
                    }
                    break;
                case Div: registers[a] = registers[b] / registers[c]; pc++; break;
                case Print: output.WriteLine(registers[a]); pc++; break;
                case Jump: pc = c; break;
                default: return registers[0];
            }
        }
    }
}

namespace PeJit.AnalysisSubjects;

/// <summary>
/// A register machine whose division checks its divisor and raises an error built by a helper, the way
/// interpreters report errors (<c>throw CheckedVmError.DivideByZero(pc, dividend)</c>: the helper formats the
/// message, the interpreter throws it). The call sits on a path that can only end in a throw: cold code, which
/// the specializer leaves a call of the helper instead of inlining its message building.
/// </summary>
/// <remarks>Code is a flat array of instructions of four ints: opcode, a, b, c.</remarks>
public static class CheckedVm
{
    public const int Set = 0;       // r[a] = b
    public const int Add = 1;       // r[a] = r[b] + r[c]
    public const int Div = 2;       // r[a] = r[b] / r[c]; a zero divisor raises CheckedVmError
    public const int JumpLess = 3;  // if r[a] < r[b]: jump back to instruction c
    public const int Halt = 4;      // return r[0]

    [JitPortal(Greens = ["pc", "code"], Reds = ["registers"])]
    public static long Run(int[] code, long[] registers)
    {
        int pc = 0;
        while (true)
        {
            Jit.MergePoint(pc, code, registers);
            int at = pc * 4;
            int a = code[at + 1], b = code[at + 2], c = code[at + 3];
            switch (code[at])
            {
                case Set: registers[a] = b; pc++; break;
                case Add: registers[a] = registers[b] + registers[c]; pc++; break;
                case Div:
                    if (registers[c] == 0) throw CheckedVmError.DivideByZero(pc, registers[b]);
                    registers[a] = registers[b] / registers[c];
                    pc++;
                    break;
                case JumpLess:
                    if (registers[a] < registers[b])
                    {
                        pc = c;
                        Jit.CanEnterJit(pc, code, registers);
                    }
                    else
                    {
                        pc++;
                    }
                    break;
                default: return registers[0];
            }
        }
    }
}

/// <summary>The error <see cref="CheckedVm"/> raises, with its message built by a helper.</summary>
public sealed class CheckedVmError(string message) : Exception(message)
{
    /// <summary>A division by zero at instruction <paramref name="pc"/>.</summary>
    public static CheckedVmError DivideByZero(int pc, long dividend) =>
        new($"instruction {pc}: attempt to divide {(dividend < 0 ? "negative " : "")}{dividend} by zero");
}

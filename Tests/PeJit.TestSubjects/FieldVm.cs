namespace PeJit.TestSubjects;

/// <summary>
/// An accumulator machine whose step keeps its state in a struct local with a green field (the program counter) and
/// red ones (the accumulator, an add counter), and copies each instruction with a red cached operand
/// (<c>fetched with { Cache = registers[b] }</c>): fields of a struct local have binding times of their own, so the
/// program counter and the opcode stay green, and the dispatch is decided while specializing.
/// </summary>
public static class FieldVm
{
    [JitPortal(Greens = ["pc", "code"], Reds = ["registers", "output"])]
    public static long Run(FieldCode code, long[] registers, TextWriter output)
    {
        int pc = 0;
        while (true)
        {
            Jit.MergePoint(pc, code, registers, output);
            FieldState state = default;
            state.Pc = pc;
            state.Acc = registers[0];
            FieldInstr fetched = code.Instructions[state.Pc];
            // The instruction with its operand register's value: a red field in a copy whose other fields are green.
            FieldInstr instr = fetched with { Cache = registers[fetched.B & 3] };
            switch (instr.Op)
            {
                case FieldOp.Load:
                    state.Accumulator = instr.Cache;
                    state.Next();
                    break;
                case FieldOp.Add:
                    state.Accumulate(instr.Cache);
                    state.Next();
                    break;
                case FieldOp.AddImmediate:
                    state.Acc += instr.B;
                    state.Pc++;
                    break;
                case FieldOp.Store:
                    registers[instr.A] = state.Accumulator;
                    state.Next();
                    break;
                case FieldOp.Decrement:
                    registers[instr.A]--;
                    state.Next();
                    break;
                case FieldOp.JumpNonZero:
                    if (registers[instr.A] != 0)
                    {
                        state.Pc = instr.B;
                        pc = state.Pc;
                        registers[0] = state.Acc;
                        Jit.CanEnterJit(pc, code, registers, output);
                        continue;
                    }
                    state.Next();
                    break;
                case FieldOp.Print:
                    output.WriteLine(Describe(state));
                    state.Next();
                    break;
                default:
                    return state.Acc;
            }
            registers[0] = state.Acc;
            pc = state.Pc;
        }
    }

    /// <summary>The state passed as a whole value.</summary>
    private static string Describe(FieldState state) => state.ToString();

    /// <summary>
    /// Sums n + (n-1) + ... + 1 into r[1] with a countdown in r[2] (the loop body uses every operation but Halt), prints the
    /// state once at the end, and returns the accumulator: the sum plus 2n.
    /// </summary>
    public static FieldCode SumProgram(int n) => new(
    [
        new(FieldOp.Load, 0, 3),                 // 0: acc = r3 (n)
        new(FieldOp.Store, 2, 0),                // 1: r2 = acc
        new(FieldOp.Load, 0, 1),                 // 2: acc = r1
        new(FieldOp.Add, 0, 2),                  // 3: acc += r2
        new(FieldOp.AddImmediate, 0, 2),         // 4: acc += 2
        new(FieldOp.Store, 1, 0),                // 5: r1 = acc
        new(FieldOp.Decrement, 2, 0),            // 6: r2--
        new(FieldOp.JumpNonZero, 2, 2),          // 7: if r2 != 0 goto 2
        new(FieldOp.Print, 0, 0),                // 8: print
        new(FieldOp.Load, 0, 1),                 // 9: acc = r1
        new(FieldOp.Halt, 0, 0),                 // 10
    ]);
}

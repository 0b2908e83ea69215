namespace PeJit.TestSubjects;

/// <summary>The operations of <see cref="WithVm"/>.</summary>
public enum WithOp
{
    /// <summary>r[a] = b.</summary>
    Set,
    /// <summary>r[a] = r[b] + r[c].</summary>
    Add,
    /// <summary>r[a] += b, through a copy of the instruction made with <c>with</c>.</summary>
    AddImmediate,
    /// <summary>r[a]--.</summary>
    Decrement,
    /// <summary>If r[a] != 0: go to instruction b.</summary>
    JumpNonZero,
    /// <summary>Print r[a].</summary>
    Print,
    /// <summary>r[a] = r[a] * b + c, through a mutable operand record and a mutable struct.</summary>
    MultiplyAdd,
    /// <summary>Return r[0].</summary>
    Halt,
}

/// <summary>One instruction, a readonly record struct as interpreter authors write them.</summary>
/// <param name="Op">The operation.</param>
/// <param name="A">The register written.</param>
/// <param name="B">The second operand.</param>
/// <param name="C">The third operand (0: none).</param>
public readonly record struct WithInstr(WithOp Op, int A, int B, int C);

/// <summary>Decoded operands, a plain (mutable) record struct.</summary>
/// <param name="Factor">What the register is multiplied by.</param>
/// <param name="Offset">What is added.</param>
public record struct WithOperands(int Factor, int Offset);

/// <summary>A mutable struct with a small mutating method.</summary>
public struct WithCursor
{
    /// <summary>The position.</summary>
    public int Position;

    /// <summary>How many moves.</summary>
    public int Moves;

    /// <summary>Moves by <paramref name="by"/>: writes two fields of <c>this</c>.</summary>
    public void Move(int by)
    {
        Position += by;
        Moves++;
    }
}

/// <summary>The program: struct instructions in a readonly array.</summary>
/// <param name="instructions">The instructions.</param>
public sealed class WithCode(WithInstr[] instructions)
{
    /// <summary>The instructions.</summary>
    public readonly WithInstr[] Instructions = instructions;
}

/// <summary>
/// A register machine whose dispatch reads each instruction through <c>with</c> expressions (init setters
/// called on a temporary's address), a mutable record struct and a mutable struct's mutating method: every
/// one of them is written with green values, so the instruction stays green and the loop compiles to the
/// program's work alone.
/// </summary>
public static class WithVm
{
    [JitPortal(Greens = ["pc", "code"], Reds = ["registers", "output"])]
    public static long Run(WithCode code, long[] registers, TextWriter output)
    {
        int pc = 0;
        while (true)
        {
            Jit.MergePoint(pc, code, registers, output);
            WithInstr fetched = code.Instructions[pc];
            int third = fetched.C == 0 ? 1 : fetched.C;
            // The normalized instruction: a copy with one field replaced.
            WithInstr instr = fetched with { C = third };
            switch (instr.Op)
            {
                case WithOp.Set:
                    registers[instr.A] = instr.B;
                    pc++;
                    break;
                case WithOp.Add:
                    registers[instr.A] = registers[instr.B] + registers[instr.C];
                    pc++;
                    break;
                case WithOp.AddImmediate:
                {
                    // Two init setters on one temporary; the original is not changed by them.
                    WithInstr doubled = instr with { B = instr.B * 2, C = fetched.C + 1 };
                    registers[doubled.A] += doubled.B / 2 + (fetched.B - instr.B) + (doubled.C - fetched.C - 1);
                    pc++;
                    break;
                }
                case WithOp.Decrement:
                    registers[instr.A]--;
                    pc++;
                    break;
                case WithOp.JumpNonZero:
                    if (registers[instr.A] != 0)
                    {
                        pc = instr.B;
                        Jit.CanEnterJit(pc, code, registers, output);
                    }
                    else
                    {
                        pc++;
                    }
                    break;
                case WithOp.Print:
                    output.WriteLine(registers[instr.A]);
                    pc++;
                    break;
                case WithOp.MultiplyAdd:
                {
                    WithOperands operands = new(instr.B, 0);
                    operands = operands with { Offset = instr.C };
                    operands.Factor += 0;
                    WithCursor cursor = default;
                    cursor.Move(operands.Offset);
                    cursor.Move(-operands.Offset);
                    registers[instr.A] = registers[instr.A] * operands.Factor + instr.C + cursor.Position + (cursor.Moves - 2);
                    pc++;
                    break;
                }
                default:
                    return registers[0];
            }
        }
    }

    /// <summary>
    /// Sums 1..n into r[1] with a countdown in r[0] (its loop body uses every operation but Print and Halt),
    /// prints the sum and 8n, and returns what r[0] holds at the end (0).
    /// </summary>
    public static WithCode SumProgram(int n) => new(
    [
        new(WithOp.Set, 0, n, 0),                // 0: r0 = n
        new(WithOp.Set, 1, 0, 0),                // 1: r1 = 0
        new(WithOp.Set, 2, 0, 0),                // 2: r2 = 0
        new(WithOp.Add, 1, 0, 1),                // 3: r1 = r0 + r1
        new(WithOp.AddImmediate, 2, 3, 0),       // 4: r2 += 3
        new(WithOp.MultiplyAdd, 2, 1, 5),        // 5: r2 = r2 * 1 + 5
        new(WithOp.Decrement, 0, 0, 0),          // 6: r0--
        new(WithOp.JumpNonZero, 0, 3, 0),        // 7: if r0 != 0 goto 3
        new(WithOp.Print, 1, 0, 0),              // 8: print r1
        new(WithOp.Print, 2, 0, 0),              // 9: print r2
        new(WithOp.Halt, 0, 0, 0),               // 10
    ]);
}

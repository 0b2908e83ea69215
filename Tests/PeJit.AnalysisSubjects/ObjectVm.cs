namespace PeJit.AnalysisSubjects;

/// <summary>The opcodes of <see cref="ObjectVm"/>.</summary>
public enum ObjectOp { Const, Load, Store, AddConst, Add, LessConst, JumpIfTrue, Print, Halt }

/// <summary>One instruction: immutable, so reading it from a green program is green.</summary>
[JitImmutable]
public sealed record ObjectInstruction(ObjectOp Op, int Argument);

/// <summary>A program: its instructions.</summary>
public sealed class ObjectProgram(ObjectInstruction[] code)
{
    public readonly ObjectInstruction[] Code = code;
}

/// <summary>
/// An interpreter written the object-oriented way: the portal is an instance method, the operand stack and
/// variables are fields of the machine (reached through <c>this</c>, which the merge point does not pass),
/// instructions are records, opcodes an enum.
/// </summary>
public sealed class ObjectVm(TextWriter output)
{
    private readonly long[] stack = new long[64];
    private readonly long[] variables = new long[8];

    /// <summary>Steps run so far, over every call.</summary>
    public long Steps;

    [JitPortal(Greens = ["pc", "program"], Reds = ["sp"])]
    public long Execute(ObjectProgram program)
    {
        int pc = 0;
        int sp = 0;
        while (true)
        {
            Jit.MergePoint(pc, program, sp);
            var instruction = program.Code[pc];
            Steps++;
            switch (instruction.Op)
            {
                case ObjectOp.Const: stack[sp++] = instruction.Argument; pc++; break;
                case ObjectOp.Load: stack[sp++] = variables[instruction.Argument]; pc++; break;
                case ObjectOp.Store: variables[instruction.Argument] = stack[--sp]; pc++; break;
                case ObjectOp.AddConst: stack[sp - 1] += instruction.Argument; pc++; break;
                case ObjectOp.Add: stack[sp - 2] += stack[sp - 1]; sp--; pc++; break;
                case ObjectOp.LessConst: stack[sp - 1] = stack[sp - 1] < instruction.Argument ? 1 : 0; pc++; break;
                case ObjectOp.JumpIfTrue:
                    if (stack[--sp] != 0)
                    {
                        pc = instruction.Argument;
                        Jit.CanEnterJit(pc, program, sp);
                    }
                    else
                    {
                        pc++;
                    }
                    break;
                case ObjectOp.Print: output.WriteLine(stack[--sp]); pc++; break;
                default: return variables[1];
            }
        }
    }

    /// <summary>i = 0; do { i++; acc += i; } while (i &lt; n); print acc.</summary>
    public static ObjectProgram SumTo(int n) => new(
    [
        new(ObjectOp.Const, 0), new(ObjectOp.Store, 0),
        new(ObjectOp.Load, 0), new(ObjectOp.AddConst, 1), new(ObjectOp.Store, 0),
        new(ObjectOp.Load, 1), new(ObjectOp.Load, 0), new(ObjectOp.Add, 0), new(ObjectOp.Store, 1),
        new(ObjectOp.Load, 0), new(ObjectOp.LessConst, n), new(ObjectOp.JumpIfTrue, 2),
        new(ObjectOp.Load, 1), new(ObjectOp.Print, 0), new(ObjectOp.Halt, 0),
    ]);
}

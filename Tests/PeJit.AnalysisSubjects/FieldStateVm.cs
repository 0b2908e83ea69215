namespace PeJit.AnalysisSubjects;

/// <summary>
/// A VM that keeps its state in fields of the interpreter object, as clox ports do (<c>ip</c>, <c>stackTop</c>, the
/// stack): hints that name those fields, or pass them, are errors that say how to make them variables or a virtualizable
/// frame; <see cref="Run"/> is how the advice ends up, with <c>this</c> the portal's implicit virtualizable red.
/// </summary>
[Virtualizable("stackTop", "stack[*]")]
public sealed class FieldStateVm
{
    private readonly long[] stack = new long[16];
    private int stackTop;
    private int ip;
    private readonly int[] code = [];

    /// <summary>The greens named are fields of the class.</summary>
    [JitPortal(Greens = ["ip", "code"], Reds = ["stackTop"])]
    public long NamesFields()
    {
        while (true)
        {
            Jit.MergePoint(ip, code, stackTop);
            if (code[ip] == 0) return stack[stackTop];
            stack[stackTop++] = code[ip++];
        }
    }

    /// <summary>`this` named as a red.</summary>
    [JitPortal(Greens = ["pc", "code"], Reds = ["this"])]
    public long NamesThis()
    {
        int pc = 0;
        int[] code = Jit.Promote(this.code);
        while (true)
        {
            Jit.MergePoint(pc, code, this);
            if (code[pc] == 0) return stack[stackTop];
            stack[stackTop++] = code[pc++];
        }
    }

    /// <summary>The green pc read from the field before the loop, not promoted.</summary>
    [JitPortal(Greens = ["pc", "code"], Reds = [])]
    public long GreenFromField()
    {
        int pc = ip;
        int[] code = Jit.Promote(this.code);
        while (true)
        {
            Jit.MergePoint(pc, code);
            if (code[pc] == 0) return stack[stackTop - 1];
            stack[stackTop++] = code[pc++];
        }
    }

    public FieldStateVm(int[] code) { this.code = code; }

    /// <summary>The stack pointer the last run left: a field compiled code keeps in a register writes it back.</summary>
    public int StackTop => stackTop;

    public const int Halt = 0, Push = 1, Add = 2, JumpIfLess = 3;

    /// <summary>
    /// What the advice says: the greens locals, the moving state fields of the virtualizable <c>this</c>. Instructions are
    /// triples (op, a, b): push a; add the top two; halt with the top; jump to b while the top is less than a.
    /// </summary>
    [JitPortal(Greens = ["pc", "code"], Reds = [])]
    public long Run()
    {
        int pc = Jit.Promote(ip);
        int[] code = Jit.Promote(this.code);
        while (true)
        {
            Jit.MergePoint(pc, code);
            switch (code[pc])
            {
                case Halt: return stack[stackTop - 1];
                case Push: stack[stackTop++] = code[pc + 1]; pc += 3; break;
                case Add: stackTop--; stack[stackTop - 1] += stack[stackTop]; pc += 3; break;
                default:
                    if (stack[stackTop - 1] < code[pc + 1]) { pc = code[pc + 2]; Jit.CanEnterJit(pc, code); }
                    else pc += 3;
                    break;
            }
        }
    }
}

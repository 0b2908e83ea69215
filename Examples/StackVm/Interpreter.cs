using PeJit;

namespace PeJit.Examples.StackVm;

/// <summary>The stack VM's interpreter: one dispatch loop, hints in place.</summary>
public static class Interpreter
{
    /// <summary>Runs the function whose code starts at <paramref name="pc"/> on <paramref name="frame"/>; returns its result.</summary>
    [JitPortal(Greens = ["pc", "code"], Reds = ["frame", "sp"])]
    public static long Run(Code code, int pc, Frame frame)
    {
        int sp = 0;
        while (true)
        {
            Jit.MergePoint(pc, code, frame, sp);
            var op = (OpCode)code.Ops[pc];
            switch (op)
            {
                case OpCode.Push:
                    frame.Stack[sp++] = code.Ops[pc + 1];
                    pc += 2;
                    break;
                case OpCode.Pop:
                    sp--;
                    pc++;
                    break;
                case OpCode.Dup:
                    frame.Stack[sp] = frame.Stack[sp - 1];
                    sp++;
                    pc++;
                    break;
                case OpCode.Swap:
                {
                    long top = frame.Stack[sp - 1];
                    frame.Stack[sp - 1] = frame.Stack[sp - 2];
                    frame.Stack[sp - 2] = top;
                    pc++;
                    break;
                }
                case OpCode.Over:
                    frame.Stack[sp] = frame.Stack[sp - 2];
                    sp++;
                    pc++;
                    break;
                case OpCode.Add or OpCode.Sub or OpCode.Mul or OpCode.Div or OpCode.Mod or OpCode.Eq or OpCode.Lt or OpCode.Gt:
                {
                    long right = frame.Stack[--sp];
                    long left = frame.Stack[sp - 1];
                    frame.Stack[sp - 1] = Arithmetic(op, left, right);
                    pc++;
                    break;
                }
                case OpCode.Neg:
                    frame.Stack[sp - 1] = -frame.Stack[sp - 1];
                    pc++;
                    break;
                case OpCode.Jump:
                {
                    int target = (int)code.Ops[pc + 1];
                    bool backward = target <= pc;
                    pc = target;
                    if (backward) Jit.CanEnterJit(pc, code, frame, sp);
                    break;
                }
                case OpCode.JumpIfZero or OpCode.JumpIfNotZero:
                {
                    long value = frame.Stack[--sp];
                    int target = (int)code.Ops[pc + 1];
                    if ((value == 0) == (op == OpCode.JumpIfZero))
                    {
                        bool backward = target <= pc;
                        pc = target;
                        if (backward) Jit.CanEnterJit(pc, code, frame, sp);
                    }
                    else
                    {
                        pc += 2;
                    }
                    break;
                }
                case OpCode.Load:
                    frame.Stack[sp++] = frame.Locals[code.Ops[pc + 1]];
                    pc += 2;
                    break;
                case OpCode.Store:
                    frame.Locals[code.Ops[pc + 1]] = frame.Stack[--sp];
                    pc += 2;
                    break;
                case OpCode.Call:
                {
                    var function = code.Functions[code.Ops[pc + 1]];
                    var callee = new Frame(function.Locals, frame.Output);
                    for (int i = function.Arity - 1; i >= 0; i--) callee.Locals[i] = frame.Stack[--sp];
                    frame.Stack[sp++] = Run(code, function.Entry, callee);
                    pc += 2;
                    break;
                }
                case OpCode.Return:
                    return frame.Stack[sp - 1];
                case OpCode.Print:
                    frame.Output.WriteLine(frame.Stack[sp - 1]);
                    pc++;
                    break;
                default:
                    throw new InvalidOperationException($"bad opcode {(long)op} at {pc}");
            }
        }
    }

    private static long Arithmetic(OpCode op, long left, long right) => op switch
    {
        OpCode.Add => left + right,
        OpCode.Sub => left - right,
        OpCode.Mul => left * right,
        OpCode.Div => left / right,
        OpCode.Mod => left % right,
        OpCode.Eq => left == right ? 1 : 0,
        OpCode.Lt => left < right ? 1 : 0,
        _ => left > right ? 1 : 0,
    };
}

using PeJit.Examples.StackVm;

namespace PeJit.Fuzzing.Termination;

/// <summary>
/// A copy of the stack VM's dispatch loop (Examples/StackVm/Interpreter.cs) that counts steps and call depth
/// and gives up past the bounds. It decides only whether a program may be run; the interpreter itself stays
/// the oracle of what the program does.
/// </summary>
public static class StackVmStepCounter
{
    /// <summary>Runs <c>main</c> of <paramref name="code"/> on <paramref name="arguments"/> within the bounds.</summary>
    public static BoundedRun Check(Code code, long[] arguments, long stepLimit, int depthLimit) =>
        StepBudget.Measure(stepLimit, depthLimit, budget =>
        {
            var main = code.Main;
            var locals = new long[Math.Max(main.Locals, 1)];
            Array.Copy(arguments, locals, arguments.Length);
            Run(code, main.Entry, locals, 0, budget);
        });

    private static long Run(Code code, int pc, long[] locals, int depth, StepBudget budget)
    {
        budget.Enter(depth);
        var stack = new long[256];
        int sp = 0;
        while (true)
        {
            budget.Step();
            var op = (OpCode)code.Ops[pc];
            switch (op)
            {
                case OpCode.Push: stack[sp++] = code.Ops[pc + 1]; pc += 2; break;
                case OpCode.Pop: sp--; pc++; break;
                case OpCode.Dup: stack[sp] = stack[sp - 1]; sp++; pc++; break;
                case OpCode.Swap: (stack[sp - 1], stack[sp - 2]) = (stack[sp - 2], stack[sp - 1]); pc++; break;
                case OpCode.Over: stack[sp] = stack[sp - 2]; sp++; pc++; break;
                case OpCode.Add or OpCode.Sub or OpCode.Mul or OpCode.Div or OpCode.Mod or OpCode.Eq or OpCode.Lt or OpCode.Gt:
                {
                    long right = stack[--sp];
                    long left = stack[sp - 1];
                    stack[sp - 1] = op switch
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
                    pc++;
                    break;
                }
                case OpCode.Neg: stack[sp - 1] = -stack[sp - 1]; pc++; break;
                case OpCode.Jump: pc = (int)code.Ops[pc + 1]; break;
                case OpCode.JumpIfZero or OpCode.JumpIfNotZero:
                {
                    long value = stack[--sp];
                    pc = (value == 0) == (op == OpCode.JumpIfZero) ? (int)code.Ops[pc + 1] : pc + 2;
                    break;
                }
                case OpCode.Load: stack[sp++] = locals[code.Ops[pc + 1]]; pc += 2; break;
                case OpCode.Store: locals[code.Ops[pc + 1]] = stack[--sp]; pc += 2; break;
                case OpCode.Call:
                {
                    var function = code.Functions[code.Ops[pc + 1]];
                    var calleeLocals = new long[Math.Max(function.Locals, 1)];
                    for (int i = function.Arity - 1; i >= 0; i--) calleeLocals[i] = stack[--sp];
                    stack[sp++] = Run(code, function.Entry, calleeLocals, depth + 1, budget);
                    pc += 2;
                    break;
                }
                case OpCode.Return: return stack[sp - 1];
                case OpCode.Print: _ = stack[sp - 1]; pc++; break;
                default: throw new InvalidOperationException($"bad opcode {(long)op} at {pc}");
            }
        }
    }
}

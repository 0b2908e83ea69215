using PeJit.Examples.HandlerTable;

namespace PeJit.Fuzzing.Termination;

/// <summary>
/// The handler-table machine (Examples/HandlerTable/Interpreter.cs) as a step-counting switch: one step per
/// handler called, the call depth per interpreted <c>call</c>; it gives up past the bounds. It decides only
/// whether a program may be run; the interpreter itself stays the oracle of what the program does.
/// </summary>
public static class HandlerTableStepCounter
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
            var op = (Op)code.Ops[pc];
            switch (op)
            {
                case Op.Push: stack[sp++] = code.Ops[pc + 1]; pc += 2; break;
                case Op.Pop: sp--; pc++; break;
                case Op.Dup: stack[sp] = stack[sp - 1]; sp++; pc++; break;
                case Op.Add or Op.Sub or Op.Mul or Op.Div or Op.Mod or Op.Eq or Op.Lt or Op.Gt:
                {
                    long right = stack[--sp];
                    long left = stack[--sp];
                    stack[sp++] = op switch
                    {
                        Op.Add => left + right,
                        Op.Sub => left - right,
                        Op.Mul => left * right,
                        Op.Div => left / right,
                        Op.Mod => left % right,
                        Op.Eq => left == right ? 1 : 0,
                        Op.Lt => left < right ? 1 : 0,
                        _ => left > right ? 1 : 0,
                    };
                    pc++;
                    break;
                }
                case Op.Jump: pc = code.Ops[pc + 1]; break;
                case Op.JumpIfZero or Op.JumpIfNotZero:
                {
                    long value = stack[--sp];
                    pc = (value == 0) == (op == Op.JumpIfZero) ? code.Ops[pc + 1] : pc + 2;
                    break;
                }
                case Op.Load: stack[sp++] = locals[code.Ops[pc + 1]]; pc += 2; break;
                case Op.Store: locals[code.Ops[pc + 1]] = stack[--sp]; pc += 2; break;
                case Op.Call:
                {
                    var function = code.Functions[code.Ops[pc + 1]];
                    var calleeLocals = new long[Math.Max(function.Locals, 1)];
                    for (int i = function.Arity - 1; i >= 0; i--) calleeLocals[i] = stack[--sp];
                    stack[sp++] = Run(code, function.Entry, calleeLocals, depth + 1, budget);
                    pc += 2;
                    break;
                }
                case Op.Return: return stack[--sp];
                case Op.Print: _ = stack[sp - 1]; pc++; break;
                default: throw new InvalidOperationException($"bad operation {(int)op} at {pc}");
            }
        }
    }
}

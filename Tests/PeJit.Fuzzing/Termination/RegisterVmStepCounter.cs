using PeJit.Examples.RegisterVm;

namespace PeJit.Fuzzing.Termination;

/// <summary>
/// A copy of the register machine's dispatch loop (Examples/RegisterVm/Interpreter.cs) that counts steps and
/// call depth and gives up past the bounds. It decides only whether a program may be run; the interpreter
/// itself stays the oracle of what the program does.
/// </summary>
public static class RegisterVmStepCounter
{
    /// <summary>Runs <c>main</c> of <paramref name="code"/> on <paramref name="arguments"/> within the bounds.</summary>
    public static BoundedRun Check(Code code, long[] arguments, long stepLimit, int depthLimit) =>
        StepBudget.Measure(stepLimit, depthLimit, budget =>
        {
            var main = code.Main;
            var registers = new long[Math.Max(main.Registers, 1)];
            Array.Copy(arguments, registers, arguments.Length);
            Run(code, main.Entry, registers, 0, budget);
        });

    private static long Run(Code code, int pc, long[] regs, int depth, StepBudget budget)
    {
        budget.Enter(depth);
        while (true)
        {
            budget.Step();
            var instr = code.Instructions[pc++];
            switch (instr.Op)
            {
                case Op.LoadConst: regs[instr.A] = code.Constants[instr.B]; break;
                case Op.Move: regs[instr.A] = regs[instr.B]; break;
                case Op.Add: regs[instr.A] = regs[instr.B] + regs[instr.C]; break;
                case Op.Sub: regs[instr.A] = regs[instr.B] - regs[instr.C]; break;
                case Op.Mul: regs[instr.A] = regs[instr.B] * regs[instr.C]; break;
                case Op.Div: regs[instr.A] = regs[instr.B] / regs[instr.C]; break;
                case Op.Mod: regs[instr.A] = regs[instr.B] % regs[instr.C]; break;
                case Op.Neg: regs[instr.A] = -regs[instr.B]; break;
                case Op.Eq: regs[instr.A] = regs[instr.B] == regs[instr.C] ? 1 : 0; break;
                case Op.Lt: regs[instr.A] = regs[instr.B] < regs[instr.C] ? 1 : 0; break;
                case Op.Le: regs[instr.A] = regs[instr.B] <= regs[instr.C] ? 1 : 0; break;
                case Op.Jump: pc = instr.A; break;
                case Op.JumpIfZero: if (regs[instr.A] == 0) pc = instr.B; break;
                case Op.JumpIfNotZero: if (regs[instr.A] != 0) pc = instr.B; break;
                case Op.Print: break;
                case Op.Call:
                {
                    var function = code.Functions[instr.B];
                    var callee = new long[Math.Max(function.Registers, 1)];
                    Array.Copy(regs, instr.C, callee, 0, function.Arity);
                    regs[instr.A] = Run(code, function.Entry, callee, depth + 1, budget);
                    break;
                }
                case Op.Return: return regs[instr.A];
                default: throw new InvalidOperationException($"bad instruction {instr} at {pc - 1}");
            }
        }
    }
}

using PeJit;

namespace PeJit.Examples.RegisterVm;

/// <summary>The register machine's interpreter: one dispatch loop over struct instructions, hints in place.</summary>
public static class Interpreter
{
    /// <summary>Runs the function whose code starts at <paramref name="pc"/> on <paramref name="frame"/>; returns its result.</summary>
    [JitPortal(Greens = ["pc", "code"], Reds = ["frame", "regs"])]
    public static long Run(Code code, int pc, Frame frame)
    {
        long[] regs = frame.Registers;
        while (true)
        {
            Jit.MergePoint(pc, code, frame, regs);
            Instr instr = code.Instructions[pc++];
            switch (instr.Op)
            {
                case Op.LoadConst:
                    regs[instr.A] = code.Constants[instr.B];
                    break;
                case Op.Move:
                    regs[instr.A] = regs[instr.B];
                    break;
                case Op.Add:
                    regs[instr.A] = regs[instr.B] + regs[instr.C];
                    break;
                case Op.Sub:
                    regs[instr.A] = regs[instr.B] - regs[instr.C];
                    break;
                case Op.Mul:
                    regs[instr.A] = regs[instr.B] * regs[instr.C];
                    break;
                case Op.Div:
                    regs[instr.A] = regs[instr.B] / regs[instr.C];
                    break;
                case Op.Mod:
                    regs[instr.A] = regs[instr.B] % regs[instr.C];
                    break;
                case Op.Neg:
                    regs[instr.A] = -regs[instr.B];
                    break;
                case Op.Eq:
                    regs[instr.A] = regs[instr.B] == regs[instr.C] ? 1 : 0;
                    break;
                case Op.Lt:
                    regs[instr.A] = regs[instr.B] < regs[instr.C] ? 1 : 0;
                    break;
                case Op.Le:
                    regs[instr.A] = regs[instr.B] <= regs[instr.C] ? 1 : 0;
                    break;
                case Op.Jump:
                {
                    // pc already points past this instruction: a target below it is a backward jump.
                    bool backward = instr.A < pc;
                    pc = instr.A;
                    if (backward) Jit.CanEnterJit(pc, code, frame, regs);
                    break;
                }
                case Op.JumpIfZero:
                    if (regs[instr.A] == 0)
                    {
                        bool backward = instr.B < pc;
                        pc = instr.B;
                        if (backward) Jit.CanEnterJit(pc, code, frame, regs);
                    }
                    break;
                case Op.JumpIfNotZero:
                    if (regs[instr.A] != 0)
                    {
                        bool backward = instr.B < pc;
                        pc = instr.B;
                        if (backward) Jit.CanEnterJit(pc, code, frame, regs);
                    }
                    break;
                case Op.Print:
                    frame.Output.WriteLine(regs[instr.A]);
                    break;
                case Op.Call:
                {
                    var function = code.Functions[instr.B];
                    var callee = new Frame(function.Registers, frame.Output);
                    Array.Copy(regs, instr.C, callee.Registers, 0, function.Arity);
                    regs[instr.A] = Run(code, function.Entry, callee);
                    break;
                }
                case Op.Return:
                    return regs[instr.A];
                default:
                    throw new InvalidOperationException($"bad instruction {instr} at {pc - 1}");
            }
        }
    }
}

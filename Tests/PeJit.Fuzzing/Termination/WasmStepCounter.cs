using PeJit.Examples.Wasm;

namespace PeJit.Fuzzing.Termination;

/// <summary>
/// The WebAssembly-style VM (Examples/Wasm/Interpreter.cs) as a step-counting loop over the same decoded
/// instructions: one step per instruction dispatched, the call depth per <c>call</c>; it gives up past the bounds.
/// Branches move the stacks as the interpreter's <c>Branch</c> does, from the numbers the assembler worked out. It
/// decides only whether a program may be run; the interpreter itself stays the oracle of what the program does.
/// </summary>
public static class WasmStepCounter
{
    /// <summary>Runs <c>$main</c> of <paramref name="code"/> on <paramref name="argument"/> within the bounds.</summary>
    public static BoundedRun Check(Code code, long argument, long stepLimit, int depthLimit) =>
        StepBudget.Measure(stepLimit, depthLimit, budget => Run(code, argument, budget));

    private static void Run(Code code, long argument, StepBudget budget)
    {
        var stack = new long[Machine.MaxStack];
        var memory = new long[code.MemoryWords];
        var returns = new Stack<(int Pc, long[] Locals)>();
        var main = code.Functions[code.Main];
        var locals = new long[main.Locals];
        if (main.Parameters > 0) locals[0] = argument;
        int sp = 0, lsp = 1, pc = main.Entry;
        void Branch(Instr branch)
        {
            if (branch.Keep > 0 && branch.Drop > 0) stack[sp - 1 - branch.Drop] = stack[sp - 1];
            sp -= branch.Drop;
            lsp -= (int)branch.A + (branch.C is (int)LabelKind.Loop or (int)LabelKind.Function ? 0 : 1);
        }
        while (true)
        {
            budget.Step();
            var instr = code.Instructions[pc++];
            switch (instr.Op)
            {
                case Op.Unreachable: throw new InvalidOperationException("unreachable");
                case Op.Nop: break;
                case Op.Block or Op.Loop: lsp++; break;
                case Op.If:
                    lsp++;
                    if (stack[--sp] == 0) pc = instr.C;
                    break;
                case Op.Else: Branch(instr); pc = instr.B; break;
                case Op.End:
                    lsp--;
                    if (instr.C == (int)LabelKind.Function)
                    {
                        if (returns.Count == 0) return;
                        (pc, locals) = returns.Pop();
                    }
                    break;
                case Op.Br or Op.Return: Branch(instr); pc = instr.B; break;
                case Op.BrIf:
                    if (stack[--sp] != 0)
                    {
                        Branch(instr);
                        pc = instr.B;
                    }
                    break;
                case Op.BrTable:
                {
                    var table = code.Tables[instr.A];
                    long index = stack[--sp];
                    var branch = table[index >= 0 && index < table.Length - 1 ? (int)index : table.Length - 1];
                    Branch(branch);
                    pc = branch.B;
                    break;
                }
                case Op.Call:
                {
                    var callee = code.Functions[instr.A];
                    if (returns.Count == Machine.MaxFrames) throw new InvalidOperationException("call stack exhausted");
                    budget.Enter(returns.Count + 1);
                    var calleeLocals = new long[callee.Locals];
                    for (int i = callee.Parameters - 1; i >= 0; i--) calleeLocals[i] = stack[--sp];
                    returns.Push((pc, locals));
                    locals = calleeLocals;
                    lsp++;
                    pc = callee.Entry;
                    break;
                }
                case Op.Drop: sp--; break;
                case Op.Select:
                {
                    long condition = stack[--sp];
                    long second = stack[--sp];
                    if (condition == 0) stack[sp - 1] = second;
                    break;
                }
                case Op.LocalGet: stack[sp++] = locals[instr.A]; break;
                case Op.LocalSet: locals[instr.A] = stack[--sp]; break;
                case Op.LocalTee: locals[instr.A] = stack[sp - 1]; break;
                case Op.Const: stack[sp++] = instr.A; break;
                case Op.Load: stack[sp - 1] = memory[stack[sp - 1] + instr.A]; break;
                case Op.Store:
                {
                    long value = stack[--sp];
                    memory[stack[--sp] + instr.A] = value;
                    break;
                }
                case Op.Print: sp--; break;
                default:
                {
                    // The binary operations (the interpreter's own arithmetic, so that a trap happens here where it does there)
                    // and eqz.
                    if (instr.Op == Op.Eqz)
                    {
                        stack[sp - 1] = stack[sp - 1] == 0 ? 1 : 0;
                        break;
                    }
                    long right = stack[--sp], left = stack[sp - 1];
                    stack[sp - 1] = instr.Op switch
                    {
                        Op.Add => left + right,
                        Op.Sub => left - right,
                        Op.Mul => left * right,
                        Op.DivS => left / right,
                        Op.RemS => left % right,
                        Op.And => left & right,
                        Op.Or => left | right,
                        Op.Xor => left ^ right,
                        Op.Shl => left << (int)(right & 63),
                        Op.ShrS => left >> (int)(right & 63),
                        Op.Eq => left == right ? 1 : 0,
                        Op.Ne => left != right ? 1 : 0,
                        Op.LtS => left < right ? 1 : 0,
                        Op.GtS => left > right ? 1 : 0,
                        Op.LeS => left <= right ? 1 : 0,
                        Op.GeS => left >= right ? 1 : 0,
                        _ => throw new InvalidOperationException($"bad instruction {instr} at {pc - 1}"),
                    };
                    break;
                }
            }
            if (lsp > Machine.MaxLabels) throw new InvalidOperationException("label stack exhausted");
        }
    }
}

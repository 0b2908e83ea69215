using PeJit;

namespace PeJit.Examples.Wasm;

/// <summary>
/// The dispatch loop, written as a naive WebAssembly interpreter is: a value stack, a control stack of labels
/// pushed at <c>block</c>/<c>loop</c>/<c>if</c> and popped at <c>end</c>, branches resolved by reading the label
/// <c>depth</c> entries down the control stack, and calls that push a frame and stay in the loop.
/// </summary>
public static class Interpreter
{
    /// <summary>Runs <c>main</c> of <paramref name="code"/> with <paramref name="argument"/> (if it takes one); returns its result (0 if none).</summary>
    [JitPortal(Greens = ["pc", "code"], Reds = ["machine", "stack", "sp", "labels", "lsp", "frames", "fp", "locals", "memory"])]
    public static long Run(Code code, Machine machine, long argument)
    {
        long[] stack = machine.Stack;
        Label[] labels = machine.Labels;
        Frame[] frames = machine.Frames;
        long[] memory = machine.Memory;
        var main = code.Functions[code.Main];
        long[] locals = new long[main.Locals];
        if (main.Parameters > 0) locals[0] = argument;
        int sp = 0, lsp = 0, fp = 0;
        labels[lsp++] = new Label(LabelKind.Function, main.End, sp, main.Results);
        int pc = main.Entry;
        while (true)
        {
            Jit.MergePoint(pc, code, machine, stack, sp, labels, lsp, frames, fp, locals, memory);
            Instr instr = code.Instructions[pc++];
            switch (instr.Op)
            {
                case Op.Unreachable:
                    throw new WasmTrap($"unreachable executed at pc {pc - 1}");
                case Op.Nop:
                    break;
                case Op.Block:
                    labels[lsp++] = new Label(LabelKind.Block, (int)instr.A, sp, instr.B);
                    break;
                case Op.Loop:
                    // A branch to a loop goes back to its first instruction; the label stays.
                    labels[lsp++] = new Label(LabelKind.Loop, pc, sp, 0);
                    break;
                case Op.If:
                    labels[lsp++] = new Label(LabelKind.If, (int)instr.A, sp - 1, instr.B);
                    if (stack[--sp] == 0) pc = instr.C;
                    break;
                case Op.Else:
                    // The then-arm is done: leave the if as `br 0` would.
                    Branch(stack, ref sp, ref lsp, instr);
                    pc = instr.B;
                    break;
                case Op.End:
                    lsp--;
                    // The assembler marks a function's closing `end`; there the stack holds just its results.
                    if (instr.C == (int)LabelKind.Function)
                    {
                        if (fp == 0) return code.Functions[code.Main].Results > 0 ? stack[sp - 1] : 0;
                        var frame = frames[--fp];
                        // The return address comes from the call stack: promoted, as the report advised.
                        pc = Jit.Promote(frame.ReturnPc);
                        locals = frame.Locals;
                    }
                    break;
                case Op.Br:
                    // The target comes from the instruction (the assembler worked it out), so it is green.
                    Branch(stack, ref sp, ref lsp, instr);
                    pc = instr.B;
                    if (instr.C == (int)LabelKind.Loop) Jit.CanEnterJit(pc, code, machine, stack, sp, labels, lsp, frames, fp, locals, memory);
                    break;
                case Op.BrIf:
                    if (stack[--sp] != 0)
                    {
                        Branch(stack, ref sp, ref lsp, instr);
                        pc = instr.B;
                        if (instr.C == (int)LabelKind.Loop) Jit.CanEnterJit(pc, code, machine, stack, sp, labels, lsp, frames, fp, locals, memory);
                    }
                    break;
                case Op.BrTable:
                {
                    Instr[] table = code.Tables[instr.A];
                    long index = stack[--sp];
                    // The entry is picked by a run-time value: promoted, so each entry taken is a case of its own.
                    int entry = Jit.Promote(index >= 0 && index < table.Length - 1 ? (int)index : table.Length - 1);
                    Instr branch = table[entry];
                    Branch(stack, ref sp, ref lsp, branch);
                    pc = branch.B;
                    if (branch.C == (int)LabelKind.Loop) Jit.CanEnterJit(pc, code, machine, stack, sp, labels, lsp, frames, fp, locals, memory);
                    break;
                }
                case Op.Call:
                {
                    var callee = code.Functions[instr.A];
                    if (fp == frames.Length) throw new WasmTrap("call stack exhausted");
                    var calleeLocals = new long[callee.Locals];
                    for (int i = callee.Parameters - 1; i >= 0; i--) calleeLocals[i] = stack[--sp];
                    frames[fp++] = new Frame(pc, locals, lsp);
                    locals = calleeLocals;
                    labels[lsp++] = new Label(LabelKind.Function, callee.End, sp, callee.Results);
                    pc = callee.Entry;
                    break;
                }
                case Op.Return:
                {
                    // Branch to the function's label: its target is the function's `end`, which returns.
                    Branch(stack, ref sp, ref lsp, instr);
                    pc = instr.B;
                    break;
                }
                case Op.Drop:
                    sp--;
                    break;
                case Op.Select:
                {
                    long condition = stack[--sp];
                    long second = stack[--sp];
                    if (condition == 0) stack[sp - 1] = second;
                    break;
                }
                case Op.LocalGet:
                    stack[sp++] = locals[instr.A];
                    break;
                case Op.LocalSet:
                    locals[instr.A] = stack[--sp];
                    break;
                case Op.LocalTee:
                    locals[instr.A] = stack[sp - 1];
                    break;
                case Op.Const:
                    stack[sp++] = instr.A;
                    break;
                case Op.Load:
                    stack[sp - 1] = memory[stack[sp - 1] + instr.A];
                    break;
                case Op.Store:
                {
                    long value = stack[--sp];
                    long address = stack[--sp];
                    memory[address + instr.A] = value;
                    break;
                }
                case Op.Add: sp--; stack[sp - 1] = stack[sp - 1] + stack[sp]; break;
                case Op.Sub: sp--; stack[sp - 1] = stack[sp - 1] - stack[sp]; break;
                case Op.Mul: sp--; stack[sp - 1] = stack[sp - 1] * stack[sp]; break;
                case Op.DivS: sp--; stack[sp - 1] = stack[sp - 1] / stack[sp]; break;
                case Op.RemS: sp--; stack[sp - 1] = stack[sp - 1] % stack[sp]; break;
                case Op.And: sp--; stack[sp - 1] = stack[sp - 1] & stack[sp]; break;
                case Op.Or: sp--; stack[sp - 1] = stack[sp - 1] | stack[sp]; break;
                case Op.Xor: sp--; stack[sp - 1] = stack[sp - 1] ^ stack[sp]; break;
                case Op.Shl: sp--; stack[sp - 1] = stack[sp - 1] << (int)(stack[sp] & 63); break;
                case Op.ShrS: sp--; stack[sp - 1] = stack[sp - 1] >> (int)(stack[sp] & 63); break;
                case Op.Eqz: stack[sp - 1] = stack[sp - 1] == 0 ? 1 : 0; break;
                case Op.Eq: sp--; stack[sp - 1] = stack[sp - 1] == stack[sp] ? 1 : 0; break;
                case Op.Ne: sp--; stack[sp - 1] = stack[sp - 1] != stack[sp] ? 1 : 0; break;
                case Op.LtS: sp--; stack[sp - 1] = stack[sp - 1] < stack[sp] ? 1 : 0; break;
                case Op.GtS: sp--; stack[sp - 1] = stack[sp - 1] > stack[sp] ? 1 : 0; break;
                case Op.LeS: sp--; stack[sp - 1] = stack[sp - 1] <= stack[sp] ? 1 : 0; break;
                case Op.GeS: sp--; stack[sp - 1] = stack[sp - 1] >= stack[sp] ? 1 : 0; break;
                case Op.Print:
                    machine.Output.WriteLine(stack[--sp]);
                    break;
                default:
                    throw new InvalidOperationException($"bad instruction {instr} at {pc - 1}");
            }
        }
    }

    /// <summary>
    /// Leaves the blocks a branch leaves: keeps its <see cref="Instr.Keep"/> values on top of the stack, lowers the stack
    /// by <see cref="Instr.Drop"/>, and pops the labels above the target (and the target's, unless it is a loop or the
    /// function). Every number comes from the instruction, as the assembler worked it out; the label stack is only pushed
    /// and popped.
    /// </summary>
    private static void Branch(long[] stack, ref int sp, ref int lsp, Instr branch)
    {
        if (branch.Keep > 0 && branch.Drop > 0) stack[sp - 1 - branch.Drop] = stack[sp - 1];
        sp -= branch.Drop;
        lsp -= (int)branch.A + (branch.C is (int)LabelKind.Loop or (int)LabelKind.Function ? 0 : 1);
    }
}

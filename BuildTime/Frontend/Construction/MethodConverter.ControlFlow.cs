using Mono.Cecil;
using Mono.Cecil.Cil;
using PeJit.IR;
using CilInstruction = Mono.Cecil.Cil.Instruction;
using IrInstruction = PeJit.IR.Instruction;

namespace PeJit.Frontend.Construction;

// Branches, switches, returns and the exception-handling exits: the instructions that end a block.
public sealed partial class MethodConverter
{
    private sealed partial class Conversion
    {
        /// <summary>Translates an instruction that ends a block; false for any other instruction.</summary>
        private bool TranslateControlFlow(CilInstruction instruction, int index)
        {
            switch (instruction.OpCode.Code)
            {
                case Code.Br: Emit(new IrInstruction(Opcode.Jump) { Targets = { EdgeTo(flow.BlockAt((CilInstruction)instruction.Operand)) } }); return true;
                case Code.Leave:
                    state.Stack.Clear();
                    Emit(new IrInstruction(Opcode.Leave) { Targets = { EdgeTo(flow.BlockAt((CilInstruction)instruction.Operand)) } });
                    return true;
                case Code.Brtrue: Branch(Pop(), instruction, index, jumpWhenTrue: true); return true;
                case Code.Brfalse: Branch(Pop(), instruction, index, jumpWhenTrue: false); return true;
                case Code.Beq: CompareAndBranch(Opcode.Ceq, instruction, index); return true;
                case Code.Bne_Un: CompareAndBranch(Opcode.Cne, instruction, index); return true;
                case Code.Bge: CompareAndBranch(Opcode.Cge, instruction, index); return true;
                case Code.Bge_Un: CompareAndBranch(Opcode.CgeUn, instruction, index); return true;
                case Code.Bgt: CompareAndBranch(Opcode.Cgt, instruction, index); return true;
                case Code.Bgt_Un: CompareAndBranch(Opcode.CgtUn, instruction, index); return true;
                case Code.Ble: CompareAndBranch(Opcode.Cle, instruction, index); return true;
                case Code.Ble_Un: CompareAndBranch(Opcode.CleUn, instruction, index); return true;
                case Code.Blt: CompareAndBranch(Opcode.Clt, instruction, index); return true;
                case Code.Blt_Un: CompareAndBranch(Opcode.CltUn, instruction, index); return true;
                case Code.Switch:
                {
                    var selector = Pop();
                    var jump = new IrInstruction(Opcode.Switch, selector);
                    foreach (var target in (CilInstruction[])instruction.Operand) jump.Targets.Add(EdgeTo(flow.BlockAt(target)));
                    jump.Targets.Add(EdgeTo(FallThrough(index, instruction)));
                    Emit(jump);
                    return true;
                }
                case Code.Ret:
                    if (graph.ReturnType.Kind == TypeKind.Void) Emit(new IrInstruction(Opcode.Return));
                    else Emit(new IrInstruction(Opcode.Return, Coerce(Pop(), graph.ReturnType)));
                    return true;
                case Code.Throw: Emit(new IrInstruction(Opcode.Throw, Pop())); return true;
                case Code.Rethrow: Emit(new IrInstruction(Opcode.Rethrow)); return true;
                case Code.Endfinally: Emit(new IrInstruction(Opcode.EndFinally)); return true;
                case Code.Endfilter: Emit(new IrInstruction(Opcode.EndFilter, Pop())); return true;
                default:
                    return false;
            }
        }

        private int FallThrough(int index, CilInstruction instruction)
        {
            if (index + 1 >= flow.Instructions.Count)
                throw new UnsupportedConstructException("a conditional branch falls off the end of the method", instruction.Offset);
            return flow.BlockOf(index + 1);
        }

        private void Branch(Value condition, CilInstruction instruction, int index, bool jumpWhenTrue)
        {
            var taken = flow.BlockAt((CilInstruction)instruction.Operand);
            var next = FallThrough(index, instruction);
            var branch = new IrInstruction(Opcode.BrIf, condition);
            if (jumpWhenTrue)
            {
                branch.Targets.Add(EdgeTo(taken));
                branch.Targets.Add(EdgeTo(next));
            }
            else
            {
                branch.Targets.Add(EdgeTo(next));
                branch.Targets.Add(EdgeTo(taken));
            }
            Emit(branch);
        }

        private void CompareAndBranch(Opcode comparison, CilInstruction instruction, int index)
        {
            var right = Pop();
            var left = Pop();
            var condition = Emit(new IrInstruction(comparison, left, right), IrType.Bool);
            Branch(condition, instruction, index, jumpWhenTrue: true);
        }
    }
}

using Mono.Cecil;
using Mono.Cecil.Cil;
using PeJit.IR;
using CilInstruction = Mono.Cecil.Cil.Instruction;
using IrInstruction = PeJit.IR.Instruction;

namespace PeJit.Frontend.Construction;

// The instructions that move values between variables and the evaluation stack, and push constants.
public sealed partial class MethodConverter
{
    private sealed partial class Conversion
    {
        /// <summary>Translates a load or store of a variable, a constant, <c>dup</c> or <c>pop</c>; false for any other instruction.</summary>
        private bool TranslateVariableOrConstant(CilInstruction instruction)
        {
            switch (instruction.OpCode.Code)
            {
                case Code.Ldarg or Code.Ldloc:
                {
                    int v = VariableAnalysis.VariableOf(method, instruction);
                    if (variables.IsSlot[v])
                        Push(Emit(new IrInstruction(Opcode.LoadSlot) { Slot = slotOf[v] }, variableTypes[v]), variableNames[v]);
                    else
                        Push(state.Variables[v] ?? throw new UnsupportedConstructException(
                            $"variable {VariableName(v)} may be read before it is assigned", instruction.Offset), variableNames[v]);
                    return true;
                }
                case Code.Starg or Code.Stloc:
                {
                    int v = VariableAnalysis.VariableOf(method, instruction);
                    var value = Coerce(Pop(), variableTypes[v]);
                    if (variables.IsSlot[v])
                    {
                        Emit(new IrInstruction(Opcode.StoreSlot, value) { Slot = slotOf[v] });
                    }
                    else
                    {
                        var data = graph[value];
                        if (data.Name is null && data.DefiningInstruction is not null) data.Name = variableNames[v];
                        state.Variables[v] = value;
                    }
                    return true;
                }
                case Code.Ldarga or Code.Ldloca:
                {
                    int v = VariableAnalysis.VariableOf(method, instruction);
                    PushNew(Opcode.SlotAddr, IrType.ByRef(variableTypes[v]));
                    graph[state.Stack[^1].Value].DefiningInstruction!.Slot = slotOf[v];
                    return true;
                }

                case Code.Ldnull: PushNew(Opcode.Null, IrType.Object); return true;
                case Code.Ldc_I4: Push(Emit(new IrInstruction(Opcode.Const) { Integer = (int)instruction.Operand }, IrType.I32)); return true;
                case Code.Ldc_I8: Push(Emit(new IrInstruction(Opcode.Const) { Integer = (long)instruction.Operand }, IrType.I64)); return true;
                case Code.Ldc_R4: Push(Emit(new IrInstruction(Opcode.Const) { Float = (float)instruction.Operand }, IrType.F32)); return true;
                case Code.Ldc_R8: Push(Emit(new IrInstruction(Opcode.Const) { Float = (double)instruction.Operand }, IrType.F64)); return true;
                case Code.Ldstr: Push(Emit(new IrInstruction(Opcode.String) { Text = (string)instruction.Operand }, IrType.String)); return true;
                case Code.Dup:
                {
                    var top = PopEntry();
                    state.Stack.Add(top);
                    state.Stack.Add(top);
                    return true;
                }
                case Code.Pop: Pop(); return true;
                default:
                    return false;
            }
        }
    }
}

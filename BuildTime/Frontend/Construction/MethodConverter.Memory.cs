using Mono.Cecil;
using Mono.Cecil.Cil;
using PeJit.IR;
using CilInstruction = Mono.Cecil.Cil.Instruction;
using IrInstruction = PeJit.IR.Instruction;

namespace PeJit.Frontend.Construction;

// Fields, statics, arrays and memory reached through an address.
public sealed partial class MethodConverter
{
    private sealed partial class Conversion
    {
        /// <summary>Translates an access to a field, a static, an array element or an address; false for any other instruction.</summary>
        private bool TranslateMemoryAccess(CilInstruction instruction)
        {
            switch (instruction.OpCode.Code)
            {
                case Code.Ldfld:
                {
                    var field = (FieldReference)instruction.Operand;
                    var target = Pop();
                    Push(Emit(new IrInstruction(Opcode.LoadField, target) { Field = converter.FieldOf(field) }, types.Map(GenericSubstitution.FieldType(field))));
                    return true;
                }
                case Code.Stfld:
                {
                    var field = (FieldReference)instruction.Operand;
                    var value = Coerce(Pop(), types.Map(GenericSubstitution.FieldType(field)));
                    var target = Pop();
                    Emit(new IrInstruction(Opcode.StoreField, target, value) { Field = converter.FieldOf(field) });
                    return true;
                }
                case Code.Ldflda:
                {
                    var field = (FieldReference)instruction.Operand;
                    var target = Pop();
                    Push(Emit(new IrInstruction(Opcode.FieldAddr, target) { Field = converter.FieldOf(field) }, IrType.ByRef(types.Map(GenericSubstitution.FieldType(field)))));
                    return true;
                }
                case Code.Ldsfld:
                {
                    var field = (FieldReference)instruction.Operand;
                    Push(Emit(new IrInstruction(Opcode.LoadStatic) { Field = converter.FieldOf(field) }, types.Map(GenericSubstitution.FieldType(field))));
                    return true;
                }
                case Code.Stsfld:
                {
                    var field = (FieldReference)instruction.Operand;
                    var value = Coerce(Pop(), types.Map(GenericSubstitution.FieldType(field)));
                    Emit(new IrInstruction(Opcode.StoreStatic, value) { Field = converter.FieldOf(field) });
                    return true;
                }
                case Code.Ldsflda:
                {
                    var field = (FieldReference)instruction.Operand;
                    Push(Emit(new IrInstruction(Opcode.StaticAddr) { Field = converter.FieldOf(field) }, IrType.ByRef(types.Map(GenericSubstitution.FieldType(field)))));
                    return true;
                }

                case Code.Newarr:
                {
                    var element = (TypeReference)instruction.Operand;
                    var length = Pop();
                    Push(Emit(new IrInstruction(Opcode.NewArray, length) { TypeOperand = types.Map(element) }, types.Map(new ArrayType(element))));
                    return true;
                }
                case Code.Ldlen: { var array = Pop(); PushNew(Opcode.ArrayLength, IrType.NUInt, array); return true; }
                case Code.Ldelem_I1: LoadElement(IrType.I8); return true;
                case Code.Ldelem_U1: LoadElement(IrType.U8); return true;
                case Code.Ldelem_I2: LoadElement(IrType.I16); return true;
                case Code.Ldelem_U2: LoadElement(IrType.U16); return true;
                case Code.Ldelem_I4: LoadElement(IrType.I32); return true;
                case Code.Ldelem_U4: LoadElement(IrType.U32); return true;
                case Code.Ldelem_I8: LoadElement(IrType.I64); return true;
                case Code.Ldelem_I: LoadElement(IrType.NInt); return true;
                case Code.Ldelem_R4: LoadElement(IrType.F32); return true;
                case Code.Ldelem_R8: LoadElement(IrType.F64); return true;
                case Code.Ldelem_Ref: LoadElement(null); return true;
                case Code.Ldelem_Any: LoadElement(types.Map((TypeReference)instruction.Operand)); return true;
                case Code.Stelem_I1: StoreElement(IrType.I8); return true;
                case Code.Stelem_I2: StoreElement(IrType.I16); return true;
                case Code.Stelem_I4: StoreElement(IrType.I32); return true;
                case Code.Stelem_I8: StoreElement(IrType.I64); return true;
                case Code.Stelem_I: StoreElement(IrType.NInt); return true;
                case Code.Stelem_R4: StoreElement(IrType.F32); return true;
                case Code.Stelem_R8: StoreElement(IrType.F64); return true;
                case Code.Stelem_Ref: StoreElement(null); return true;
                case Code.Stelem_Any: StoreElement(types.Map((TypeReference)instruction.Operand)); return true;
                case Code.Ldelema:
                {
                    var element = types.Map((TypeReference)instruction.Operand);
                    var position = Pop();
                    var array = Pop();
                    Push(Emit(new IrInstruction(Opcode.ElementAddr, array, position) { TypeOperand = element }, IrType.ByRef(element)));
                    return true;
                }

                case Code.Ldind_I1: LoadIndirect(IrType.I8); return true;
                case Code.Ldind_U1: LoadIndirect(IrType.U8); return true;
                case Code.Ldind_I2: LoadIndirect(IrType.I16); return true;
                case Code.Ldind_U2: LoadIndirect(IrType.U16); return true;
                case Code.Ldind_I4: LoadIndirect(IrType.I32); return true;
                case Code.Ldind_U4: LoadIndirect(IrType.U32); return true;
                case Code.Ldind_I8: LoadIndirect(IrType.I64); return true;
                case Code.Ldind_I: LoadIndirect(IrType.NInt); return true;
                case Code.Ldind_R4: LoadIndirect(IrType.F32); return true;
                case Code.Ldind_R8: LoadIndirect(IrType.F64); return true;
                case Code.Ldind_Ref: LoadIndirect(null); return true;
                case Code.Ldobj: LoadIndirect(types.Map((TypeReference)instruction.Operand)); return true;
                case Code.Stind_I1: StoreIndirect(IrType.I8); return true;
                case Code.Stind_I2: StoreIndirect(IrType.I16); return true;
                case Code.Stind_I4: StoreIndirect(IrType.I32); return true;
                case Code.Stind_I8: StoreIndirect(IrType.I64); return true;
                case Code.Stind_I: StoreIndirect(IrType.NInt); return true;
                case Code.Stind_R4: StoreIndirect(IrType.F32); return true;
                case Code.Stind_R8: StoreIndirect(IrType.F64); return true;
                case Code.Stind_Ref: StoreIndirect(null); return true;
                case Code.Stobj: StoreIndirect(types.Map((TypeReference)instruction.Operand)); return true;
                case Code.Initobj:
                    Emit(new IrInstruction(Opcode.InitObj, Pop()) { TypeOperand = types.Map((TypeReference)instruction.Operand) });
                    return true;
                case Code.Cpobj:
                {
                    var source = Pop();
                    var destination = Pop();
                    Emit(new IrInstruction(Opcode.CopyObj, destination, source) { TypeOperand = types.Map((TypeReference)instruction.Operand) });
                    return true;
                }
                default:
                    return false;
            }
        }

        private void LoadElement(IrType? element)
        {
            var position = Pop();
            var array = Pop();
            element ??= ElementTypeOf(array);
            Push(Emit(new IrInstruction(Opcode.LoadElement, array, position) { TypeOperand = element }, element));
        }

        private void StoreElement(IrType? element)
        {
            var value = Pop();
            var position = Pop();
            var array = Pop();
            element ??= ElementTypeOf(array);
            value = Coerce(value, element);
            Emit(new IrInstruction(Opcode.StoreElement, array, position, value) { TypeOperand = element });
        }

        private IrType ElementTypeOf(Value array) =>
            TypeUtilities.ArrayElement(TypeOf(array), types) ?? IrType.Object;

        private void LoadIndirect(IrType? type)
        {
            var address = Pop();
            type ??= TypeOf(address).Element ?? IrType.Object;
            Push(Emit(new IrInstruction(Opcode.Load, address) { TypeOperand = type }, type));
        }

        private void StoreIndirect(IrType? type)
        {
            var value = Pop();
            var address = Pop();
            type ??= TypeOf(address).Element ?? IrType.Object;
            value = Coerce(value, type);
            Emit(new IrInstruction(Opcode.Store, address, value) { TypeOperand = type });
        }
    }
}

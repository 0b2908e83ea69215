using Mono.Cecil;
using Mono.Cecil.Cil;
using PeJit.IR;
using CilInstruction = Mono.Cecil.Cil.Instruction;
using IrInstruction = PeJit.IR.Instruction;

namespace PeJit.Frontend.Construction;

// Calls, function pointers, boxing, type tests and tokens: what names a method or a type.
public sealed partial class MethodConverter
{
    private sealed partial class Conversion
    {
        /// <summary>Translates a call, a function load, a box, an unbox, a type test or cast, a token or a size; false for any other instruction.</summary>
        private bool TranslateCallOrObject(CilInstruction instruction)
        {
            switch (instruction.OpCode.Code)
            {
                case Code.Call or Code.Callvirt or Code.Newobj: Call(instruction); return true;
                case Code.Ldftn:
                    Push(Emit(new IrInstruction(Opcode.LoadFunction) { Method = converter.MethodOf((MethodReference)instruction.Operand) }, IrType.NInt));
                    return true;
                case Code.Ldvirtftn:
                    Push(Emit(new IrInstruction(Opcode.LoadVirtualFunction, Pop()) { Method = converter.MethodOf((MethodReference)instruction.Operand) }, IrType.NInt));
                    return true;
                case Code.Box:
                {
                    var type = types.Map((TypeReference)instruction.Operand);
                    var value = Coerce(Pop(), type);
                    Push(Emit(new IrInstruction(Opcode.Box, value) { TypeOperand = type }, IrType.Object));
                    return true;
                }
                case Code.Unbox:
                {
                    var type = types.Map((TypeReference)instruction.Operand);
                    Push(Emit(new IrInstruction(Opcode.Unbox, Pop()) { TypeOperand = type }, IrType.ByRef(type)));
                    return true;
                }
                case Code.Unbox_Any:
                {
                    var type = types.Map((TypeReference)instruction.Operand);
                    Push(Emit(new IrInstruction(Opcode.UnboxAny, Pop()) { TypeOperand = type }, type));
                    return true;
                }
                case Code.Isinst:
                {
                    var type = types.Map((TypeReference)instruction.Operand);
                    Push(Emit(new IrInstruction(Opcode.IsInst, Pop()) { TypeOperand = type }, type.IsReference ? type : IrType.Object));
                    return true;
                }
                case Code.Castclass:
                {
                    var type = types.Map((TypeReference)instruction.Operand);
                    Push(Emit(new IrInstruction(Opcode.CastClass, Pop()) { TypeOperand = type }, type.IsReference ? type : IrType.Object));
                    return true;
                }
                case Code.Ldtoken:
                {
                    var token = new IrInstruction(Opcode.Token);
                    string handle;
                    switch (instruction.Operand)
                    {
                        case TypeReference type: token.TypeOperand = types.Map(type); handle = "System.RuntimeTypeHandle"; break;
                        case FieldReference field: token.Field = converter.FieldOf(field); handle = "System.RuntimeFieldHandle"; break;
                        case MethodReference member: token.Method = converter.MethodOf(member); handle = "System.RuntimeMethodHandle"; break;
                        default: throw new UnsupportedConstructException("ldtoken of an unknown kind of member", instruction.Offset);
                    }
                    Push(Emit(token, IrType.ValueType(handle)));
                    return true;
                }
                case Code.Sizeof:
                    Push(Emit(new IrInstruction(Opcode.SizeOf) { TypeOperand = types.Map((TypeReference)instruction.Operand) }, IrType.U32));
                    return true;
                default:
                    return false;
            }
        }

        private void Call(CilInstruction instruction)
        {
            var callee = (MethodReference)instruction.Operand;
            var code = instruction.OpCode.Code;
            if (callee.CallingConvention == MethodCallingConvention.VarArg)
                throw new UnsupportedConstructException($"a call of the varargs method {callee.FullName} has no IR form", instruction.Offset);
            bool newObject = code == Code.Newobj;
            int count = callee.Parameters.Count + (callee.HasThis && !newObject ? 1 : 0);
            var entries = new StackEntry[count];
            for (int i = count - 1; i >= 0; i--) entries[i] = PopEntry();
            var operands = entries.Select(e => e.Value).ToArray();
            int first = callee.HasThis && !newObject ? 1 : 0;
            for (int p = 0; p < callee.Parameters.Count; p++)
                operands[first + p] = Coerce(operands[first + p], types.Map(GenericSubstitution.ParameterType(callee, p)));
            // A span made in a local (`var s = new ReadOnlySpan<T>(array, start, length)`, C#'s constructor called on the local's
            // address) is the span made, then stored: the analysis then sees a value stored into the local (Docs/bta.md rule 12),
            // which may be a green span of a green array, not a write through its address. A span's constructor checks its
            // arguments before it writes anything, so the local is left as it was when it throws, either way.
            if (!newObject && callee.HasThis && callee.Name == ".ctor" && PeJit.IR.Semantics.SpanMethods.IsSpanType(callee.DeclaringType.FullName)
                && graph[operands[0]].DefiningInstruction is { Opcode: Opcode.SlotAddr } address)
            {
                var made = Emit(new IrInstruction(Opcode.NewObject, operands[1..])
                {
                    Method = converter.MethodOf(callee),
                    OperandVariables = [.. entries.Skip(1).Select(e => e.Variable)],
                }, types.Map(callee.DeclaringType));
                Emit(new IrInstruction(Opcode.StoreSlot, made) { Slot = address.Slot });
                return;
            }
            var opcode = newObject ? Opcode.NewObject
                : constrained is not null ? Opcode.ConstrainedCall
                : code == Code.Callvirt ? Opcode.CallVirt : Opcode.Call;
            var call = new IrInstruction(opcode, operands)
            {
                Method = converter.MethodOf(callee),
                OperandVariables = [.. entries.Select(e => e.Variable)],
            };
            if (opcode == Opcode.ConstrainedCall) call.TypeOperand = types.Map(constrained!);
            constrained = null;
            var resultType = newObject ? types.Map(callee.DeclaringType) : types.Map(GenericSubstitution.ReturnType(callee));
            if (resultType.Kind == TypeKind.Void) Emit(call);
            else Push(Emit(call, resultType));
        }
    }
}

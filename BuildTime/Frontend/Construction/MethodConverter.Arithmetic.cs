using Mono.Cecil;
using Mono.Cecil.Cil;
using PeJit.IR;
using CilInstruction = Mono.Cecil.Cil.Instruction;
using IrInstruction = PeJit.IR.Instruction;

namespace PeJit.Frontend.Construction;

// Arithmetic, comparisons and conversions, and the ECMA-335 rules for the types of their results.
public sealed partial class MethodConverter
{
    private sealed partial class Conversion
    {
        /// <summary>Translates arithmetic, a comparison or a conversion; false for any other instruction.</summary>
        private bool TranslateArithmetic(CilInstruction instruction)
        {
            switch (instruction.OpCode.Code)
            {
                case Code.Add: Binary(Opcode.Add); return true;
                case Code.Sub: Binary(Opcode.Sub); return true;
                case Code.Mul: Binary(Opcode.Mul); return true;
                case Code.Div: Binary(Opcode.Div); return true;
                case Code.Div_Un: Binary(Opcode.DivUn); return true;
                case Code.Rem: Binary(Opcode.Rem); return true;
                case Code.Rem_Un: Binary(Opcode.RemUn); return true;
                case Code.And: Binary(Opcode.And); return true;
                case Code.Or: Binary(Opcode.Or); return true;
                case Code.Xor: Binary(Opcode.Xor); return true;
                case Code.Shl: Shift(Opcode.Shl); return true;
                case Code.Shr: Shift(Opcode.Shr); return true;
                case Code.Shr_Un: Shift(Opcode.ShrUn); return true;
                case Code.Add_Ovf: Binary(Opcode.AddOvf); return true;
                case Code.Add_Ovf_Un: Binary(Opcode.AddOvfUn); return true;
                case Code.Sub_Ovf: Binary(Opcode.SubOvf); return true;
                case Code.Sub_Ovf_Un: Binary(Opcode.SubOvfUn); return true;
                case Code.Mul_Ovf: Binary(Opcode.MulOvf); return true;
                case Code.Mul_Ovf_Un: Binary(Opcode.MulOvfUn); return true;
                case Code.Neg: { var a = Pop(); PushNew(Opcode.Neg, Normalize(TypeOf(a)), a); return true; }
                case Code.Not: { var a = Pop(); PushNew(Opcode.Not, Normalize(TypeOf(a)), a); return true; }
                case Code.Ckfinite: { var a = Pop(); PushNew(Opcode.CheckFinite, TypeOf(a), a); return true; }

                case Code.Ceq: Compare(Opcode.Ceq); return true;
                case Code.Cgt: Compare(Opcode.Cgt); return true;
                case Code.Cgt_Un: Compare(Opcode.CgtUn); return true;
                case Code.Clt: Compare(Opcode.Clt); return true;
                case Code.Clt_Un: Compare(Opcode.CltUn); return true;

                case Code.Conv_I1: Convert(Opcode.Conv, IrType.I8); return true;
                case Code.Conv_I2: Convert(Opcode.Conv, IrType.I16); return true;
                case Code.Conv_I4: Convert(Opcode.Conv, IrType.I32); return true;
                case Code.Conv_I8: Convert(Opcode.Conv, IrType.I64); return true;
                case Code.Conv_U1: Convert(Opcode.Conv, IrType.U8); return true;
                case Code.Conv_U2: Convert(Opcode.Conv, IrType.U16); return true;
                case Code.Conv_U4: Convert(Opcode.Conv, IrType.U32); return true;
                case Code.Conv_U8: Convert(Opcode.Conv, IrType.U64); return true;
                case Code.Conv_I: Convert(Opcode.Conv, IrType.NInt); return true;
                case Code.Conv_U: Convert(Opcode.Conv, IrType.NUInt); return true;
                case Code.Conv_R4: Convert(Opcode.Conv, IrType.F32); return true;
                case Code.Conv_R8: Convert(Opcode.Conv, IrType.F64); return true;
                case Code.Conv_R_Un: Convert(Opcode.ConvUn, IrType.F64); return true;
                case Code.Conv_Ovf_I1: Convert(Opcode.ConvOvf, IrType.I8); return true;
                case Code.Conv_Ovf_I2: Convert(Opcode.ConvOvf, IrType.I16); return true;
                case Code.Conv_Ovf_I4: Convert(Opcode.ConvOvf, IrType.I32); return true;
                case Code.Conv_Ovf_I8: Convert(Opcode.ConvOvf, IrType.I64); return true;
                case Code.Conv_Ovf_U1: Convert(Opcode.ConvOvf, IrType.U8); return true;
                case Code.Conv_Ovf_U2: Convert(Opcode.ConvOvf, IrType.U16); return true;
                case Code.Conv_Ovf_U4: Convert(Opcode.ConvOvf, IrType.U32); return true;
                case Code.Conv_Ovf_U8: Convert(Opcode.ConvOvf, IrType.U64); return true;
                case Code.Conv_Ovf_I: Convert(Opcode.ConvOvf, IrType.NInt); return true;
                case Code.Conv_Ovf_U: Convert(Opcode.ConvOvf, IrType.NUInt); return true;
                case Code.Conv_Ovf_I1_Un: Convert(Opcode.ConvOvfUn, IrType.I8); return true;
                case Code.Conv_Ovf_I2_Un: Convert(Opcode.ConvOvfUn, IrType.I16); return true;
                case Code.Conv_Ovf_I4_Un: Convert(Opcode.ConvOvfUn, IrType.I32); return true;
                case Code.Conv_Ovf_I8_Un: Convert(Opcode.ConvOvfUn, IrType.I64); return true;
                case Code.Conv_Ovf_U1_Un: Convert(Opcode.ConvOvfUn, IrType.U8); return true;
                case Code.Conv_Ovf_U2_Un: Convert(Opcode.ConvOvfUn, IrType.U16); return true;
                case Code.Conv_Ovf_U4_Un: Convert(Opcode.ConvOvfUn, IrType.U32); return true;
                case Code.Conv_Ovf_U8_Un: Convert(Opcode.ConvOvfUn, IrType.U64); return true;
                case Code.Conv_Ovf_I_Un: Convert(Opcode.ConvOvfUn, IrType.NInt); return true;
                case Code.Conv_Ovf_U_Un: Convert(Opcode.ConvOvfUn, IrType.NUInt); return true;
                default:
                    return false;
            }
        }

        private void Binary(Opcode opcode)
        {
            var right = Pop();
            var left = Pop();
            PushNew(opcode, ArithmeticType(opcode, TypeOf(left), TypeOf(right)), left, right);
        }

        private void Shift(Opcode opcode)
        {
            var amount = Pop();
            var value = Pop();
            PushNew(opcode, Normalize(TypeOf(value)), value, amount);
        }

        private void Compare(Opcode opcode)
        {
            var right = Pop();
            var left = Pop();
            PushNew(opcode, IrType.Bool, left, right);
        }

        private void Convert(Opcode opcode, IrType target)
        {
            var value = Pop();
            PushNew(opcode, target, value);
        }

        // ---- types ------------------------------------------------------------------------------

        /// <summary>The stack type of a value: small integers are int32, enums their underlying type.</summary>
        private static IrType Normalize(IrType type) => type.StackKind switch
        {
            StackKind.Int32 => IrType.I32,
            StackKind.Int64 => IrType.I64,
            StackKind.NativeInt => type.Kind == TypeKind.NUInt ? IrType.NUInt : IrType.NInt,
            StackKind.Float => type.Kind == TypeKind.Enum ? type.Element! : type,
            _ => type,
        };

        /// <summary>The result type of binary arithmetic (ECMA-335 §III.1.5, tables 2 and 5).</summary>
        private static IrType ArithmeticType(Opcode opcode, IrType left, IrType right)
        {
            var (a, b) = (left.StackKind, right.StackKind);
            if (a == StackKind.Float || b == StackKind.Float)
                return left.Kind == TypeKind.F32 && right.Kind == TypeKind.F32 ? IrType.F32 : IrType.F64;
            if (a is StackKind.ByRef or StackKind.Pointer && b is StackKind.ByRef or StackKind.Pointer) return IrType.NInt;
            if (a is StackKind.ByRef or StackKind.Pointer) return left;
            if (b is StackKind.ByRef or StackKind.Pointer && opcode == Opcode.Add) return right;
            if (a == StackKind.NativeInt || b == StackKind.NativeInt) return IrType.NInt;
            if (a == StackKind.Int64 || b == StackKind.Int64) return IrType.I64;
            if (a == StackKind.Int32 && b == StackKind.Int32) return IrType.I32;
            return Normalize(left);
        }
    }
}

using PeJit.IR.Evaluation;
using PeJit.IR.Semantics;
using PeJit.IR;
using PeJit.Specializer.Engine;

namespace PeJit.Specializer.Extension;

/// <summary>
/// Runs a green <see cref="ExtensionOp"/> on a frame's typed registers: the operands are green, the result
/// register becomes green. The typed cases call the same helpers <c>ValueSemantics.Pure</c> uses, so green
/// arithmetic means exactly what the graph evaluator's does; <see cref="GreenOperation.Boxed"/> calls
/// <c>Pure</c> itself.
/// </summary>
internal static class GreenExecution
{
    /// <summary>Runs <paramref name="op"/>; its exceptions (overflow, division by zero, a failed cast...) go to the caller.</summary>
    public static void Run(ExtensionFrame frame, ExtensionOp op)
    {
        var operands = op.Operands;
        int result = op.Result;
        switch (op.Green)
        {
            case GreenOperation.Constant:
                switch (frame.Graph.Classes[result])
                {
                    case RegisterClass.Int: frame.SetInt(result, op.ConstantInteger); break;
                    case RegisterClass.Float: frame.SetFloat(result, op.ConstantFloat); break;
                    default: frame.SetRef(result, op.ConstantObject); break;
                }
                return;
            case GreenOperation.Int32Arithmetic:
                frame.SetInt(result, ValueSemantics.Int32(op.Instruction.Opcode, (int)frame.Int(operands[0]), (int)frame.Int(operands[1])));
                return;
            case GreenOperation.Int64Arithmetic:
                frame.SetInt(result, ValueSemantics.Int64(op.Instruction.Opcode, frame.Int(operands[0]), frame.Int(operands[1])));
                return;
            case GreenOperation.FloatArithmetic:
                frame.SetFloat(result, Round(ValueSemantics.FloatBinary(op.Instruction.Opcode, frame.Float(operands[0]), frame.Float(operands[1])), op.ResultType));
                return;
            case GreenOperation.Int32Shift:
                frame.SetInt(result, ValueSemantics.ShiftInt32(op.Instruction.Opcode, (int)frame.Int(operands[0]), (int)frame.Int(operands[1])));
                return;
            case GreenOperation.Int64Shift:
                frame.SetInt(result, ValueSemantics.ShiftInt64(op.Instruction.Opcode, frame.Int(operands[0]), (int)frame.Int(operands[1])));
                return;
            case GreenOperation.NativeShift:
                frame.SetInt(result, ValueSemantics.ShiftNative(op.Instruction.Opcode, (nint)frame.Int(operands[0]), (int)frame.Int(operands[1])));
                return;
            case GreenOperation.IntegerCompare:
                frame.SetInt(result, ValueSemantics.CompareIntegers(op.Instruction.Opcode, frame.Int(operands[0]), frame.Int(operands[1]), op.Int32Operands) ? 1 : 0);
                return;
            case GreenOperation.FloatCompare:
                frame.SetInt(result, ValueSemantics.CompareFloats(op.Instruction.Opcode, frame.Float(operands[0]), frame.Float(operands[1])) ? 1 : 0);
                return;
            case GreenOperation.ReferenceCompare:
            {
                object? left = frame.Ref(operands[0]);
                bool same = ReferenceEquals(left, frame.Ref(operands[1]));
                bool outcome = op.Instruction.Opcode switch { Opcode.Ceq => same, Opcode.Cne => !same, _ => !same && left is not null };
                frame.SetInt(result, outcome ? 1 : 0);
                return;
            }
            case GreenOperation.IntegerUnary:
            {
                long value = frame.Int(operands[0]);
                long unary = op.Instruction.Opcode == Opcode.Neg ? unchecked(-value) : ~value;
                frame.SetInt(result, op.ResultType.StackKind == StackKind.Int32 ? (int)unary : unary);
                return;
            }
            case GreenOperation.FloatNegate:
                frame.SetFloat(result, -frame.Float(operands[0]));
                return;
            case GreenOperation.CheckFinite:
            {
                double value = frame.Float(operands[0]);
                frame.SetFloat(result, double.IsFinite(value) ? value : throw new ArithmeticException("Number is not a finite value."));
                return;
            }
            case GreenOperation.IntegerToInteger:
                frame.SetInt(result, ValueSemantics.ConvertIntegerToInteger(op.Instruction.Opcode, frame.Int(operands[0]), op.Int32Operands, op.ConversionKind));
                return;
            case GreenOperation.IntegerToFloat:
                frame.SetFloat(result, ValueSemantics.ConvertIntegerToFloat(op.Instruction.Opcode, frame.Int(operands[0]), op.Int32Operands, op.ConversionKind));
                return;
            case GreenOperation.FloatToInteger:
                frame.SetInt(result, ValueSemantics.ConvertFloatToInteger(op.Instruction.Opcode, frame.Float(operands[0]), op.ConversionKind));
                return;
            case GreenOperation.FloatToFloat:
                frame.SetFloat(result, ValueSemantics.ConvertFloatToFloat(frame.Float(operands[0]), op.ConversionKind));
                return;
            case GreenOperation.Access:
                op.AccessRuns++;
                op.Access!(frame.Ints, frame.Floats, frame.Refs, op.OperandRegisters, result < 0 ? -1 : frame.Graph.Registers[result]);
                if (result >= 0) frame.States[result] = RegisterState.Green;
                return;
            case GreenOperation.ArrayLength:
            {
                int length = ((Array)frame.Ref(operands[0])!).Length;
                if (frame.Graph.Classes[result] == RegisterClass.Int) frame.SetInt(result, length);
                else frame.SetBoxed(result, (nint)length);
                return;
            }
            case GreenOperation.IsInstance:
            {
                var value = frame.Box(operands[0]);
                frame.SetBoxed(result, op.RuntimeType!.IsInstanceOfType(value) ? value : null);
                return;
            }
            case GreenOperation.CastClass:
            {
                var value = frame.Box(operands[0]);
                frame.SetBoxed(result, value is null || op.RuntimeType!.IsInstanceOfType(value)
                    ? value
                    : throw new SpecializationException($"{frame.Graph.Name}: a green cast fails while specializing"));
                return;
            }
            case GreenOperation.UnboxAny:
                frame.SetBoxed(result, ValueSemantics.Normalize(frame.Box(operands[0]), op.Instruction.TypeOperand!));
                return;
            case GreenOperation.LoadThroughAddress:
            {
                // A copy: the address's struct may be written later (a field writer, see LoadSlot), the value read now may not.
                var address = frame.Box(operands[0]);
                frame.SetBoxed(result, ValueSemantics.Normalize(CopyOfStruct(address is GreenFieldAddress field ? field.Load() : address), op.ResultType));
                return;
            }
            case GreenOperation.FieldAddress:
            {
                var container = frame.Box(operands[0]);
                if (container is null or GreenFieldAddress || op.RuntimeField is not { } field || !field.DeclaringType!.IsInstanceOfType(container))
                    throw new SpecializationException($"{frame.Graph.Name}: the green 'ldflda' at {op.Instruction.Location} is not on a struct copy of its field's type");
                frame.SetRef(result, new GreenFieldAddress(container, field, op.Instruction.Field!));
                return;
            }
            case GreenOperation.LoadSlot:
            {
                var slot = op.Instruction.Slot;
                object? value;
                if (frame.Slots is not null && frame.Slots.TryGetValue(slot, out var known))
                    value = known.Green;
                else
                    value = op.RuntimeType is { } span && SpanValue.Stands(span) ? SpanValue.Empty(span.GetGenericArguments()[0])
                        : ValueSemantics.Normalize(op.RuntimeType is { IsValueType: true } clr ? Activator.CreateInstance(clr) : null, frame.Graph.Graph[slot].Type);
                if (op.Instruction.Opcode == Opcode.SlotAddr && CopyOfStruct(value) is var copy && !ReferenceEquals(copy, value))
                {
                    // A green address of a struct stands for a fresh copy of the slot's value, which becomes the slot's
                    // value: field writers called on the address write the copy (UnitSpecializer's StoreThroughAddress)
                    // and the slot sees it; no other register holds that copy (the analysis checked that the slot is
                    // not read directly while the address is in use, and reads through it copy).
                    (frame.Slots ??= new(SlotComparer.Instance))[slot] = Known.OfGreen(copy);
                    value = copy;
                }
                frame.SetBoxed(result, value);
                return;
            }
            case GreenOperation.DefaultValueType:
                frame.SetBoxed(result, ValueSemantics.Normalize(Activator.CreateInstance(op.RuntimeType!), op.Instruction.TypeOperand!));
                return;
            case GreenOperation.Boxed:
            {
                if (op.Instruction.Opcode == Opcode.Const && op.Result >= 0)
                {
                    frame.SetBoxed(result, op.ConstantObject);
                    return;
                }
                var boxed = new object?[operands.Length];
                for (int i = 0; i < operands.Length; i++) boxed[i] = frame.Box(operands[i]);
                frame.SetBoxed(result, ValueSemantics.Pure(op.Instruction.Opcode, boxed, op.ResultType, op.OperandTypes.Length > 0 && op.OperandTypes[0].IsReference));
                return;
            }
            default:
                throw new SpecializationException(op.Message ?? $"{frame.Graph.Name}: '{op.Instruction.Info.Name}' cannot run while specializing");
        }
    }

    /// <summary>A boxed struct's copy in a box of its own; anything else (a reference, a primitive, null) as it is.</summary>
    public static object? CopyOfStruct(object? value) => System.Runtime.CompilerServices.RuntimeHelpers.GetObjectValue(value);

    private static double Round(double value, IrType type) => type.Kind == TypeKind.F32 ? (float)value : value;
}

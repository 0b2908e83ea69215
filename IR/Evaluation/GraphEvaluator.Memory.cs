using System.Runtime.CompilerServices;
using PeJit.IR;
using PeJit.IR.Semantics;

namespace PeJit.IR.Evaluation;

// Constants, slots, fields, statics, array elements and memory through an address. Memory holds values in
// their declared CLR form; SSA values are in stack form, so every load normalizes and every store converts.
public sealed partial class GraphEvaluator
{
    /// <summary>Runs a constant, or a load, store or address of a slot, a field, a static, an array element or an address; false for any other instruction.</summary>
    private bool ExecuteMemory(Frame frame, Instruction instruction)
    {
        var graph = frame.Graph;
        object? Operand(int i) => Get(frame, instruction.Operands[i]);
        IrType ResultType() => graph.TypeOf(instruction.Result!.Value);
        void Set(object? value) => frame.Values[instruction.Result!.Value.Index] = value;

        switch (instruction.Opcode)
        {
            case Opcode.Const:
                Set(ResultType().StackKind switch
                {
                    StackKind.Float => ResultType().Kind == TypeKind.F32 ? (object)(float)instruction.Float : instruction.Float,
                    StackKind.Int64 => (object)instruction.Integer,
                    StackKind.NativeInt => (object)(nint)instruction.Integer,
                    _ => (object)(int)instruction.Integer,
                });
                return true;
            case Opcode.Null: Set(null); return true;
            case Opcode.String: Set(instruction.Text); return true;
            case Opcode.Token:
                Set(instruction.TypeOperand is { } tokenType ? ClrType(tokenType).TypeHandle
                    : instruction.Field is { } tokenField ? resolver.ResolveField(tokenField).FieldHandle
                    : (object)resolver.ResolveMethod(instruction.Method!).MethodHandle);
                return true;
            case Opcode.Default:
            {
                var type = ClrType(instruction.TypeOperand!);
                Set(SpanValue.Stands(type) ? SpanValue.Empty(type.GetGenericArguments()[0])
                    : ValueSemantics.Normalize(type.IsValueType ? Activator.CreateInstance(type) : null, instruction.TypeOperand!));
                return true;
            }
            case Opcode.SizeOf:
                Set((int)typeof(Unsafe).GetMethod(nameof(Unsafe.SizeOf))!.MakeGenericMethod(ClrType(instruction.TypeOperand!)).Invoke(null, null)!);
                return true;

            case Opcode.LoadSlot:
                InitializeSlot(frame, instruction.Slot);
                Set(ValueSemantics.Normalize(RuntimeHelpers.GetObjectValue(frame.Slots[instruction.Slot.Index]), graph[instruction.Slot].Type));
                return true;
            case Opcode.StoreSlot:
                frame.Slots[instruction.Slot.Index] = RuntimeHelpers.GetObjectValue(ValueSemantics.ToClr(Operand(0), ClrType(graph[instruction.Slot].Type)));
                return true;
            case Opcode.SlotAddr:
                InitializeSlot(frame, instruction.Slot);
                Set(new SlotAddress(frame.Slots, instruction.Slot.Index));
                return true;

            case Opcode.LoadField:
            {
                var field = resolver.ResolveField(instruction.Field!);
                var owner = Operand(0) is Address address ? address.Load() : Operand(0);
                if (owner is null) throw new NullReferenceException();
                Set(ValueSemantics.Normalize(RuntimeHelpers.GetObjectValue(field.GetValue(owner)), ResultType()));
                return true;
            }
            case Opcode.StoreField:
            {
                var field = resolver.ResolveField(instruction.Field!);
                var value = ValueSemantics.ToClr(Operand(1), field.FieldType);
                if (Operand(0) is Address address) new FieldAddress(field, null, address).Store(value);
                else field.SetValue(Operand(0) ?? throw new NullReferenceException(), value);
                return true;
            }
            case Opcode.FieldAddr:
            {
                var field = resolver.ResolveField(instruction.Field!);
                Set(Operand(0) is Address address ? new FieldAddress(field, null, address)
                    : new FieldAddress(field, Operand(0) ?? throw new NullReferenceException(), null));
                return true;
            }
            case Opcode.LoadStatic:
                Set(ValueSemantics.Normalize(RuntimeHelpers.GetObjectValue(resolver.ResolveField(instruction.Field!).GetValue(null)), ResultType()));
                return true;
            case Opcode.StoreStatic:
            {
                var field = resolver.ResolveField(instruction.Field!);
                field.SetValue(null, ValueSemantics.ToClr(Operand(0), field.FieldType));
                return true;
            }
            case Opcode.StaticAddr:
                Set(new StaticAddress(resolver.ResolveField(instruction.Field!)));
                return true;

            case Opcode.NewArray:
            {
                long length = Index(Operand(0));
                if (length < 0) throw new OverflowException("Arithmetic operation resulted in an overflow.");
                Set(Array.CreateInstance(ClrType(instruction.TypeOperand!), length));
                return true;
            }
            case Opcode.ArrayLength:
                Set((nint)(Operand(0) as Array ?? throw new NullReferenceException()).Length);
                return true;
            case Opcode.LoadElement:
            {
                var array = Operand(0) as Array ?? throw new NullReferenceException();
                Set(ValueSemantics.Normalize(RuntimeHelpers.GetObjectValue(array.GetValue(Index(Operand(1)))), instruction.TypeOperand!.Kind == TypeKind.Object ? IrType.Object : ResultType()));
                return true;
            }
            case Opcode.StoreElement:
            {
                var array = Operand(0) as Array ?? throw new NullReferenceException();
                long index = Index(Operand(1));
                var elementType = array.GetType().GetElementType()!;
                var value = ValueSemantics.ToClr(Operand(2), elementType);
                if ((ulong)index >= (ulong)array.LongLength) throw new IndexOutOfRangeException("Index was outside the bounds of the array.");
                if (value is not null && !elementType.IsValueType && !elementType.IsInstanceOfType(value))
                    throw new ArrayTypeMismatchException("Attempted to access an element as a type incompatible with the array.");
                array.SetValue(value, index);
                return true;
            }
            case Opcode.ElementAddr:
            {
                var array = Operand(0) as Array ?? throw new NullReferenceException();
                long index = Index(Operand(1));
                if ((ulong)index >= (ulong)array.LongLength) throw new IndexOutOfRangeException("Index was outside the bounds of the array.");
                Set(new ElementAddress(array, index));
                return true;
            }

            case Opcode.Load:
                Set(ValueSemantics.Normalize(AddressOf(Operand(0)).Load(), instruction.TypeOperand!));
                return true;
            case Opcode.Store:
                AddressOf(Operand(0)).Store(ValueSemantics.ToClr(Operand(1), ClrType(instruction.TypeOperand!)));
                return true;
            case Opcode.InitObj:
            {
                var type = ClrType(instruction.TypeOperand!);
                AddressOf(Operand(0)).Store(InterpolatedStringHandlerShim.Stands(type) ? InterpolatedStringHandlerShim.Default()
                    : type.IsValueType ? Activator.CreateInstance(type) : null);
                return true;
            }
            case Opcode.CopyObj:
                AddressOf(Operand(0)).Store(AddressOf(Operand(1)).Load());
                return true;
            default:
                return false;
        }
    }

    private void InitializeSlot(Frame frame, Slot slot)
    {
        if (frame.Slots[slot.Index] is not null) return;
        var type = ClrType(frame.Graph[slot].Type);
        if (!type.IsValueType) return;
        if (InterpolatedStringHandlerShim.Stands(type))
        {
            frame.Slots[slot.Index] = InterpolatedStringHandlerShim.Default();
            return;
        }
        if (SpanValue.Stands(type))
        {
            // A span local before its first store: the empty span (SpanValue: a span is held so while evaluating).
            frame.Slots[slot.Index] = SpanValue.Empty(type.GetGenericArguments()[0]);
            return;
        }
        if (type.IsByRefLike)
            throw new EvaluationException($"{frame.Graph.Name}: {slot} is of the ref struct {type.Name}, which the evaluator cannot hold");
        frame.Slots[slot.Index] = Activator.CreateInstance(type);
    }

    private static long Index(object? value) => value switch
    {
        int i => i, long l => l, nint n => n,
        _ => throw new EvaluationException($"an array index of type {value?.GetType().Name ?? "null"}"),
    };
}

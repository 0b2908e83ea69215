using PeJit.IR;
using PeJit.IR.Semantics;
using PeJit.Specializer.Extension;

namespace PeJit.Specializer.Engine;

// Lifting: the residual value that holds a green value (a constant, or an entry of the unit's constants).
public sealed partial class UnitSpecializer
{
    private sealed partial class Run
    {
        /// <summary>A residual value holding <paramref name="known"/>: itself when red, a constant when green.</summary>
        private Value Lift(Known known, IrType type)
        {
            if (!known.IsGreen) return known.Red;
            if (type.Kind == TypeKind.ByRef && type.Element is { } pointee)
            {
                // The engine's copy of a struct local with red fields (analysis rule 7) stands for its residual slot,
                // which holds the whole struct: residual code gets that slot's address, or its field's.
                if (known.Green is { } green && partialStructs is not null && partialStructs.TryGetValue(green is GreenFieldAddress part ? part.Struct : green, out var held))
                {
                    var address = Emit(new Instruction(Opcode.SlotAddr) { Slot = held }, IrType.ByRef(residual[held].Type));
                    return known.Green is GreenFieldAddress field
                        ? Emit(new Instruction(Opcode.FieldAddr, address) { Field = field.IrField }, type)
                        : address;
                }
                // A green address stands for the value it points at (GreenOperation.LoadSlot); residual code that
                // needs the address (a residual readonly call) gets one of a fresh slot holding a copy.
                // The constant is a copy: a field writer may write the struct the address stands for later.
                // The address of a green local that is not a struct (rule 9 of ContextAnalyzer, Docs/bta.md rule 11), used by residual code that only reads
                // through it (an 'in' argument): a copy of what the local holds now.
                if (known.Green is GreenSlotAddress local)
                    known = Known.OfGreen(SlotContents(pathFrames!, local).Green);
                if (known.Green is GreenFieldAddress)
                    throw new SpecializationException($"the green address of a struct local's field is used by residual code (the analysis allows only loads and stores through it): {type}");
                var copy = residual.AddSlot(pointee);
                Append(new Instruction(Opcode.StoreSlot, Lift(Known.OfGreen(GreenExecution.CopyOfStruct(known.Green)), pointee)) { Slot = copy });
                return Emit(new Instruction(Opcode.SlotAddr) { Slot = copy }, type);
            }
            // A boxed number where an object is expected (an interpreter whose values are `object`: a literal's boxed
            // double) stays that very object, from the constants: a bare constant would be a number where the residual
            // code holds a reference, and a fresh box another object than the interpreter's.
            if (type.IsReference && known.Green is ValueType)
                return LiftConstant(known.Green, type);
            switch (known.Green)
            {
                case SpanValue span:
                    return RebuildSpan(span, type);
                case null:
                    return Emit(new Instruction(Opcode.Null), type.IsReference ? type : IrType.Object);
                case int i:
                    return Constant(i, type.StackKind == StackKind.Int32 ? type : IrType.I32);
                case long l:
                    return Constant(l, type.StackKind == StackKind.Int64 ? type : IrType.I64);
                case nint n:
                    return Constant(n, type.StackKind == StackKind.NativeInt ? type : IrType.NInt);
                case float f:
                    return Emit(new Instruction(Opcode.Const) { Float = f }, IrType.F32);
                case double d:
                    return Emit(new Instruction(Opcode.Const) { Float = d }, IrType.F64);
                case string s:
                    return Emit(new Instruction(Opcode.String) { Text = s }, IrType.String);
                case Type t when TypeOperandOf(t) is { } named:
                {
                    // typeof(C), as C# spells it, not an entry of the constants: the optimizer can compare it with the
                    // class of an object it knows (a class guard on an object just allocated), and .NET compares
                    // x.GetType() == typeof(C) with the method table.
                    var token = Emit(new Instruction(Opcode.Token) { TypeOperand = named }, IrType.ValueType("System.RuntimeTypeHandle"));
                    return Emit(new Instruction(Opcode.Call, token) { Method = GetTypeFromHandleMethod }, IrType.Class("System.Type"));
                }
                default:
                    return LiftConstant(known.Green, type);
            }
        }

        /// <summary>
        /// A green span of an array or string (<see cref="SpanValue"/>, Docs/bta.md rule 12) where residual code needs the span
        /// itself (a residual call's argument, a red index into it): <c>new ReadOnlySpan&lt;T&gt;(array, start, length)</c> (or
        /// <c>Span</c>'s, as <paramref name="type"/> says), or <c>text.AsSpan(start, length)</c>, the array or string an entry of
        /// the unit's constants.
        /// </summary>
        private Value RebuildSpan(SpanValue span, IrType type)
        {
            bool writable = type.Name.StartsWith("System.Span`1", StringComparison.Ordinal);
            var spanType = (writable ? typeof(Span<>) : typeof(ReadOnlySpan<>)).MakeGenericType(span.ElementType);
            string generic = (writable ? "System.Span`1<" : "System.ReadOnlySpan`1<") + span.ElementType.FullName + ">";
            var resultType = type.Kind == TypeKind.ValueType ? type : IrType.ValueType(generic, origin: spanType);
            var start = Constant(span.Start, IrType.I32);
            var length = Constant(span.Length, IrType.I32);
            if (span.Text is { } text)
                return Emit(new Instruction(Opcode.Call, LiftConstant(text, IrType.String), start, length) { Method = TextAsSpanMethod }, resultType);
            var arrayType = span.ElementType.MakeArrayType();
            var array = span.Array is { } held
                ? LiftConstant(held, IrType.Class(arrayType.FullName!, origin: arrayType))
                : Emit(new Instruction(Opcode.Null), IrType.Class(arrayType.FullName!, origin: arrayType));
            var constructor = spanType.GetConstructor([arrayType, typeof(int), typeof(int)])!;
            var method = new MethodRef($"System.Void {generic}::.ctor(!0[],System.Int32,System.Int32)", hasThis: true, origin: constructor);
            return Emit(new Instruction(Opcode.NewObject, array, start, length) { Method = method }, resultType);
        }

        private static readonly MethodRef TextAsSpanMethod = new(
            "System.ReadOnlySpan`1<System.Char> System.MemoryExtensions::AsSpan(System.String,System.Int32,System.Int32)", hasThis: false,
            origin: typeof(MemoryExtensions).GetMethod(nameof(MemoryExtensions.AsSpan), [typeof(string), typeof(int), typeof(int)])!) { IsPure = true };

        /// <summary>An entry of the unit's constants holding <paramref name="value"/>, as <paramref name="type"/>.</summary>
        private Value LiftConstant(object value, IrType type) => Unbox(ConstantObject(value), type);

        private static readonly MethodRef GetTypeFromHandleMethod = new("System.Type System.Type::GetTypeFromHandle(System.RuntimeTypeHandle)", hasThis: false,
            origin: typeof(Type).GetMethod(nameof(Type.GetTypeFromHandle))!) { IsPure = true };

        /// <summary>
        /// The IR type naming a class <c>typeof</c> can name in residual code: a non-generic class other than object and
        /// string (which the IR spells with keywords), nested ones with Cecil's '/'; the run-time type rides along as
        /// its origin. Null for any other type: it stays an entry of the constants.
        /// </summary>
        private static IrType? TypeOperandOf(Type type) =>
            type.IsClass && !type.IsArray && !type.IsGenericType && !type.ContainsGenericParameters && type != typeof(object) && type != typeof(string)
            && type.FullName is { } name ? IrType.Class(name.Replace('+', '/'), origin: type) : null;

        /// <summary>A residual value holding value <paramref name="value"/> of <paramref name="frame"/> (set): integers and floats lifted from their registers without boxing, as <see cref="Lift(Known, IrType)"/> would.</summary>
        private Value Lift(ExtensionFrame frame, int value, IrType type)
        {
            if (frame.States[value] != RegisterState.Green) return frame.Reds[value];
            var graph = frame.Graph;
            switch (graph.Classes[value])
            {
                case RegisterClass.Int:
                    return LiftInteger(frame.Int(value), graph.Types[value].StackKind, type);
                case RegisterClass.Float:
                    return Emit(new Instruction(Opcode.Const) { Float = frame.Float(value) }, graph.Types[value].Kind == TypeKind.F32 ? IrType.F32 : IrType.F64);
                default:
                    return Lift(Known.OfGreen(frame.Ref(value)), type);
            }
        }

        private Value LiftInteger(long content, StackKind source, IrType type) => source switch
        {
            StackKind.Int32 => Constant((int)content, type.StackKind == StackKind.Int32 ? type : IrType.I32),
            StackKind.Int64 => Constant(content, type.StackKind == StackKind.Int64 ? type : IrType.I64),
            _ => Constant(content, type.StackKind == StackKind.NativeInt ? type : IrType.NInt),
        };
    }
}

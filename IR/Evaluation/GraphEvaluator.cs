using PeJit.IR.Semantics;
using System.Collections.Concurrent;
using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using PeJit.IR;

namespace PeJit.IR.Evaluation;

/// <summary>
/// Runs a flow graph on concrete values, calling real methods (through reflection) for calls it does not
/// look into. It checks the frontend (a method's graph must do what the method does) and finishes an
/// interrupted interpreter step for the specializer.
/// </summary>
/// <remarks>
/// SSA values are kept in CIL's stack form (<see cref="ValueSemantics"/>); memory (slots, fields, array
/// elements) in the declared CLR form; managed pointers are <see cref="Address"/>es. Exceptions of the
/// evaluated code are real exceptions: they go through the graph's regions (catch, filter, finally, fault)
/// and, unhandled, out of <see cref="Evaluate"/> as themselves.
/// </remarks>
public sealed class GraphEvaluator(IMemberResolver resolver)
{
    private static readonly ConcurrentDictionary<MethodBase, Func<object?, object?[], object?>> NonVirtualCalls = new();
    private long steps;

    /// <summary>
    /// Graphs to evaluate instead of calling the real method (for calls that are not virtual, or virtual calls
    /// whose receiver's override is that very method); null or a null result calls the real method.
    /// </summary>
    public Func<MethodRef, FlowGraph?>? GraphProvider { get; set; }

    /// <summary>Instructions one <see cref="Evaluate"/> may run before it stops with an <see cref="EvaluationException"/>.</summary>
    public long MaxSteps { get; set; } = 500_000_000;

    /// <summary>Runs <paramref name="graph"/> with <paramref name="arguments"/> (CLR values); returns its result as a CLR value.</summary>
    public object? Evaluate(FlowGraph graph, params object?[] arguments)
    {
        steps = 0;
        if (arguments.Length != graph.Parameters.Count)
            throw new EvaluationException($"{graph.Name} takes {graph.Parameters.Count} arguments, {arguments.Length} given");
        var values = graph.Parameters.Select((p, i) => Argument(arguments[i], graph.TypeOf(p))).ToArray();
        var result = Run(graph, values);
        return graph.ReturnType.Kind == TypeKind.Void ? null : ValueSemantics.ToClr(result, ClrType(graph.ReturnType));
    }

    private static object? Argument(object? value, IrType type) => value is Address ? value : ValueSemantics.Normalize(value, type);

    private Type ClrType(IrType type) => resolver.ResolveType(type);

    private sealed class Frame(FlowGraph graph)
    {
        public FlowGraph Graph { get; } = graph;
        public object?[] Values { get; } = new object?[graph.ValueCount];
        public object?[] Slots { get; } = new object?[graph.Slots.Count()];
        public Stack<Exception> Caught { get; } = new();
    }

    private enum Ending { Return, EndFinally, EndFilter, Stop }

    private readonly record struct Completion(Ending Kind, object? Value);

    private object? Run(FlowGraph graph, object?[] arguments)
    {
        // Slots start zeroed; value-type slots get their default box on first use (InitializeSlot), so a
        // slot the run never touches (say of a ref struct, which cannot be boxed) costs nothing.
        var frame = new Frame(graph);
        return RunFrom(frame, FlowGraph.Entry, arguments).Value;
    }

    /// <summary>
    /// Runs from <paramref name="start"/> until a return, an endfinally or an endfilter; or, when
    /// <paramref name="stopAt"/> is given, until that instruction is next (it is not run: the completion holds
    /// its operands). With <paramref name="resumeAt"/>, the first block is entered in its middle: its
    /// parameters and earlier values are already in the frame.
    /// </summary>
    private Completion RunFrom(Frame frame, Block start, IReadOnlyList<object?> arguments, int? resumeAt = null, Instruction? stopAt = null)
    {
        var graph = frame.Graph;
        var block = start;
        var blockArguments = arguments;
        int first = resumeAt ?? 0;
        while (true)
        {
            if (resumeAt is null)
            {
                var parameters = graph[block].Parameters;
                for (int i = 0; i < parameters.Count; i++) frame.Values[parameters[i].Index] = blockArguments[i];
            }
            resumeAt = null;
            (Block Target, IReadOnlyList<object?> Arguments)? next = null;
            var instructions = graph[block].Instructions;
            for (int index = first; index < instructions.Count; index++)
            {
                var instruction = instructions[index];
                if (ReferenceEquals(instruction, stopAt))
                    return new Completion(Ending.Stop, instruction.Operands.Select(o => Get(frame, o)).ToArray());
                if (++steps > MaxSteps)
                    throw new EvaluationException($"{graph.Name}: more than {MaxSteps} instructions evaluated (MaxSteps); a loop that does not end?");
                try
                {
                    var outcome = Execute(frame, block, instruction);
                    if (outcome is Completion completion) return completion;
                    if (outcome is ValueTuple<Block, IReadOnlyList<object?>> jump) { next = jump; break; }
                }
                catch (Exception e) when (e is not EvaluationException)
                {
                    next = Handle(frame, block, e);
                    break;
                }
            }
            first = 0;
            if (next is null) throw new EvaluationException($"{graph.Name}: {block} ends without a terminator");
            (block, blockArguments) = next.Value;
        }
    }

    /// <summary>
    /// Finishes an interrupted step: runs <paramref name="frames"/> (outermost first; each but the innermost
    /// stopped at a call, whose result the frame inside it gives) from where they stand, innermost first,
    /// until the outermost returns or reaches <paramref name="stopAt"/>. This is how compiled code that
    /// leaves in the middle of an interpreter step hands over: the rest of the step runs here, on the
    /// interpreter's own graphs, up to its next merge point.
    /// </summary>
    /// <exception cref="Exception">Whatever the interpreter would throw from there, as it would throw it.</exception>
    public ResumeOutcome Resume(IReadOnlyList<ResumeFrame> frames, Instruction stopAt)
    {
        steps = 0;
        object? returned = null;
        Exception? thrown = null;
        for (int k = frames.Count - 1; k >= 0; k--)
        {
            var resume = frames[k];
            var frame = new Frame(resume.Graph);
            foreach (var (value, content) in resume.Values) frame.Values[value.Index] = content is Address ? content : ValueSemantics.Normalize(content, resume.Graph.TypeOf(value));
            Block block = resume.Block;
            IReadOnlyList<object?> arguments = [];
            int? at = resume.Index;
            if (k < frames.Count - 1)
            {
                if (thrown is not null)
                {
                    // The callee threw: the exception surfaces at this frame's call site.
                    try
                    {
                        (block, arguments) = Handle(frame, block, thrown);
                        at = null;
                        thrown = null;
                    }
                    catch (Exception e) when (e is not EvaluationException)
                    {
                        thrown = e;
                        continue;
                    }
                }
                else if (resume.CallResult is { } result)
                {
                    frame.Values[result.Index] = ValueSemantics.Normalize(returned, resume.Graph.TypeOf(result));
                }
            }
            try
            {
                var completion = RunFrom(frame, block, arguments, at, k == 0 ? stopAt : null);
                if (completion.Kind == Ending.Stop) return new ResumeOutcome(false, null, (object?[])completion.Value!);
                returned = completion.Value;
            }
            catch (Exception e) when (e is not EvaluationException)
            {
                thrown = e;
            }
        }
        if (thrown is not null) ExceptionDispatchInfo.Capture(thrown).Throw();
        return new ResumeOutcome(true, returned, null);
    }

    /// <summary>Finds the handler of an exception raised in <paramref name="block"/>, running finally and fault handlers on the way.</summary>
    private (Block, IReadOnlyList<object?>) Handle(Frame frame, Block block, Exception exception)
    {
        var graph = frame.Graph;
        for (var region = graph[block].Try; region is { } r; region = graph[r].Parent)
        {
            var data = graph[r];
            switch (data.Kind)
            {
                case RegionKind.Catch when ClrType(data.CatchType!).IsInstanceOfType(exception):
                    frame.Caught.Push(exception);
                    return (data.Handler, [exception]);
                case RegionKind.Filter:
                {
                    bool accepted;
                    try
                    {
                        accepted = ValueSemantics.IsTrue(RunFrom(frame, data.Filter!.Value, [exception]).Value);
                    }
                    catch (Exception e) when (e is not EvaluationException)
                    {
                        accepted = false;
                    }
                    if (!accepted) break;
                    frame.Caught.Push(exception);
                    return (data.Handler, [exception]);
                }
                case RegionKind.Finally or RegionKind.Fault:
                    RunFrom(frame, data.Handler, []);
                    break;
            }
        }
        ExceptionDispatchInfo.Capture(exception).Throw();
        throw exception;
    }

    private (Block, IReadOnlyList<object?>) Leave(Frame frame, Block from, BlockCall target, object?[] arguments)
    {
        var graph = frame.Graph;
        var staying = new HashSet<Region>();
        for (var region = graph[target.Target].Try; region is { } r; region = graph[r].Parent) staying.Add(r);
        for (var region = graph[from].Try; region is { } r && !staying.Contains(r); region = graph[r].Parent)
            if (graph[r].Kind == RegionKind.Finally) RunFrom(frame, graph[r].Handler, []);
        if (graph[from].HandlerOf is { } handler && graph[target.Target].HandlerOf != handler
            && graph[handler].Kind is RegionKind.Catch or RegionKind.Filter && frame.Caught.Count > 0)
            frame.Caught.Pop();
        return (target.Target, arguments);
    }

    private object? Get(Frame frame, Value value) => frame.Values[value.Index];

    private object?[] Arguments(Frame frame, BlockCall call) => call.Arguments.Select(a => Get(frame, a)).ToArray();

    /// <summary>Runs one instruction: null to go on, a (block, arguments) jump, or a completion.</summary>
    private object? Execute(Frame frame, Block block, Instruction instruction)
    {
        var graph = frame.Graph;
        object? Operand(int i) => Get(frame, instruction.Operands[i]);
        IrType ResultType() => graph.TypeOf(instruction.Result!.Value);
        void Set(object? value) => frame.Values[instruction.Result!.Value.Index] = value;

        switch (instruction.Opcode)
        {
            case Opcode.Jump:
                return (instruction.Targets[0].Target, (IReadOnlyList<object?>)Arguments(frame, instruction.Targets[0]));
            case Opcode.BrIf:
            {
                var target = instruction.Targets[ValueSemantics.IsTrue(Operand(0)) ? 0 : 1];
                return (target.Target, (IReadOnlyList<object?>)Arguments(frame, target));
            }
            case Opcode.Switch:
            {
                long index = Operand(0) switch { int i => (uint)i, long l => l, nint n => n, _ => -1 };
                var target = index >= 0 && index < instruction.Targets.Count - 1 ? instruction.Targets[(int)index] : instruction.Targets[^1];
                return (target.Target, (IReadOnlyList<object?>)Arguments(frame, target));
            }
            case Opcode.Return:
                return new Completion(Ending.Return, instruction.Operands.Count == 1 ? Operand(0) : null);
            case Opcode.Throw:
                throw Operand(0) as Exception ?? throw new NullReferenceException();
            case Opcode.Rethrow:
                if (frame.Caught.Count == 0) throw new EvaluationException($"{graph.Name}: rethrow outside a catch handler");
                ExceptionDispatchInfo.Capture(frame.Caught.Peek()).Throw();
                return null;
            case Opcode.Leave:
            {
                var leave = Leave(frame, block, instruction.Targets[0], Arguments(frame, instruction.Targets[0]));
                return (leave.Item1, leave.Item2);
            }
            case Opcode.EndFinally:
                return new Completion(Ending.EndFinally, null);
            case Opcode.EndFilter:
                return new Completion(Ending.EndFilter, Operand(0));

            case Opcode.Const:
                Set(ResultType().StackKind switch
                {
                    StackKind.Float => ResultType().Kind == TypeKind.F32 ? (object)(float)instruction.Float : instruction.Float,
                    StackKind.Int64 => (object)instruction.Integer,
                    StackKind.NativeInt => (object)(nint)instruction.Integer,
                    _ => (object)(int)instruction.Integer,
                });
                return null;
            case Opcode.Null: Set(null); return null;
            case Opcode.String: Set(instruction.Text); return null;
            case Opcode.Token:
                Set(instruction.TypeOperand is { } tokenType ? ClrType(tokenType).TypeHandle
                    : instruction.Field is { } tokenField ? resolver.ResolveField(tokenField).FieldHandle
                    : (object)resolver.ResolveMethod(instruction.Method!).MethodHandle);
                return null;
            case Opcode.Default:
            {
                var type = ClrType(instruction.TypeOperand!);
                Set(ValueSemantics.Normalize(type.IsValueType ? Activator.CreateInstance(type) : null, instruction.TypeOperand!));
                return null;
            }
            case Opcode.SizeOf:
                Set((int)typeof(Unsafe).GetMethod(nameof(Unsafe.SizeOf))!.MakeGenericMethod(ClrType(instruction.TypeOperand!)).Invoke(null, null)!);
                return null;

            case Opcode.LoadSlot:
                InitializeSlot(frame, instruction.Slot);
                Set(ValueSemantics.Normalize(RuntimeHelpers.GetObjectValue(frame.Slots[instruction.Slot.Index]), graph[instruction.Slot].Type));
                return null;
            case Opcode.StoreSlot:
                frame.Slots[instruction.Slot.Index] = RuntimeHelpers.GetObjectValue(ValueSemantics.ToClr(Operand(0), ClrType(graph[instruction.Slot].Type)));
                return null;
            case Opcode.SlotAddr:
                InitializeSlot(frame, instruction.Slot);
                Set(new SlotAddress(frame.Slots, instruction.Slot.Index));
                return null;

            case Opcode.LoadField:
            {
                var field = resolver.ResolveField(instruction.Field!);
                var owner = Operand(0) is Address address ? address.Load() : Operand(0);
                if (owner is null) throw new NullReferenceException();
                Set(ValueSemantics.Normalize(RuntimeHelpers.GetObjectValue(field.GetValue(owner)), ResultType()));
                return null;
            }
            case Opcode.StoreField:
            {
                var field = resolver.ResolveField(instruction.Field!);
                var value = ValueSemantics.ToClr(Operand(1), field.FieldType);
                if (Operand(0) is Address address) new FieldAddress(field, null, address).Store(value);
                else field.SetValue(Operand(0) ?? throw new NullReferenceException(), value);
                return null;
            }
            case Opcode.FieldAddr:
            {
                var field = resolver.ResolveField(instruction.Field!);
                Set(Operand(0) is Address address ? new FieldAddress(field, null, address)
                    : new FieldAddress(field, Operand(0) ?? throw new NullReferenceException(), null));
                return null;
            }
            case Opcode.LoadStatic:
                Set(ValueSemantics.Normalize(RuntimeHelpers.GetObjectValue(resolver.ResolveField(instruction.Field!).GetValue(null)), ResultType()));
                return null;
            case Opcode.StoreStatic:
            {
                var field = resolver.ResolveField(instruction.Field!);
                field.SetValue(null, ValueSemantics.ToClr(Operand(0), field.FieldType));
                return null;
            }
            case Opcode.StaticAddr:
                Set(new StaticAddress(resolver.ResolveField(instruction.Field!)));
                return null;

            case Opcode.NewArray:
            {
                long length = Index(Operand(0));
                if (length < 0) throw new OverflowException("Arithmetic operation resulted in an overflow.");
                Set(Array.CreateInstance(ClrType(instruction.TypeOperand!), length));
                return null;
            }
            case Opcode.ArrayLength:
                Set((nint)(Operand(0) as Array ?? throw new NullReferenceException()).Length);
                return null;
            case Opcode.LoadElement:
            {
                var array = Operand(0) as Array ?? throw new NullReferenceException();
                Set(ValueSemantics.Normalize(RuntimeHelpers.GetObjectValue(array.GetValue(Index(Operand(1)))), instruction.TypeOperand!.Kind == TypeKind.Object ? IrType.Object : ResultType()));
                return null;
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
                return null;
            }
            case Opcode.ElementAddr:
            {
                var array = Operand(0) as Array ?? throw new NullReferenceException();
                long index = Index(Operand(1));
                if ((ulong)index >= (ulong)array.LongLength) throw new IndexOutOfRangeException("Index was outside the bounds of the array.");
                Set(new ElementAddress(array, index));
                return null;
            }

            case Opcode.NewObject or Opcode.Call or Opcode.CallVirt or Opcode.ConstrainedCall:
            {
                var result = Call(frame, instruction);
                if (instruction.Result is { } value) frame.Values[value.Index] = ValueSemantics.Normalize(result, graph.TypeOf(value));
                return null;
            }
            case Opcode.LoadFunction:
                Set(new FunctionPointer(resolver.ResolveMethod(instruction.Method!)));
                return null;
            case Opcode.LoadVirtualFunction:
            {
                var method = (MethodInfo)resolver.ResolveMethod(instruction.Method!);
                var receiver = Operand(0) ?? throw new NullReferenceException();
                Set(new FunctionPointer(Override(receiver.GetType(), method)));
                return null;
            }

            case Opcode.Box:
            {
                var type = ClrType(instruction.TypeOperand!);
                Set(type.IsValueType ? ValueSemantics.FreshBox(ValueSemantics.ToClr(Operand(0), Nullable.GetUnderlyingType(type) ?? type)) : Operand(0));
                return null;
            }
            case Opcode.Unbox:
            {
                var box = Operand(0) ?? throw new NullReferenceException();
                var type = ClrType(instruction.TypeOperand!);
                if (!type.IsInstanceOfType(box)) throw CastError(box, type);
                Set(new BoxAddress(box));
                return null;
            }
            case Opcode.UnboxAny or Opcode.CastClass:
            {
                var value = Operand(0);
                var type = ClrType(instruction.TypeOperand!);
                if (value is null)
                {
                    if (type.IsValueType && Nullable.GetUnderlyingType(type) is null) throw new NullReferenceException();
                    Set(null);
                    return null;
                }
                if (!type.IsInstanceOfType(value) && !(Nullable.GetUnderlyingType(type) is { } underlying && underlying.IsInstanceOfType(value)))
                    throw CastError(value, type);
                Set(ValueSemantics.Normalize(RuntimeHelpers.GetObjectValue(value), instruction.TypeOperand!));
                return null;
            }
            case Opcode.IsInst:
            {
                var value = Operand(0);
                var type = ClrType(instruction.TypeOperand!);
                bool fits = value is not null && (type.IsInstanceOfType(value) || (Nullable.GetUnderlyingType(type) is { } underlying && underlying.IsInstanceOfType(value)));
                Set(fits ? value : null);
                return null;
            }

            case Opcode.Load:
                Set(ValueSemantics.Normalize(AddressOf(Operand(0)).Load(), instruction.TypeOperand!));
                return null;
            case Opcode.Store:
                AddressOf(Operand(0)).Store(ValueSemantics.ToClr(Operand(1), ClrType(instruction.TypeOperand!)));
                return null;
            case Opcode.InitObj:
            {
                var type = ClrType(instruction.TypeOperand!);
                AddressOf(Operand(0)).Store(type.IsValueType ? Activator.CreateInstance(type) : null);
                return null;
            }
            case Opcode.CopyObj:
                AddressOf(Operand(0)).Store(AddressOf(Operand(1)).Load());
                return null;

            default:
                if (instruction.Result is null || instruction.Operands.Count == 0)
                    throw new EvaluationException($"{graph.Name}: '{instruction.Info.Name}' is not supported by the evaluator");
                if (instruction.Operands.Any(o => Get(frame, o) is Address or FunctionPointer))
                    throw new EvaluationException($"{graph.Name}: '{instruction.Info.Name}' on a managed or function pointer is not supported by the evaluator");
                Set(ValueSemantics.Pure(instruction.Opcode, instruction.Operands.Select(o => Get(frame, o)).ToList(), ResultType(),
                    graph.TypeOf(instruction.Operands[0]).IsReference));
                return null;
        }
    }

    private readonly ConcurrentDictionary<FlowGraph, bool> evaluable = new();

    /// <summary>
    /// Whether a callee's graph can be evaluated here: not generic (its types are known only once
    /// instantiated) and without ref struct slots. Otherwise the real method is called.
    /// </summary>
    private bool CanEvaluate(FlowGraph graph) => evaluable.GetOrAdd(graph, g =>
        !g.IsGeneric
        && g.Slots.All(s => g[s].Type.Kind is not (TypeKind.ValueType or TypeKind.GenericParameter) || !ClrType(g[s].Type).IsByRefLike));

    private void InitializeSlot(Frame frame, Slot slot)
    {
        if (frame.Slots[slot.Index] is not null) return;
        var type = ClrType(frame.Graph[slot].Type);
        if (!type.IsValueType) return;
        if (type.IsByRefLike)
            throw new EvaluationException($"{frame.Graph.Name}: {slot} is of the ref struct {type.Name}, which the evaluator cannot hold");
        frame.Slots[slot.Index] = Activator.CreateInstance(type);
    }

    private static Address AddressOf(object? value) =>
        value as Address ?? (value is null ? throw new NullReferenceException() : throw new EvaluationException("an address was expected"));

    private static long Index(object? value) => value switch
    {
        int i => i, long l => l, nint n => n,
        _ => throw new EvaluationException($"an array index of type {value?.GetType().Name ?? "null"}"),
    };

    private static InvalidCastException CastError(object value, Type type) =>
        new($"Unable to cast object of type '{value.GetType()}' to type '{type}'.");

    private static MethodInfo Override(Type type, MethodInfo method)
    {
        if (method.DeclaringType!.IsInterface)
        {
            var map = type.GetInterfaceMap(method.DeclaringType);
            int index = Array.IndexOf(map.InterfaceMethods, method);
            if (index >= 0) return map.TargetMethods[index];
        }
        for (var t = type; t is not null; t = t.BaseType)
        {
            var found = t.GetMethods(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly)
                .FirstOrDefault(m => m.GetBaseDefinition() == method.GetBaseDefinition());
            if (found is not null) return found;
        }
        return method;
    }

    private object? Call(Frame frame, Instruction instruction)
    {
        var method = resolver.ResolveMethod(instruction.Method!);
        var operands = instruction.Operands.Select(o => Get(frame, o)).ToArray();
        bool newObject = instruction.Opcode == Opcode.NewObject;

        if (!newObject && GraphProvider?.Invoke(instruction.Method!) is { } callee && CanEvaluate(callee)
            && (instruction.Opcode == Opcode.Call || !method.IsVirtual
                || (operands[0] is { } receiver and not Address && Override(receiver.GetType(), (MethodInfo)method) == method)))
        {
            if (!method.IsStatic && operands[0] is null) throw new NullReferenceException();
            return Run(callee, operands);
        }

        if (method is MethodInfo { ReturnType.IsByRef: true })
            throw new EvaluationException($"{frame.Graph.Name}: a call of {method.Name}, which returns a reference, needs its flow graph (set GraphProvider): reflection returns a copy");
        if (method.DeclaringType is { IsGenericType: true } nullable && nullable.GetGenericTypeDefinition() == typeof(Nullable<>) && !newObject)
            return NullableCall(method, operands);

        var parameters = method.GetParameters();
        int offset = newObject || method.IsStatic ? 0 : 1;
        var arguments = new object?[parameters.Length];
        for (int i = 0; i < parameters.Length; i++)
        {
            var type = parameters[i].ParameterType;
            arguments[i] = type.IsByRef
                ? AddressOf(operands[offset + i]).Load()
                : ValueSemantics.ToClr(operands[offset + i], type);
        }

        object? result;
        if (newObject)
        {
            var constructor = (ConstructorInfo)method;
            if (typeof(Delegate).IsAssignableFrom(constructor.DeclaringType) && operands.Length == 2 && operands[1] is FunctionPointer pointer)
                return pointer.Method.IsStatic
                    ? Delegate.CreateDelegate(constructor.DeclaringType!, (MethodInfo)pointer.Method)
                    : Delegate.CreateDelegate(constructor.DeclaringType!, operands[0], (MethodInfo)pointer.Method);
            result = Invoke(() => constructor.Invoke(arguments));
        }
        else if (method.IsStatic)
        {
            result = Invoke(() => method.Invoke(null, arguments));
        }
        else
        {
            result = InvokeInstance(instruction, method, operands[0], arguments);
        }

        for (int i = 0; i < parameters.Length; i++)
            if (parameters[i].ParameterType.IsByRef) AddressOf(operands[offset + i]).Store(arguments[i]);
        return result;
    }

    /// <summary>
    /// Methods of <see cref="Nullable{T}"/> on an address. A boxed nullable is its value or null, so reflection
    /// cannot call them on the box; their meaning is simple enough to run here.
    /// </summary>
    private static object? NullableCall(MethodBase method, object?[] operands)
    {
        var underlying = Nullable.GetUnderlyingType(method.DeclaringType!)!;
        var address = AddressOf(operands[0]);
        var value = address.Load();
        switch (method.Name)
        {
            case ".ctor":
                address.Store(ValueSemantics.ToClr(operands[1], underlying));
                return null;
            case "get_HasValue":
                return value is not null;
            case "get_Value":
                return value ?? throw new InvalidOperationException("Nullable object must have a value.");
            case "GetValueOrDefault":
                return value ?? (operands.Length > 1 ? ValueSemantics.ToClr(operands[1], underlying) : Activator.CreateInstance(underlying));
            case "Equals":
                return Equals(value, operands[1]);
            case "GetHashCode":
                return value?.GetHashCode() ?? 0;
            case "ToString":
                return value?.ToString() ?? "";
            default:
                throw new EvaluationException($"Nullable<{underlying.Name}>.{method.Name} is not supported by the evaluator");
        }
    }

    private object? InvokeInstance(Instruction instruction, MethodBase method, object? receiver, object?[] arguments)
    {
        if (instruction.Opcode == Opcode.ConstrainedCall)
        {
            var constrained = ClrType(instruction.TypeOperand!);
            var address = AddressOf(receiver);
            if (!constrained.IsValueType) return InvokeOn(address.Load(), instruction, method, arguments);
            var box = address.Load();
            var result = InvokeOn(box, instruction, method, arguments);
            address.Store(box);
            return result;
        }
        if (receiver is Address location)
        {
            var box = location.Load();
            var result = InvokeOn(box, instruction, method, arguments);
            location.Store(box);
            return result;
        }
        return InvokeOn(receiver, instruction, method, arguments);
    }

    private static object? InvokeOn(object? target, Instruction instruction, MethodBase method, object?[] arguments)
    {
        if (target is null) throw new NullReferenceException();
        // call (not callvirt) of a virtual method on a subclass instance, as base.M() compiles: reflection would
        // dispatch virtually, so a small dynamic method makes the non-virtual call.
        if (instruction.Opcode == Opcode.Call && method.IsVirtual && target.GetType() != method.DeclaringType && !method.DeclaringType!.IsValueType)
            return Invoke(() => NonVirtualCalls.GetOrAdd(method, CompileNonVirtualCall)(target, arguments));
        return Invoke(() => method.Invoke(target, arguments));
    }

    private static Func<object?, object?[], object?> CompileNonVirtualCall(MethodBase method)
    {
        var info = (MethodInfo)method;
        var dynamic = new DynamicMethod("nonvirtual_" + method.Name, typeof(object), [typeof(object), typeof(object[])], typeof(GraphEvaluator).Module, skipVisibility: true);
        var il = dynamic.GetILGenerator();
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Castclass, method.DeclaringType!);
        var parameters = method.GetParameters();
        for (int i = 0; i < parameters.Length; i++)
        {
            il.Emit(OpCodes.Ldarg_1);
            il.Emit(OpCodes.Ldc_I4, i);
            il.Emit(OpCodes.Ldelem_Ref);
            il.Emit(parameters[i].ParameterType.IsValueType ? OpCodes.Unbox_Any : OpCodes.Castclass, parameters[i].ParameterType);
        }
        il.Emit(OpCodes.Call, info);
        if (info.ReturnType == typeof(void)) il.Emit(OpCodes.Ldnull);
        else if (info.ReturnType.IsValueType) il.Emit(OpCodes.Box, info.ReturnType);
        il.Emit(OpCodes.Ret);
        return dynamic.CreateDelegate<Func<object?, object?[], object?>>();
    }

    private static object? Invoke(Func<object?> call)
    {
        try
        {
            return call();
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            throw;
        }
        catch (TargetException)
        {
            throw new NullReferenceException();
        }
    }
}

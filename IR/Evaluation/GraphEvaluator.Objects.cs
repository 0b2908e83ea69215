using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.CompilerServices;
using PeJit.IR;
using PeJit.IR.Semantics;

namespace PeJit.IR.Evaluation;

// Calls (into a callee's graph, or through reflection: <see cref="ReflectionInvoker"/>), function pointers,
// boxing and type tests.
public sealed partial class GraphEvaluator
{
    /// <summary>Runs a call, a function load, a box, an unbox or a type test or cast; false for any other instruction.</summary>
    private bool ExecuteCallOrObject(Frame frame, Instruction instruction)
    {
        var graph = frame.Graph;
        object? Operand(int i) => Get(frame, instruction.Operands[i]);
        void Set(object? value) => frame.Values[instruction.Result!.Value.Index] = value;

        switch (instruction.Opcode)
        {
            case Opcode.NewObject or Opcode.Call or Opcode.CallVirt or Opcode.ConstrainedCall:
            {
                var result = Call(frame, instruction);
                if (instruction.Result is { } value) frame.Values[value.Index] = ValueSemantics.Normalize(result, graph.TypeOf(value));
                return true;
            }
            case Opcode.LoadFunction:
                Set(new FunctionPointer(resolver.ResolveMethod(instruction.Method!)));
                return true;
            case Opcode.LoadVirtualFunction:
            {
                var method = (MethodInfo)resolver.ResolveMethod(instruction.Method!);
                var receiver = Operand(0) ?? throw new NullReferenceException();
                Set(new FunctionPointer(ReflectionInvoker.Override(receiver.GetType(), method)));
                return true;
            }

            case Opcode.Allocate:
                // What newobj does before its constructor runs (an inlined constructor's body follows): every field zero.
                Set(RuntimeHelpers.GetUninitializedObject(ClrType(instruction.TypeOperand!)));
                return true;
            case Opcode.Box:
            {
                var type = ClrType(instruction.TypeOperand!);
                Set(type.IsValueType ? ValueSemantics.FreshBox(ValueSemantics.ToClr(Operand(0), Nullable.GetUnderlyingType(type) ?? type)) : Operand(0));
                return true;
            }
            case Opcode.Unbox:
            {
                var box = Operand(0) ?? throw new NullReferenceException();
                var type = ClrType(instruction.TypeOperand!);
                if (!type.IsInstanceOfType(box)) throw CastError(box, type);
                Set(new BoxAddress(box));
                return true;
            }
            case Opcode.UnboxAny or Opcode.CastClass:
            {
                var value = Operand(0);
                var type = ClrType(instruction.TypeOperand!);
                if (value is null)
                {
                    if (type.IsValueType && Nullable.GetUnderlyingType(type) is null) throw new NullReferenceException();
                    Set(null);
                    return true;
                }
                if (!type.IsInstanceOfType(value) && !(Nullable.GetUnderlyingType(type) is { } underlying && underlying.IsInstanceOfType(value)))
                    throw CastError(value, type);
                Set(ValueSemantics.Normalize(RuntimeHelpers.GetObjectValue(value), instruction.TypeOperand!));
                return true;
            }
            case Opcode.IsInst:
            {
                var value = Operand(0);
                var type = ClrType(instruction.TypeOperand!);
                bool fits = value is not null && (type.IsInstanceOfType(value) || (Nullable.GetUnderlyingType(type) is { } underlying && underlying.IsInstanceOfType(value)));
                Set(fits ? value : null);
                return true;
            }
            default:
                return false;
        }
    }

    private readonly ConcurrentDictionary<FlowGraph, bool> evaluable = new();

    /// <summary>
    /// Whether a callee's graph can be evaluated here: not generic (its types are known only once
    /// instantiated) and without ref struct slots but string interpolation's handler (<see cref="InterpolatedStringHandlerShim"/>).
    /// Otherwise the real method is called.
    /// </summary>
    private bool CanEvaluate(FlowGraph graph) => evaluable.GetOrAdd(graph, g =>
        !g.IsGeneric
        && NoRefStructSlots(g));

    // A loop over the slots' indices, not LINQ over FlowGraph.Slots: code .NET compiled at the first mid-step exit (Docs/PERFORMANCE.md, "cold7").
    private bool NoRefStructSlots(FlowGraph g)
    {
        for (int i = 0; i < g.SlotCount; i++)
        {
            var type = g[new Slot(i)].Type;
            if (type.Kind is (TypeKind.ValueType or TypeKind.GenericParameter) && ClrType(type) is { IsByRefLike: true } clr
                && !InterpolatedStringHandlerShim.Stands(clr)) return false;
        }
        return true;
    }

    /// <summary>
    /// The graph of a single-target delegate's method, to evaluate at a call of its <c>Invoke</c> instead of calling
    /// the delegate (null: called); null for none.
    /// </summary>
    public Func<Instruction, Delegate, FlowGraph?>? DelegateGraphProvider { get; set; }

    /// <summary>
    /// A call: into the callee's graph when <see cref="GraphProvider"/> gives one that can run here and the
    /// call would reach that very method, else the real method through <see cref="ReflectionInvoker"/>.
    /// </summary>
    private object? Call(Frame frame, Instruction instruction)
    {
        var method = resolver.ResolveMethod(instruction.Method!);
        var operands = Gets(frame, instruction.Operands);
        bool newObject = instruction.Opcode == Opcode.NewObject;
        BeforeCall?.Invoke(instruction, operands);
        if (AfterCall is null) return CallWith(frame, instruction, method, operands, newObject);
        try
        {
            return CallWith(frame, instruction, method, operands, newObject);
        }
        finally
        {
            AfterCall(instruction);
        }
    }

    /// <summary>The call itself, once <see cref="BeforeCall"/> has seen it: the callee's graph or the real method.</summary>
    private object? CallWith(Frame frame, Instruction instruction, MethodBase method, object?[] operands, bool newObject)
    {
        if (TrySpanCall(instruction, method, operands, newObject, out var spanResult)) return spanResult;
        // A delegate's Invoke whose target method has a graph: that graph, on the call's arguments (the delegate's
        // target first when it is closed over one, as the specializer's inlining of a delegate call passes it).
        if (!newObject && DelegateGraphProvider is not null && method.Name == "Invoke" && operands.Length > 0
            && operands[0] is Delegate { HasSingleTarget: true } called
            && DelegateGraphProvider(instruction, called) is { } target && CanEvaluate(target))
        {
            var arguments = operands.Skip(1);
            if (target.Parameters.Count == operands.Length) arguments = arguments.Prepend(called.Target);
            else if (target.Parameters.Count != operands.Length - 1) return ReflectionInvoker.Call(resolver, instruction, method, operands);
            var values = arguments.Select((a, i) => Argument(a, target.TypeOf(target.Parameters[i]))).ToArray();
            return Run(target, values);
        }
        if (!newObject && GraphProvider?.Invoke(instruction.Method!) is { } callee && CanEvaluate(callee)
            && (instruction.Opcode == Opcode.Call || !method.IsVirtual
                || (operands[0] is { } receiver and not Address && ReflectionInvoker.Override(receiver.GetType(), (MethodInfo)method) == method)))
        {
            if (!method.IsStatic && operands[0] is null) throw new NullReferenceException();
            return Run(callee, operands);
        }

        if (method is MethodInfo { ReturnType.IsByRef: true })
            throw new EvaluationException($"{frame.Graph.Name}: a call of {method.Name}, which returns a reference, needs its flow graph (set GraphProvider): reflection returns a copy");
        return ReflectionInvoker.Call(resolver, instruction, method, operands);
    }

    private static InvalidCastException CastError(object value, Type type) =>
        new($"Unable to cast object of type '{value.GetType()}' to type '{type}'.");
}

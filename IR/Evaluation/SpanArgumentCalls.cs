using System.Collections.Concurrent;
using System.Reflection;
using System.Reflection.Emit;
using PeJit.IR.Semantics;

namespace PeJit.IR.Evaluation;

/// <summary>
/// Calls of methods that take spans (<c>int.Parse(ReadOnlySpan&lt;char&gt;, ...)</c>, <c>Console.Out.Write(ReadOnlySpan&lt;char&gt;)</c>,
/// a helper of the program's) with the evaluator's spans, held as <see cref="SpanValue"/>s: reflection cannot pass a span,
/// so each such method gets a thunk, a <c>DynamicMethod</c> that takes the arguments as objects, makes each span from its
/// <see cref="SpanValue"/> and calls the method directly (what it throws arrives as itself).
/// </summary>
/// <remarks>
/// Not for a method that returns a span or takes one by reference (no <see cref="SpanValue"/> could stand for what it
/// gives back), nor for a value-type receiver (the thunk would call a copy): those stay <see cref="ReflectionInvoker"/>'s,
/// which says what it cannot convert.
/// </remarks>
internal static class SpanArgumentCalls
{
    private static readonly ConcurrentDictionary<MethodBase, Func<object?[], object?>?> Thunks = new();

    /// <summary>
    /// Calls <paramref name="method"/> when it takes a span and <paramref name="operands"/> (in stack form, the receiver
    /// first for an instance method) hold one as a <see cref="SpanValue"/>; false for any other call.
    /// </summary>
    public static bool TryCall(MethodBase method, object?[] operands, bool newObject, out object? result)
    {
        result = null;
        if (newObject || !operands.Any(o => o is SpanValue) || Thunks.GetOrAdd(method, Thunk) is not { } thunk) return false;
        var parameters = method.GetParameters();
        int offset = method.IsStatic ? 0 : 1;
        var arguments = new object?[operands.Length];
        if (offset == 1) arguments[0] = operands[0] ?? throw new NullReferenceException();
        for (int i = 0; i < parameters.Length; i++)
            arguments[offset + i] = operands[offset + i] is SpanValue span ? span : ValueSemantics.ToClr(operands[offset + i], parameters[i].ParameterType);
        result = thunk(arguments);
        return true;
    }

    private static Func<object?[], object?>? Thunk(MethodBase method)
    {
        if (method is not MethodInfo info || info.ReturnType.IsByRefLike || info.ReturnType.IsByRef
            || !method.IsStatic && method.DeclaringType!.IsValueType || method.ContainsGenericParameters)
            return null;
        var parameters = method.GetParameters();
        if (parameters.Any(p => p.ParameterType.IsByRef || p.ParameterType.IsByRefLike && !SpanValue.Stands(p.ParameterType))) return null;
        var thunk = new DynamicMethod($"spans {method.Name}", typeof(object), [typeof(object?[])], typeof(SpanArgumentCalls).Module, skipVisibility: true);
        var il = thunk.GetILGenerator();
        int offset = method.IsStatic ? 0 : 1;
        if (offset == 1)
        {
            il.Emit(OpCodes.Ldarg_0);
            il.Emit(OpCodes.Ldc_I4_0);
            il.Emit(OpCodes.Ldelem_Ref);
            il.Emit(OpCodes.Castclass, method.DeclaringType!);
        }
        for (int i = 0; i < parameters.Length; i++)
        {
            var type = parameters[i].ParameterType;
            il.Emit(OpCodes.Ldarg_0);
            il.Emit(OpCodes.Ldc_I4, offset + i);
            il.Emit(OpCodes.Ldelem_Ref);
            if (SpanValue.Stands(type))
            {
                // The span the SpanValue stands for: read-only, or writable over its array (a string's cannot be).
                var holder = typeof(SpanValue<>).MakeGenericType(type.GetGenericArguments()[0]);
                il.Emit(OpCodes.Castclass, holder);
                bool writable = type.GetGenericTypeDefinition() == typeof(Span<>);
                il.Emit(OpCodes.Callvirt, holder.GetProperty(writable ? nameof(SpanValue<int>.Writable) : nameof(SpanValue<int>.ReadOnly))!.GetMethod!);
            }
            else il.Emit(OpCodes.Unbox_Any, type);
        }
        il.Emit(method.IsStatic || !method.IsVirtual ? OpCodes.Call : OpCodes.Callvirt, info);
        if (info.ReturnType == typeof(void)) il.Emit(OpCodes.Ldnull);
        else if (info.ReturnType.IsValueType) il.Emit(OpCodes.Box, info.ReturnType);
        il.Emit(OpCodes.Ret);
        return thunk.CreateDelegate<Func<object?[], object?>>();
    }
}

using System.Collections.Concurrent;
using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.ExceptionServices;
using PeJit.IR.Semantics;

namespace PeJit.IR.Evaluation;

/// <summary>
/// Calls a real method for the <see cref="GraphEvaluator"/> through reflection, with CIL's meaning: operands
/// in stack form converted to the parameters' CLR types, by-reference arguments loaded from their
/// <see cref="Address"/> and stored back, a value-type receiver called on its box and written back, a
/// non-virtual <c>call</c> of a virtual method made non-virtually, and what the callee throws rethrown as
/// itself (not wrapped in a <see cref="TargetInvocationException"/>).
/// </summary>
internal static class ReflectionInvoker
{
    private static readonly ConcurrentDictionary<MethodBase, Func<object?, object?[], object?>> NonVirtualCalls = new();

    /// <summary>
    /// Calls <paramref name="method"/> as <paramref name="instruction"/> (a call, callvirt, constrained call or
    /// newobj) would, on <paramref name="operands"/> in stack form; returns its result in CLR form.
    /// </summary>
    public static object? Call(IMemberResolver resolver, Instruction instruction, MethodBase method, object?[] operands)
    {
        bool newObject = instruction.Opcode == Opcode.NewObject;
        if (InterpolatedStringHandlerShim.TryCall(method, operands, newObject, out var interpolated)) return interpolated;
        if (SpanArgumentCalls.TryCall(method, operands, newObject, out var spanned)) return spanned;
        if (method.DeclaringType is { IsGenericType: true } nullable && nullable.GetGenericTypeDefinition() == typeof(Nullable<>) && !newObject)
            return NullableCall(method, operands);

        var parameters = method.GetParameters();
        int offset = newObject || method.IsStatic ? 0 : 1;
        var arguments = new object?[parameters.Length];
        for (int i = 0; i < parameters.Length; i++)
        {
            var type = parameters[i].ParameterType;
            arguments[i] = type.IsByRef
                ? GraphEvaluator.AddressOf(operands[offset + i]).Load()
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
            result = InvokeInstance(resolver, instruction, method, operands[0], arguments);
        }

        for (int i = 0; i < parameters.Length; i++)
            if (parameters[i].ParameterType.IsByRef) GraphEvaluator.AddressOf(operands[offset + i]).Store(arguments[i]);
        return result;
    }

    /// <summary>The method a virtual or interface <paramref name="method"/> dispatches to on an object of <paramref name="type"/>.</summary>
    internal static MethodInfo Override(Type type, MethodInfo method)
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

    /// <summary>
    /// Methods of <see cref="Nullable{T}"/> on an address. A boxed nullable is its value or null, so reflection
    /// cannot call them on the box; their meaning is simple enough to run here.
    /// </summary>
    private static object? NullableCall(MethodBase method, object?[] operands)
    {
        var underlying = Nullable.GetUnderlyingType(method.DeclaringType!)!;
        var address = GraphEvaluator.AddressOf(operands[0]);
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

    private static object? InvokeInstance(IMemberResolver resolver, Instruction instruction, MethodBase method, object? receiver, object?[] arguments)
    {
        if (instruction.Opcode == Opcode.ConstrainedCall)
        {
            var constrained = resolver.ResolveType(instruction.TypeOperand!);
            var address = GraphEvaluator.AddressOf(receiver);
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
        var dynamic = new DynamicMethod("nonvirtual_" + method.Name, typeof(object), [typeof(object), typeof(object[])], typeof(ReflectionInvoker).Module, skipVisibility: true);
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

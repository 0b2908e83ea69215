using Mono.Cecil;
using Mono.Cecil.Cil;
using PeJit.IR;

namespace PeJit.Frontend.Construction;

/// <summary>
/// Recognizes a constructor that only stores its parameters into fields of the new object (the shape of a
/// boxed value, a tuple, a small frame record): what <see cref="MethodRef.StoredFields"/> promises, so the
/// optimizer may keep such an object's fields in SSA values and call the constructor only where it escapes.
/// </summary>
/// <remarks>
/// Accepted bodies, <c>nop</c>s aside: any order of <c>ldarg.0; ldarg.N; stfld F</c> (each parameter
/// exactly once, each field at most once, every field one of the object's own) and one
/// <c>ldarg.0; call Base::.ctor()</c> whose base constructor is <c>System.Object</c>'s or itself accepted
/// with no parameters; then <c>ret</c>. A value type's constructor has no base call: its <c>newobj</c> makes a
/// value whose fields the constructor did not store are zero (the optimizer reads a field of such a value as the
/// argument stored there, or zero: <c>StructSlots</c>). Refused: generic types (field names carry the
/// instantiation), classes with a finalizer anywhere in their chain (the collector would run it on the object the
/// optimizer removed) and anything else in the body (a field initializer, a call, a check, a value type's
/// <c>initobj</c> of itself). Cost: linear in the body and the class chain.
/// </remarks>
public static class ConstructorStores
{
    /// <summary>The fields <paramref name="method"/> stores its parameters into, in parameter order; null when it is not such a constructor.</summary>
    public static IReadOnlyList<FieldRef>? Of(MethodReference method)
    {
        if (method.Name != ".ctor" || !method.HasThis || method.DeclaringType.IsGenericInstance) return null;
        var definition = ClassHierarchy.TryResolve(method);
        if (definition is null || definition.DeclaringType.HasGenericParameters) return null;
        if (definition.DeclaringType.IsValueType) return definition.DeclaringType.IsEnum ? null : Summarize(definition, 0, valueType: true);
        if (HasFinalizer(definition.DeclaringType)) return null;
        return Summarize(definition, 0);
    }

    private static IReadOnlyList<FieldRef>? Summarize(MethodDefinition constructor, int depth, bool valueType = false)
    {
        if (!constructor.HasBody || depth > 16) return null;
        var code = constructor.Body.Instructions.Where(i => i.OpCode.Code != Code.Nop).ToList();
        var fields = new FieldRef?[constructor.Parameters.Count];
        var stored = new HashSet<string>(StringComparer.Ordinal);
        bool baseCalled = false;
        int at = 0;
        while (at < code.Count && code[at].OpCode.Code != Code.Ret)
        {
            if (code[at].OpCode.Code != Code.Ldarg_0 || at + 1 >= code.Count) return null;
            var next = code[at + 1];
            if (!valueType && next.OpCode.Code == Code.Call && next.Operand is MethodReference { Name: ".ctor", HasThis: true } callee && !baseCalled)
            {
                if (callee.Parameters.Count != 0 || !BaseIsEmpty(constructor.DeclaringType, callee, depth)) return null;
                baseCalled = true;
                at += 2;
                continue;
            }
            if (at + 2 >= code.Count || Parameter(next, constructor) is not { } index
                || code[at + 2] is not { OpCode.Code: Code.Stfld, Operand: FieldReference field }
                || fields[index] is not null || !stored.Add(field.FullName)
                || ClassHierarchy.TryResolve(field) is not { IsStatic: false } resolved
                || !IsOwnField(constructor.DeclaringType, resolved.DeclaringType)) return null;
            fields[index] = new FieldRef(field.FullName, field);
            at += 3;
        }
        if ((!valueType && !baseCalled) || at != code.Count - 1 || fields.Any(f => f is null)) return null;
        return fields!;
    }

    private static bool BaseIsEmpty(TypeDefinition type, MethodReference callee, int depth)
    {
        if (type.BaseType is not { } baseType || callee.DeclaringType.FullName != baseType.FullName) return false;
        if (baseType.FullName == "System.Object") return true;
        return ClassHierarchy.TryResolve(callee) is { } definition && !definition.DeclaringType.HasGenericParameters
            && Summarize(definition, depth + 1) is { Count: 0 };
    }

    // ldarg.N for N >= 1: the parameter index N - 1.
    private static int? Parameter(Mono.Cecil.Cil.Instruction instruction, MethodDefinition constructor) => instruction.OpCode.Code switch
    {
        Code.Ldarg_1 => 0,
        Code.Ldarg_2 => 1,
        Code.Ldarg_3 => 2,
        Code.Ldarg_S or Code.Ldarg when instruction.Operand is ParameterDefinition p && constructor.Parameters.Contains(p) => p.Index,
        _ => null,
    };

    private static bool IsOwnField(TypeDefinition type, TypeDefinition owner)
    {
        for (TypeDefinition? t = type; t is not null; t = t.BaseType is { } b ? TypeMapper.TryResolve(b) : null)
            if (t == owner) return true;
        return false;
    }

    private static bool HasFinalizer(TypeDefinition type)
    {
        // A class whose chain cannot be resolved up to System.Object counts as having one.
        for (TypeDefinition? t = type; t.FullName != "System.Object";)
        {
            if (t.Methods.Any(m => m is { Name: "Finalize", HasParameters: false, IsVirtual: true })) return true;
            if (t.BaseType is null || TypeMapper.TryResolve(t.BaseType) is not { } next) return true;
            t = next;
        }
        return false;
    }
}

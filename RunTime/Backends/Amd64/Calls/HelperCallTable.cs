using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.InteropServices;
using PeJit.IR;
using PeJit.IR.Semantics;

namespace PeJit.Backends.Amd64.Calls;

/// <summary>
/// A unit's helpers (static methods, and instance methods called on an object the stub knows) by call site, each as a small <see cref="DynamicMethod"/> <c>long Site(long* words)</c>
/// that turns the call's words into the method's arguments (the receiver first, for an instance method; an integer parameter from its stack form, an object
/// from the handle the managed stub made for the call), calls the method directly, and returns its result's stack
/// form (0 for void). Exceptions go out as themselves, to the trampoline.
/// </summary>
public sealed unsafe class HelperCallTable
{
    /// <summary>One call site: the words in, the result's stack form out.</summary>
    internal delegate long Site(long* words);

    private readonly Site[] sites;

    /// <summary>Resolves each call site's method (the lowering checked its argument and result types) and compiles its site.</summary>
    /// <exception cref="BackendException">A call resolves to something other than a method of a matching arity, or an instance method of a value type.</exception>
    public HelperCallTable(FlowGraph graph, IReadOnlyList<Instruction> calls, IMemberResolver resolver)
    {
        sites = calls.Select(call => resolver.ResolveMethod(call.Method!) is MethodInfo method
                && method.IsStatic != call.Method!.HasThis
                && method.GetParameters().Length + (method.IsStatic ? 0 : 1) == call.Operands.Count
                && (method.IsStatic || method.DeclaringType is { IsValueType: false })
            ? Compile(graph, method, virtualCall: call.Opcode == Opcode.CallVirt)
            : throw new BackendException($"{graph.Name}: {call.Method} at {call.Location} does not resolve to a static method, or an instance method of a class or interface, that native code can call")).ToArray();
    }

    /// <summary>Calls site <paramref name="site"/> with its words; returns the result's stack form (0 for void).</summary>
    internal long Invoke(int site, long* words) => sites[site](words);

    /// <summary>The object a handle word names (0: null).</summary>
    private static object? Target(long word) => word == 0 ? null : GCHandle.FromIntPtr((nint)word).Target;

    /// <summary>
    /// The site of <paramref name="method"/>. An instance method's receiver is word 0 (a handle): the site casts it to
    /// the declaring type and makes the call as the graph does (<c>callvirt</c>: virtual or interface dispatch on the
    /// receiver's class, and a null receiver's <see cref="NullReferenceException"/> thrown by the CLR, as in a CIL unit).
    /// </summary>
    private static Site Compile(FlowGraph graph, MethodInfo method, bool virtualCall)
    {
        var site = new DynamicMethod("pejit_helper_" + method.Name, typeof(long), [typeof(long*)], typeof(HelperCallTable).Module, skipVisibility: true);
        var il = site.GetILGenerator();
        var types = method.GetParameters().Select(p => p.ParameterType).ToList();
        if (!method.IsStatic) types.Insert(0, method.DeclaringType!);
        for (int i = 0; i < types.Count; i++)
        {
            var type = types[i];
            il.Emit(OpCodes.Ldarg_0);
            if (i > 0)
            {
                il.Emit(OpCodes.Ldc_I4, 8 * i);
                il.Emit(OpCodes.Add);
            }
            il.Emit(OpCodes.Ldind_I8);
            if (!type.IsValueType)
            {
                il.Emit(OpCodes.Call, typeof(HelperCallTable).GetMethod(nameof(Target), BindingFlags.NonPublic | BindingFlags.Static)!);
                if (type != typeof(object)) il.Emit(OpCodes.Castclass, type);
                continue;
            }
            var integer = type.IsEnum ? Enum.GetUnderlyingType(type) : type;
            // The word is the stack form: the conversion the CLR makes when it stores a stack value into the parameter.
            if (integer == typeof(long) || integer == typeof(ulong)) { }
            else if (integer == typeof(nint) || integer == typeof(nuint)) il.Emit(OpCodes.Conv_I);
            else if (integer == typeof(int) || integer == typeof(uint) || integer == typeof(bool)) il.Emit(OpCodes.Conv_I4);
            else if (integer == typeof(short)) il.Emit(OpCodes.Conv_I2);
            else if (integer == typeof(ushort) || integer == typeof(char)) il.Emit(OpCodes.Conv_U2);
            else if (integer == typeof(sbyte)) il.Emit(OpCodes.Conv_I1);
            else if (integer == typeof(byte)) il.Emit(OpCodes.Conv_U1);
            else throw new BackendException($"{graph.Name}: {method} takes a {type.Name}, which native code does not pass");
        }
        il.Emit(virtualCall ? OpCodes.Callvirt : OpCodes.Call, method);
        var result = method.ReturnType.IsEnum ? Enum.GetUnderlyingType(method.ReturnType) : method.ReturnType;
        if (result == typeof(void)) il.Emit(OpCodes.Ldc_I8, 0L);
        else if (result != typeof(long) && result != typeof(ulong)) il.Emit(OpCodes.Conv_I8); // sign-extends an int32 stack value, as the stack form does
        il.Emit(OpCodes.Ret);
        return site.CreateDelegate<Site>();
    }
}

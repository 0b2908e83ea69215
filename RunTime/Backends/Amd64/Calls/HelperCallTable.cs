using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using PeJit.IR;
using PeJit.IR.Semantics;

namespace PeJit.Backends.Amd64.Calls;

/// <summary>
/// A unit's static helpers by call site, and how each call's words become the method's arguments: an integer
/// parameter from its stack form, an object from the handle the managed stub made for the call.
/// </summary>
public sealed class HelperCallTable
{
    private readonly MethodInfo[] methods;
    private readonly IrType[][] parameters;
    private readonly Type[][] clrParameters;
    private readonly IrType[] results;

    /// <summary>Resolves each call site's method (static; the lowering checked its argument and result types).</summary>
    public HelperCallTable(FlowGraph graph, IReadOnlyList<Instruction> calls, IMemberResolver resolver)
    {
        methods = calls.Select(c => resolver.ResolveMethod(c.Method!) as MethodInfo
            ?? throw new BackendException($"{graph.Name}: {c.Method} is not a method native code can call")).ToArray();
        parameters = calls.Select(c => c.Operands.Select(graph.TypeOf).ToArray()).ToArray();
        clrParameters = methods.Select(m => m.GetParameters().Select(p => p.ParameterType).ToArray()).ToArray();
        results = calls.Select(c => c.Result is { } r ? graph.TypeOf(r) : IrType.Void).ToArray();
    }

    /// <summary>Calls site <paramref name="site"/> with its words; returns the result's stack form (0 for void).</summary>
    internal unsafe long Invoke(int site, long* words)
    {
        var types = parameters[site];
        var arguments = new object?[types.Length];
        for (int i = 0; i < types.Length; i++)
            arguments[i] = types[i].IsReference
                ? words[i] == 0 ? null : GCHandle.FromIntPtr((nint)words[i]).Target
                : ValueSemantics.ToClr(Integer(words[i], types[i]), clrParameters[site][i]);
        var result = methods[site].Invoke(null, BindingFlags.DoNotWrapExceptions, null, arguments, null);
        return results[site].Kind == TypeKind.Void ? 0 : StackForm(RuntimeHelpers.GetObjectValue(result));
    }

    // Boxed as the stack form's own type (object arms: a switch of int, nint and long arms would be long).
    private static object Integer(long word, IrType type) => type.StackKind switch
    {
        StackKind.Int32 => (object)(int)word,
        StackKind.NativeInt => (object)(nint)word,
        _ => (object)word,
    };

    private static long StackForm(object? value) => value switch
    {
        int i => i, long l => l, bool b => b ? 1 : 0, char c => c, sbyte s => s, byte u => u, short s => s, ushort u => u,
        uint u => (int)u, ulong u => (long)u, nint n => n, nuint u => (long)u,
        Enum e => Convert.ToInt64(e, System.Globalization.CultureInfo.InvariantCulture),
        _ => throw new InvalidOperationException($"a helper returned {value?.GetType().Name ?? "null"} where native code expects an integer"),
    };
}

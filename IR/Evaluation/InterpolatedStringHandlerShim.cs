using System.Reflection;
using System.Runtime.CompilerServices;
using PeJit.IR.Semantics;

namespace PeJit.IR.Evaluation;

/// <summary>
/// What the evaluator holds in a slot of C#'s string interpolation handler (<see cref="DefaultInterpolatedStringHandler"/>,
/// a ref struct, which reflection can neither box nor call): the parts appended so far. Every <c>$"..."</c> an interpreter
/// builds (an error message on a trap's path: <c>throw new Trap($"unreachable at pc {pc}")</c>) compiles to such a slot,
/// and a step the graph evaluator finishes after a mid-step exit may run one.
/// </summary>
/// <remarks>
/// The text is not formatted here: the parts are replayed, in order, on a real handler made with the same arguments
/// when the string is asked for, so every value is formatted by .NET's own code (its culture, its custom formatter, its
/// alignment) exactly as the interpreter's compiled code would. Overloads over spans (<c>ReadOnlySpan&lt;char&gt;</c>, a
/// caller's scratch buffer) take what the evaluator cannot hold either, and are refused.
/// </remarks>
internal sealed class InterpolatedStringHandlerShim
{
    private delegate void Part(ref DefaultInterpolatedStringHandler handler);

    private readonly int literalLength, formattedCount;
    private readonly IFormatProvider? provider;
    private readonly List<Part> parts = [];

    private InterpolatedStringHandlerShim(int literalLength, int formattedCount, IFormatProvider? provider)
    {
        this.literalLength = literalLength;
        this.formattedCount = formattedCount;
        this.provider = provider;
    }

    /// <summary>Whether <paramref name="type"/> is the handler this shim stands for.</summary>
    public static bool Stands(Type type) => type == typeof(DefaultInterpolatedStringHandler);

    /// <summary>A handler's default value (<c>initobj</c>, or a slot read before its constructor): no parts.</summary>
    public static InterpolatedStringHandlerShim Default() => new(0, 0, null);

    /// <summary>
    /// Whether <paramref name="method"/> is one this shim runs: a member of the handler, or <c>string.Create(provider, ref
    /// handler)</c>; <paramref name="result"/> is what the call returns. <paramref name="operands"/> are the call's, in stack
    /// form: the handler's address first for its members (<paramref name="newObject"/>: a <c>newobj</c>'s arguments).
    /// </summary>
    public static bool TryCall(MethodBase method, object?[] operands, bool newObject, out object? result)
    {
        result = null;
        if (newObject && method.DeclaringType is { } made && Stands(made))
        {
            // newobj (no C# compiler makes one for a ref struct, but IL may): the handler as a value, not at an address.
            var arguments = method.GetParameters().Select((p, i) => ValueSemantics.ToClr(operands[i], p.ParameterType)).ToArray();
            result = new InterpolatedStringHandlerShim((int)arguments[0]!, (int)arguments[1]!, arguments.Length > 2 ? (IFormatProvider?)arguments[2] : null);
            return true;
        }
        if (method is MethodInfo { IsStatic: true, Name: "Create" } create && create.DeclaringType == typeof(string)
            && create.GetParameters() is [_, { ParameterType: { IsByRef: true } handlerType }] && Stands(handlerType.GetElementType()!))
        {
            result = Of(operands[1]).Text(clear: true);
            return true;
        }
        if (method.DeclaringType is not { } declaring || !Stands(declaring) || method.IsStatic) return false;
        var address = GraphEvaluator.AddressOf(operands[0]);
        var parameters = method.GetParameters();
        object? Argument(int i) => ValueSemantics.ToClr(operands[1 + i], parameters[i].ParameterType);
        if (method is ConstructorInfo)
        {
            if (parameters.Any(p => p.ParameterType.IsByRefLike))
                throw new EvaluationException("a string interpolation handler made over a scratch span, which the evaluator cannot hold");
            address.Store(new InterpolatedStringHandlerShim((int)Argument(0)!, (int)Argument(1)!, parameters.Length > 2 ? (IFormatProvider?)Argument(2) : null));
            return true;
        }
        var shim = Of(operands[0]);
        switch (method.Name)
        {
            case "ToStringAndClear":
                result = shim.Text(clear: true);
                return true;
            case "ToString":
                result = shim.Text(clear: false);
                return true;
            case "AppendLiteral":
            {
                string value = (string)Argument(0)!;
                shim.parts.Add((ref DefaultInterpolatedStringHandler h) => h.AppendLiteral(value));
                return true;
            }
            case "AppendFormatted":
                if (parameters.Any(p => p.ParameterType.IsByRefLike))
                    throw new EvaluationException("a span appended to an interpolated string, which the evaluator cannot hold");
                shim.parts.Add(Formatted((MethodInfo)method, parameters.Select((_, i) => Argument(i)).ToArray()));
                return true;
            default:
                throw new EvaluationException($"DefaultInterpolatedStringHandler.{method.Name} is not supported by the evaluator");
        }
    }

    private static InterpolatedStringHandlerShim Of(object? operand) =>
        GraphEvaluator.AddressOf(operand).Load() as InterpolatedStringHandlerShim
        ?? throw new EvaluationException("a string interpolation handler the evaluator did not make");

    /// <summary>The string the parts make, formatted by a real handler made as the interpreter made its own.</summary>
    private string Text(bool clear)
    {
        var handler = new DefaultInterpolatedStringHandler(literalLength, formattedCount, provider);
        foreach (var part in parts) part(ref handler);
        if (clear) parts.Clear();
        return handler.ToStringAndClear();
    }

    /// <summary>The call of <paramref name="method"/> (an <c>AppendFormatted</c> overload) on <paramref name="arguments"/>, to replay.</summary>
    private static Part Formatted(MethodInfo method, object?[] arguments)
    {
        var types = method.GetParameters().Select(p => p.ParameterType).ToArray();
        if (!method.IsGenericMethod)
            return types switch
            {
                [var t] when t == typeof(string) => (ref DefaultInterpolatedStringHandler h) => h.AppendFormatted((string?)arguments[0]),
                [var t, _, _] when t == typeof(string) => (ref DefaultInterpolatedStringHandler h) => h.AppendFormatted((string?)arguments[0], (int)arguments[1]!, (string?)arguments[2]),
                [_, _, _] => (ref DefaultInterpolatedStringHandler h) => h.AppendFormatted(arguments[0], (int)arguments[1]!, (string?)arguments[2]),
                _ => throw new EvaluationException($"DefaultInterpolatedStringHandler.AppendFormatted({string.Join(", ", types.Select(t => t.Name))}) is not supported by the evaluator"),
            };
        // The generic overloads, at the very type argument the call names (a struct formatted as itself, not boxed).
        string helper = types.Length switch
        {
            1 => nameof(FormattedValue),
            2 when types[1] == typeof(string) => nameof(FormattedWithFormat),
            2 => nameof(FormattedWithAlignment),
            _ => nameof(FormattedWithAlignmentAndFormat),
        };
        var generic = typeof(InterpolatedStringHandlerShim).GetMethod(helper, BindingFlags.NonPublic | BindingFlags.Static)!
            .MakeGenericMethod(method.GetGenericArguments()[0]);
        return (Part)generic.Invoke(null, [arguments])!;
    }

    private static Part FormattedValue<T>(object?[] a) => (ref DefaultInterpolatedStringHandler h) => h.AppendFormatted((T)a[0]!);

    private static Part FormattedWithFormat<T>(object?[] a) => (ref DefaultInterpolatedStringHandler h) => h.AppendFormatted((T)a[0]!, (string?)a[1]);

    private static Part FormattedWithAlignment<T>(object?[] a) => (ref DefaultInterpolatedStringHandler h) => h.AppendFormatted((T)a[0]!, (int)a[1]!);

    private static Part FormattedWithAlignmentAndFormat<T>(object?[] a) =>
        (ref DefaultInterpolatedStringHandler h) => h.AppendFormatted((T)a[0]!, (int)a[1]!, (string?)a[2]);
}

using System.Collections.Concurrent;
using System.Reflection;

namespace PeJit.IR.Semantics;

/// <summary>A <c>MemoryExtensions</c> query of a span and another span of its element type (<c>SequenceEqual</c>, <c>StartsWith</c>...).</summary>
public delegate object SpanWithSpan<T>(ReadOnlySpan<T> span, ReadOnlySpan<T> other);

/// <summary>A <c>MemoryExtensions</c> query of a span and an element (<c>IndexOf(span, value)</c>, <c>Contains</c>...).</summary>
public delegate object SpanWithElement<T>(ReadOnlySpan<T> span, T value);

/// <summary>
/// The framework's own span queries (<see cref="SpanOperation.Query"/>) for element type <typeparamref name="T"/>, as
/// delegates: no reflection call can pass a span, but a delegate whose parameters are spans can be bound to the generic
/// method made for <typeparamref name="T"/>. The <c>ReadOnlySpan</c> overload serves a call of the <c>Span</c> one too: a
/// query reads only, and the two compute the same.
/// </summary>
/// <remarks>Each delegate is made once per name and element type (a <c>DynamicMethod</c> boxing the result) and cached.</remarks>
public static class SpanQueries<T>
{
    private static readonly ConcurrentDictionary<string, SpanWithSpan<T>> WithSpans = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, SpanWithElement<T>> WithElements = new(StringComparer.Ordinal);

    /// <summary>The query <paramref name="name"/> of two spans.</summary>
    public static SpanWithSpan<T> WithSpan(string name) =>
        WithSpans.GetOrAdd(name, static n => Bind<SpanWithSpan<T>>(n, typeof(ReadOnlySpan<T>)));

    /// <summary>The query <paramref name="name"/> of a span and an element.</summary>
    public static SpanWithElement<T> WithElement(string name) =>
        WithElements.GetOrAdd(name, static n => Bind<SpanWithElement<T>>(n, typeof(T)));

    private static TDelegate Bind<TDelegate>(string name, Type second) where TDelegate : Delegate
    {
        var first = typeof(ReadOnlySpan<T>);
        var method = typeof(MemoryExtensions).GetMethods(BindingFlags.Public | BindingFlags.Static)
            .Where(m => m.Name == name && m.IsGenericMethodDefinition && m.GetGenericArguments().Length == 1 && HasShape(m, second == first))
            .Select(m => TryMake(m))
            .FirstOrDefault(m => m is not null && m.GetParameters() is var p && p[0].ParameterType == first && p[1].ParameterType == second)
            ?? throw new Evaluation.EvaluationException($"MemoryExtensions.{name}<{typeof(T).Name}>({first.Name}, {second.Name}) is not a method of this .NET");
        // The result boxed, so one delegate type serves bool and int queries.
        var dynamic = new System.Reflection.Emit.DynamicMethod($"{name}<{typeof(T).Name}>", typeof(object), [first, second], typeof(SpanQueries<T>).Module, skipVisibility: true);
        var il = dynamic.GetILGenerator();
        il.Emit(System.Reflection.Emit.OpCodes.Ldarg_0);
        il.Emit(System.Reflection.Emit.OpCodes.Ldarg_1);
        il.Emit(System.Reflection.Emit.OpCodes.Call, method);
        il.Emit(System.Reflection.Emit.OpCodes.Box, method.ReturnType);
        il.Emit(System.Reflection.Emit.OpCodes.Ret);
        return (TDelegate)dynamic.CreateDelegate(typeof(TDelegate));
    }

    // (ReadOnlySpan<T>, ReadOnlySpan<T>) or (ReadOnlySpan<T>, T) in the definition's own parameters, before any is made for T.
    private static bool HasShape(MethodInfo definition, bool withSpan) =>
        definition.GetParameters() is [{ ParameterType: var span }, { ParameterType: var other }]
        && span.IsGenericType && span.GetGenericTypeDefinition() == typeof(ReadOnlySpan<>)
        && (withSpan ? other.IsGenericType && other.GetGenericTypeDefinition() == typeof(ReadOnlySpan<>) : other.IsGenericParameter);

    // A generic definition whose constraints T does not meet is not a candidate.
    private static MethodInfo? TryMake(MethodInfo definition)
    {
        try { return definition.MakeGenericMethod(typeof(T)); }
        catch (ArgumentException) { return null; }
    }
}

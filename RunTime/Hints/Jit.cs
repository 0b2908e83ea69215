using System.Runtime.CompilerServices;

namespace PeJit;

// MergePoint and CanEnterJit, one overload per number of variables, are in Jit.Overloads.cs, written by
// scripts/generate-jit-overloads.sh.
/// <summary>
/// The hints an interpreter calls from its code. In an assembly `pejit` has not rewritten each is an empty
/// method that the .NET JIT inlines away, so the plain interpreter pays nothing for them.
/// </summary>
/// <remarks>
/// Rules for <c>MergePoint</c> and <c>CanEnterJit</c>:
/// <list type="number">
/// <item>Arguments are plain locals or parameters, never expressions.</item>
/// <item>They are every variable live at that point: first the portal's greens, then its reds, each in the order
/// <see cref="JitPortalAttribute"/> declares.</item>
/// <item><c>MergePoint</c> stands once, at the head of the dispatch loop; <c>CanEnterJit</c> stands where the interpreted
/// program jumps backwards, so that the JIT counts loop iterations there. A language without loops (a rules engine,
/// an expression evaluator) needs none: the portal's entry counts too, and such a portal gets hot there.</item>
/// <item>The dispatch loop may sit inside a <c>try</c> (catch clauses that turn host errors into the language's,
/// a <c>finally</c> that restores state), and each step may run inside one: compiled code hands an exception back
/// to the portal, whose handlers then run exactly as in the plain interpreter. Then every <c>CanEnterJit</c> stands
/// inside the try that holds <c>MergePoint</c>, never inside a handler; the try has no exception filter
/// (<c>catch ... when</c>); its handlers read no local that the loop assigns (keep such state in an object's fields);
/// and the loop leaves a try with a <c>finally</c> only to return.</item>
/// </list>
/// </remarks>
public static partial class Jit
{
    /// <summary>
    /// Returns <paramref name="value"/>; from here on the JIT treats it as green (a compile-time constant).
    /// </summary>
    /// <remarks>
    /// Rules:
    /// <list type="number">
    /// <item>The residual code switches on the value at run time; each value seen is specialized on first use.</item>
    /// <item>Use it for values that take few distinct values at one place (a type tag, a shape, a small count).</item>
    /// </list>
    /// </remarks>
    /// <typeparam name="T">Type of the value.</typeparam>
    /// <param name="value">The value to promote.</param>
    /// <returns><paramref name="value"/> unchanged.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Promote<T>(T value) => value;

    /// <summary>
    /// Returns <paramref name="value"/>; from here on the JIT treats its exact class as green, while the reference
    /// itself stays red (known only when the compiled code runs).
    /// </summary>
    /// <remarks>
    /// Rules:
    /// <list type="number">
    /// <item>The residual code guards on the class (<c>value.GetType()</c> against each class seen here so far, a
    /// null reference being a case of its own) and goes on, per class, with the class known.</item>
    /// <item>With the class known, type tests (<c>is</c>, <c>as</c>, casts), <c>GetType()</c> and its comparisons,
    /// null tests, and virtual or interface calls on the returned value (and on what those tests and casts return)
    /// are decided while specializing: a call goes to the class's override, inlined and specialized.</item>
    /// <item>A class not seen here before leaves compiled code in the middle of the step (the interpreter finishes
    /// the step); once it recurs, the unit is specialized again with a case for it.</item>
    /// <item>Past <c>MaxCasesPerPromotion</c> classes, one more path serves every other class (and null, when it has
    /// no case): the type tests and virtual calls themselves, as the interpreter runs them, with no exit.</item>
    /// <item>Use it on a value whose class few alternatives cover at this place: the operands of an arithmetic
    /// instruction over boxed numbers, the receiver of a polymorphic operation.</item>
    /// </list>
    /// </remarks>
    /// <typeparam name="T">Static type of the value (a reference type).</typeparam>
    /// <param name="value">The value whose class to promote; may be null.</param>
    /// <returns><paramref name="value"/> unchanged.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T PromoteClass<T>(T value) where T : class? => value;

    /// <summary>
    /// Asserts that <paramref name="value"/> is green: the binding-time analysis reports an error, with the reason,
    /// if it is not. Does nothing at run time.
    /// </summary>
    /// <typeparam name="T">Type of the value.</typeparam>
    /// <param name="value">The value that must be a compile-time constant of the specialized code.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AssertGreen<T>(T value) { }
}

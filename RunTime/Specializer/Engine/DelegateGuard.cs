using PeJit.IR;

namespace PeJit.Specializer.Engine;

/// <summary>
/// The residual test of a <c>Jit.Promote</c> case whose value is a delegate: the delegate at run time is the case
/// when it calls the same method on the same target object (both by identity), whatever delegate object holds
/// them. A reference test of the delegate would miss every delegate made afresh for the same method (a method
/// group converted on each call, a lambda the compiler does not cache), and those would leave compiled code on
/// every turn. What the compiled case depends on is exactly the method it inlined and the target object it
/// specialized on, so those two are what is compared, by identity, rather than whatever a delegate's
/// <c>Equals</c> takes into account.
/// </summary>
public static class DelegateGuard
{
    /// <summary>
    /// True when <paramref name="candidate"/> is the case's delegate <paramref name="expected"/> itself, or a
    /// delegate of the same type with one target that calls the same method on the same target object (null for
    /// a static method). Typed <c>object</c> so that residual code passes what it holds without a cast.
    /// </summary>
    public static bool Matches(object? candidate, object expected)
    {
        if (ReferenceEquals(candidate, expected)) return true;
        return candidate is Delegate actual && expected is Delegate wanted && actual.GetType() == wanted.GetType() && actual.HasSingleTarget
            && ReferenceEquals(actual.Target, wanted.Target) && actual.Method == wanted.Method;
    }

    /// <summary>The IR reference to <see cref="Matches"/>, resolved through its <see cref="MethodRef.Origin"/>.</summary>
    public static MethodRef MatchesMethod { get; } = new(
        "System.Boolean PeJit.Specializer.Engine.DelegateGuard::Matches(System.Object,System.Object)", hasThis: false,
        origin: typeof(DelegateGuard).GetMethod(nameof(Matches)))
    { IsPure = true };
}

namespace PeJit.Backends.Amd64.Lowering;

/// <summary>
/// Why native code leaves at a guard: each is the exception the CLR would throw at that instruction, which the
/// managed entry stub throws in its place (native code never faults: a fault there would kill the process).
/// </summary>
public enum ExitReason
{
    /// <summary>An array access through null: <see cref="NullReferenceException"/>.</summary>
    NullReference,
    /// <summary>An element index outside the array: <see cref="IndexOutOfRangeException"/>.</summary>
    IndexOutOfRange,
    /// <summary>A division or remainder by zero: <see cref="DivideByZeroException"/>.</summary>
    DivideByZero,
    /// <summary><c>MinValue / -1</c>, <c>MinValue % -1</c>, or checked arithmetic that overflowed: <see cref="OverflowException"/>.</summary>
    Overflow,
    /// <summary>
    /// Not a guard: native code reached a block the managed stub runs (a tail: the exit buffer written, the state
    /// boxed), after storing the values that block needs.
    /// </summary>
    Transition,

    /// <summary>A static helper native code called threw: the stub rethrows that very exception (<c>HelperCalls</c>).</summary>
    HelperThrew,
}

using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;

namespace PeJit.Runtime;

/// <summary>
/// Keeps deep recursion through compiled code from overflowing the stack sooner than the plain interpreter.
/// </summary>
/// <remarks>
/// Strategy: an interpreted call made from compiled code stacks more .NET frames than the plain interpreter's
/// one frame per call (the portal, the runtime's entry, the unit, and the portal again), so a program that
/// recurses deep enough to run in the plain interpreter would die with "Stack overflow." JIT-enabled. Fewer
/// frames would only move that limit; what removes it is more stack. When the runtime is entered with
/// little stack left (<see cref="RuntimeHelpers.TryEnsureSufficientExecutionStack"/>, the check the .NET
/// libraries use for deep expression trees), the call continues on a new thread with a large stack while
/// the calling thread waits, as Roslyn's and System.Linq.Expressions' stack guards do. Everything compiled
/// code calls from there, the interpreter included, runs on that stack. The result, or the exception with
/// its original stack trace, comes back to the caller, so the program sees no difference, except that the
/// code below that point runs on another thread: a lock the interpreter holds further up is held by the
/// waiting thread, and a <c>[ThreadStatic]</c> field reads another value. That is the price of not
/// crashing where the process would otherwise have run out of stack; it is only paid there.
/// Recursion that never ends still ends: after <see cref="MaxHops"/> nested moves the call stays where it
/// is and overflows, as it would in the plain interpreter.
/// </remarks>
internal static class StackGuard
{
    /// <summary>The stack of each thread a deep call moves to: 16 MB, twice what the main thread has on Linux, committed only as it is used.</summary>
    private const int FreshStackSize = 16 << 20;

    /// <summary>Nested moves allowed, so that unbounded recursion overflows instead of starting threads without end: at most 16 × 16 MB of stack.</summary>
    private const int MaxHops = 16;

    [ThreadStatic]
    private static int hops;

    /// <summary>Whether the current thread is so deep in its stack that the runtime should continue on a fresh one.</summary>
    public static bool StackIsLow => !RuntimeHelpers.TryEnsureSufficientExecutionStack() && hops < MaxHops;

    /// <summary>Runs <paramref name="call"/> on a new thread with a large stack, waits for it, and returns its result or rethrows its exception.</summary>
    public static int OnFreshStack<TState>(Func<TState, int> call, TState state)
    {
        int result = 0;
        ExceptionDispatchInfo? failure = null;
        ExceptionDispatchInfo? thrown = null;
        int depth = hops + 1;
        var culture = CultureInfo.CurrentCulture;
        var uiCulture = CultureInfo.CurrentUICulture;
        var thread = new Thread(() =>
        {
            hops = depth;
            CultureInfo.CurrentCulture = culture;
            CultureInfo.CurrentUICulture = uiCulture;
            try
            {
                result = call(state);
                // A step's exception waits for the portal on this thread: hand it to the caller's.
                if (result == (int)CanEnterJitStatus.Threw) thrown = PortalRuntime.TakePendingThrow();
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
        }, FreshStackSize)
        {
            Name = "pejit deep call",
            IsBackground = true,
        };
        thread.Start();
        thread.Join();
        failure?.Throw();
        if (thrown is not null) PortalRuntime.SetPendingThrow(thrown);
        return result;
    }
}

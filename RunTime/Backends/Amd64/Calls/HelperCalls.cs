using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;

namespace PeJit.Backends.Amd64.Calls;

/// <summary>
/// The one trampoline native code calls static helpers through: an <see cref="UnmanagedCallersOnlyAttribute"/> method that
/// finds the unit's call table, makes the call, and returns a status instead of letting an exception out (an
/// exception escaping into native frames kills the process).
/// </summary>
/// <remarks>
/// The helper's exception is kept for the thread (<see cref="TakeThrown"/>): native code takes its call site's
/// exit, returns that exit's number to the managed stub on the same thread, and the stub rethrows the very same
/// exception object with its stack trace (<see cref="ExceptionDispatchInfo"/>), so the interpreter sees what it
/// would have seen from the call in a CIL unit.
/// </remarks>
public static unsafe class HelperCalls
{
    [ThreadStatic]
    private static ExceptionDispatchInfo? thrown;

    /// <summary>The trampoline's address: <c>long Call(nint context, int site, long* words)</c>, System V.</summary>
    public static nint Address { get; } = (nint)(delegate* unmanaged<nint, int, long*, long>)&Call;

    /// <summary>
    /// Calls site <paramref name="site"/> of the table <paramref name="context"/> (a <see cref="GCHandle"/> of a
    /// <see cref="HelperCallTable"/>) with <paramref name="words"/>; writes the result to <c>words[0]</c>. Returns 0,
    /// or 1 when the helper threw (the exception is kept for <see cref="TakeThrown"/>).
    /// </summary>
    [UnmanagedCallersOnly]
    private static long Call(nint context, int site, long* words)
    {
        try
        {
            var table = (HelperCallTable)GCHandle.FromIntPtr(context).Target!;
            words[0] = table.Invoke(site, words);
            return 0;
        }
        catch (Exception e)
        {
            thrown = ExceptionDispatchInfo.Capture(e);
            return 1;
        }
    }

    /// <summary>The exception the last helper called on this thread threw, taken (the stub rethrows it).</summary>
    public static ExceptionDispatchInfo TakeThrown()
    {
        var e = thrown ?? throw new InvalidOperationException("native code left at a helper-threw exit, but no helper threw on this thread");
        thrown = null;
        return e;
    }
}

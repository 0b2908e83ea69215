namespace PeJit.Tests.Optimizer;

/// <summary>
/// An exception an interpreter's code raises and its own handler catches (as Lua's <c>error()</c> under <c>pcall</c>):
/// not a <see cref="SystemException"/>, so the runtime's own exceptions (null references, bounds) are never one. The
/// <c>throws</c> pass tests raise it and catch it in one graph.
/// </summary>
public sealed class RaisedError : Exception
{
    /// <summary>A code the handler reads.</summary>
    public long Code;

    /// <summary>An error with <paramref name="code"/>.</summary>
    public RaisedError(long code) => Code = code;

    /// <summary>An error with <paramref name="code"/>, or null for a negative code (a helper that builds the exception, whose result may be null).</summary>
    public static RaisedError? Make(long code) => code < 0 ? null : new RaisedError(code);
}

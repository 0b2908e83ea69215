namespace PeJit.Backends;

/// <summary>
/// What a backend made of one graph, and the two ways to enter it. Exceptions the code throws come out as
/// themselves (never wrapped in a <see cref="System.Reflection.TargetInvocationException"/>).
/// </summary>
public interface ICompiledCode
{
    /// <summary>The <see cref="IBackend.Name"/> of the backend that made it.</summary>
    string Backend { get; }

    /// <summary>
    /// Enters a compiled unit: a residual graph of the engine's unit shape, which takes
    /// <c>(object[] constants, object?[] exit, object?[] state)</c> and returns the portal's result boxed (see
    /// <c>PeJit.Specializer.Engine.Unit</c>). This is the call the runtime makes each time compiled code is
    /// entered, so a backend makes it cheap (the CIL backend: one delegate call).
    /// </summary>
    /// <exception cref="InvalidOperationException">The graph was not of the unit shape; call <see cref="Invoke"/>.</exception>
    object? Run(object[] constants, object?[] exit, object?[] state);

    /// <summary>
    /// Calls the code with <paramref name="arguments"/>, one per graph parameter (primitives boxed as their own
    /// type), and returns its result boxed (null for <c>void</c>). For graphs of any signature: the portal copy
    /// of <c>PortalJit</c> and the backend tests; slower than <see cref="Run"/>.
    /// </summary>
    object? Invoke(params object?[] arguments);

    /// <summary>
    /// The runtime will not enter this code again (the code cache evicted its unit, or replaced it by a recompiled
    /// one): a backend gives back what the GC does not collect (AMD64: its code and data blocks) once no thread is
    /// inside. A thread that found the code just before and enters it afterwards still gets what the graph says.
    /// </summary>
    void Drop();
}

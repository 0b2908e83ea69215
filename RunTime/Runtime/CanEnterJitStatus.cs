namespace PeJit.Runtime;

/// <summary>
/// What the run-time hook a rewritten portal calls at each <c>Jit.CanEnterJit</c> answers
/// (<c>JitRuntime.CanEnterJit</c> for an assembly <c>pejit build</c> wove, <c>JitHooks.CanEnterJit</c> in
/// process), as an <c>int</c>: the portal switches on it, so each value is the index of its case in that
/// switch (<see cref="PortalProtocol.StatusCases"/>). It is defined here, in the runtime that answers it; the
/// weaver that emits the switch (at build time) references the runtime.
/// </summary>
/// <remarks>The hooks keep returning <c>int</c>, because woven assemblies bind to that signature.</remarks>
public enum CanEnterJitStatus
{
    /// <summary>Go on interpreting: no compiled code was entered; the state is unchanged.</summary>
    Interpret = 0,

    /// <summary>
    /// Compiled code ran the program to its return: the portal returns the result, which is in the state at
    /// <see cref="PortalProtocol.Result"/> (nothing for a void portal).
    /// </summary>
    Returned = 1,

    /// <summary>
    /// Compiled code left at an exit: the state holds the merge-point variables there, in the order they were
    /// passed; the portal reloads them and goes to its merge point.
    /// </summary>
    Exited = 2,

    /// <summary>
    /// Compiled code threw in a step (a portal with exception regions): the state holds the merge-point variables
    /// at the start of that step, as for <see cref="Exited"/>; the portal reloads them and, inside its own
    /// exception regions around the merge point, throws the exception again by calling the runtime's
    /// <c>ThrowPending</c> (<c>JitRuntime.ThrowPending</c>, <c>JitHooks.ThrowPending</c>), so that its handlers
    /// run once, as the interpreter's would have.
    /// </summary>
    Threw = 3,
}

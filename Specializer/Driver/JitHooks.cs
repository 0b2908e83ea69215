namespace PeJit.Specializer.Driver;

/// <summary>
/// What JIT-enabled portal code calls at run time. Static, so that the rewritten portal can call it
/// directly from emitted code.
/// </summary>
public static class JitHooks
{
    private static readonly List<PortalJit> Portals = [];

    /// <summary>Registers a portal; the returned id is what its rewritten code passes back.</summary>
    internal static int Register(PortalJit portal)
    {
        lock (Portals)
        {
            Portals.Add(portal);
            return Portals.Count - 1;
        }
    }

    /// <summary>
    /// Called at each <c>Jit.CanEnterJit</c> with the merge-point state (greens, then reds, boxed).
    /// Returns 0 to go on interpreting; 1 when compiled code ran the program to its return (the result is
    /// then in <paramref name="state"/>[0]); 2 when compiled code left at an exit (<paramref name="state"/>
    /// then holds the merge-point variables there).
    /// </summary>
    public static int CanEnterJit(int portal, object?[] state)
    {
        PortalJit jit;
        lock (Portals) jit = Portals[portal];
        return jit.OnCanEnterJit(state);
    }
}

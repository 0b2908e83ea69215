namespace PeJit.Runtime;

/// <summary>
/// What the portal copies <see cref="PortalJit"/> compiles in process call at run time. Static, so that
/// emitted code can call it directly; portals are known by the index it hands out.
/// </summary>
public static class JitHooks
{
    private static readonly List<PortalRuntime> Portals = [];

    /// <summary>Registers a portal; the returned id is what its rewritten code passes back.</summary>
    internal static int Register(PortalRuntime portal)
    {
        lock (Portals)
        {
            Portals.Add(portal);
            return Portals.Count - 1;
        }
    }

    /// <summary>See <see cref="PortalRuntime.OnCanEnterJit"/>.</summary>
    public static int CanEnterJit(int portal, object?[] state)
    {
        if (StackGuard.StackIsLow) return StackGuard.OnFreshStack(static call => CanEnterJit(call.portal, call.state), (portal, state));
        PortalRuntime runtime;
        lock (Portals) runtime = Portals[portal];
        return runtime.OnCanEnterJit(state);
    }
}

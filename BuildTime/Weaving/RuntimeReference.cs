namespace PeJit.Weaving;

/// <summary>
/// The run-time assembly JIT-enabled code calls (PeJit.Runtime), named rather than referenced: the runtime
/// depends on the specializer, not the other way round.
/// </summary>
/// <param name="AssemblyName">Its name and version, as the rewritten assembly will reference it.</param>
public sealed record RuntimeReference(System.Reflection.AssemblyName AssemblyName)
{
    /// <summary>The namespace of its types.</summary>
    public const string Namespace = "PeJit.Runtime";

    /// <summary>The static class whose <c>CanEnterJit(RuntimeMethodHandle, object[], int)</c> portals call on their slow path.</summary>
    public const string HooksType = "JitRuntime";

    /// <summary>The static class whose <c>Disabled</c> and <c>For(RuntimeMethodHandle)</c> portals read on their fast path.</summary>
    public const string CountersType = "PortalCounters";

    /// <summary>The assembly attribute that marks a JIT-enabled assembly: <c>(int threshold, string backend)</c>.</summary>
    public const string MarkerType = "JitEnabledAttribute";
}

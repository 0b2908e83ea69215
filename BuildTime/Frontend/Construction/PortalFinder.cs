using Mono.Cecil;
using PeJit.IR;

namespace PeJit.Frontend.Construction;

/// <summary>Finds the methods an interpreter marks with <c>[JitPortal]</c>.</summary>
public static class PortalFinder
{
    /// <summary>Full name of the portal attribute in PeJit.Hints.</summary>
    public const string PortalAttribute = HintNames.JitPortal;

    /// <summary>Every method of <paramref name="module"/> carrying <c>[JitPortal]</c>, in metadata order.</summary>
    public static IReadOnlyList<MethodDefinition> FindPortals(ModuleDefinition module) =>
        module.GetTypes().SelectMany(t => t.Methods)
            .Where(m => m.CustomAttributes.Any(a => a.AttributeType.FullName == PortalAttribute))
            .ToList();
}

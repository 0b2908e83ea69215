using PeJit.Frontend.Construction;
using Mono.Cecil;
using PeJit.IR;

namespace PeJit.Analysis.Hints;

/// <summary>What a <c>[JitPortal]</c> attribute declares: the method and its greens and reds, in order.</summary>
/// <param name="Method">The portal method.</param>
/// <param name="Greens">Names of the green variables.</param>
/// <param name="Reds">Names of the red variables.</param>
public sealed record PortalHints(MethodDefinition Method, IReadOnlyList<string> Greens, IReadOnlyList<string> Reds)
{
    /// <summary>Greens then reds: the argument list every merge point and can-enter-JIT point must pass.</summary>
    public IReadOnlyList<string> Variables => [.. Greens, .. Reds];

    /// <summary>Reads the attribute on <paramref name="method"/>, or null when it has none.</summary>
    public static PortalHints? Read(MethodDefinition method)
    {
        var attribute = method.CustomAttributes.FirstOrDefault(a => a.AttributeType.FullName == HintNames.JitPortal);
        if (attribute is null) return null;
        return new PortalHints(method, Names(attribute, "Greens"), Names(attribute, "Reds"));
    }

    private static IReadOnlyList<string> Names(CustomAttribute attribute, string property)
    {
        var named = attribute.Properties.FirstOrDefault(p => p.Name == property);
        if (named.Name is null || named.Argument.Value is not CustomAttributeArgument[] items) return [];
        return items.Select(i => i.Value as string ?? "").ToList();
    }
}

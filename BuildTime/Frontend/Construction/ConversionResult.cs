using Mono.Cecil;
using PeJit.IR;

namespace PeJit.Frontend.Construction;

/// <summary>The outcome of converting one method: a graph, or the reason the method stays opaque.</summary>
public sealed class ConversionResult
{
    private ConversionResult(MethodDefinition method, FlowGraph? graph, string? opaqueReason)
    {
        Method = method;
        Graph = graph;
        OpaqueReason = opaqueReason;
    }

    /// <summary>The method converted.</summary>
    public MethodDefinition Method { get; }

    /// <summary>The graph, when conversion succeeded.</summary>
    public FlowGraph? Graph { get; }

    /// <summary>Why the method is opaque (calls to it stay calls; nothing looks inside), when conversion failed.</summary>
    public string? OpaqueReason { get; }

    /// <summary>True when the method could not be converted.</summary>
    public bool IsOpaque => Graph is null;

    /// <summary>A successful conversion.</summary>
    public static ConversionResult Success(MethodDefinition method, FlowGraph graph) => new(method, graph, null);

    /// <summary>An opaque method with its reason.</summary>
    public static ConversionResult Opaque(MethodDefinition method, string reason) => new(method, null, reason);
}

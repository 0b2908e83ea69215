using Mono.Cecil;
using PeJit.IR;

namespace PeJit.Frontend.Construction;

/// <summary>The outcome of converting one method: a graph, or the reason the method stays opaque.</summary>
public sealed class ConversionResult
{
    private ConversionResult(MethodDefinition method, FlowGraph? graph, string? opaqueReason, SourceLocation? location = null,
        string? document = null, string? advice = null)
    {
        Method = method;
        Graph = graph;
        OpaqueReason = opaqueReason;
        Location = location ?? SourceLocation.None;
        Document = document;
        Advice = advice;
    }

    /// <summary>The method converted.</summary>
    public MethodDefinition Method { get; }

    /// <summary>The graph, when conversion succeeded.</summary>
    public FlowGraph? Graph { get; }

    /// <summary>Why the method is opaque (calls to it stay calls; nothing looks inside), when conversion failed.</summary>
    public string? OpaqueReason { get; }

    /// <summary>The construct that made the method opaque, without its place (<see cref="OpaqueReason"/> with it).</summary>
    public string? Construct { get; private init; }

    /// <summary>Where the construct that made the method opaque is (IL offset -1 and line 0 when unknown).</summary>
    public SourceLocation Location { get; }

    /// <summary>The source file of <see cref="Location"/>'s line, when the assembly has debug information.</summary>
    public string? Document { get; }

    /// <summary>What to do about that construct, when it has advice of its own.</summary>
    public string? Advice { get; }

    /// <summary>True when the method could not be converted.</summary>
    public bool IsOpaque => Graph is null;

    /// <summary>A successful conversion.</summary>
    public static ConversionResult Success(MethodDefinition method, FlowGraph graph) => new(method, graph, null);

    /// <summary>An opaque method with its reason.</summary>
    public static ConversionResult Opaque(MethodDefinition method, string reason, SourceLocation? location = null, string? document = null,
        string? advice = null) => new(method, null, reason, location, document, advice) { Construct = reason };

    /// <summary>An opaque method with the construct that made it so, found at <paramref name="location"/> (named in its reason).</summary>
    public static ConversionResult OpaqueAt(MethodDefinition method, string construct, SourceLocation location, string? document, string? advice) =>
        new(method, null, location.ILOffset >= 0 ? $"{construct} at IL_{location.ILOffset:x4}" : construct, location, document, advice) { Construct = construct };
}

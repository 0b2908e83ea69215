using Mono.Cecil;
using PeJit.IR;

namespace PeJit.Frontend.Construction;

/// <summary>The outcome of converting one method: a graph, or the reason the method stays opaque.</summary>
public sealed class ConversionResult
{
    private ConversionResult(MethodDefinition method, FlowGraph? graph, string? construct, SourceLocation? location = null,
        string? document = null, string? advice = null)
    {
        Method = method;
        Graph = graph;
        Construct = construct;
        Location = location ?? SourceLocation.None;
        Document = document;
        Advice = advice;
    }

    /// <summary>The method converted.</summary>
    public MethodDefinition Method { get; }

    /// <summary>The graph, when conversion succeeded.</summary>
    public FlowGraph? Graph { get; }

    /// <summary>
    /// Why the method is opaque (calls to it stay calls; nothing looks inside), when conversion failed: the
    /// <see cref="Construct"/> and, when known, its IL offset.
    /// </summary>
    public string? OpaqueReason => Construct is null || Location.ILOffset < 0 ? Construct : $"{Construct} at IL_{Location.ILOffset:x4}";

    /// <summary>The construct that made the method opaque, without its place.</summary>
    public string? Construct { get; }

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

    /// <summary>An opaque method with the construct that made it so, and where it is when known.</summary>
    public static ConversionResult Opaque(MethodDefinition method, string construct, SourceLocation? location = null, string? document = null,
        string? advice = null) => new(method, null, construct, location, document, advice);
}

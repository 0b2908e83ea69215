using Mono.Cecil;
using PeJit.Analysis.BindingTimes;
using PeJit.Analysis.Diagnostics;

namespace PeJit.Analysis;

/// <summary>Everything the binding-time analysis found in one interpreter assembly.</summary>
public sealed class AnalysisResult
{
    internal AnalysisResult(ModuleDefinition module) => Module = module;

    /// <summary>The interpreter's module.</summary>
    public ModuleDefinition Module { get; }

    /// <summary>Each <c>[JitPortal]</c> method with what was found for it.</summary>
    public List<PortalAnalysis> Portals { get; } = [];

    /// <summary>Errors and warnings, in the order found.</summary>
    public List<Diagnostic> Diagnostics { get; } = [];

    /// <summary>Every annotated graph (one per method and binding-time signature).</summary>
    public List<AnnotatedGraph> Graphs { get; } = [];

    /// <summary>
    /// The captured variables (fields of compiler-generated closure classes) read on a green closure, each with why the
    /// read is green (written only before the closure escapes) or red (the write that may change it): the model the text,
    /// JSON and HTML reports write from.
    /// </summary>
    public IReadOnlyDictionary<FieldDefinition, CapturedVariable> CapturedVariables => capturedVariables;

    internal readonly Dictionary<FieldDefinition, CapturedVariable> capturedVariables = [];

    /// <summary>How much work the analysis did, for tests of how it scales.</summary>
    public AnalysisStatistics Statistics { get; } = new();

    /// <summary>True when some diagnostic is an error: the interpreter cannot be JIT-enabled as written.</summary>
    public bool HasErrors => Diagnostics.Any(d => d.Severity == Severity.Error);
}

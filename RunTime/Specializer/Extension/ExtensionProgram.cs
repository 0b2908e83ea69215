using PeJit.Analysis.BindingTimes;

namespace PeJit.Specializer.Extension;

/// <summary>
/// A portal's generating extension in compact form: the portal's graph and every graph it may inline, each an
/// <see cref="ExtensionGraph"/>, compiled once (<see cref="ExtensionCompiler.Compile"/>) before any unit is
/// specialized.
/// </summary>
public sealed class ExtensionProgram
{
    internal ExtensionProgram(ExtensionGraph portal, IReadOnlyDictionary<AnnotatedGraph, ExtensionGraph> graphs, int accessDelegates, TimeSpan compileTime)
    {
        Portal = portal;
        Graphs = graphs;
        AccessDelegates = accessDelegates;
        CompileTime = compileTime;
    }

    /// <summary>How long compiling it took (decoding and building the delegates).</summary>
    public TimeSpan CompileTime { get; }

    /// <summary>The portal's graph.</summary>
    public ExtensionGraph Portal { get; }

    /// <summary>Every compiled graph, by the annotated graph it came from.</summary>
    public IReadOnlyDictionary<AnnotatedGraph, ExtensionGraph> Graphs { get; }

    /// <summary>How many load and call delegates were compiled (sites of the same member share one).</summary>
    public int AccessDelegates { get; }

    /// <summary>The compact form as text (<see cref="ExtensionPrinter"/>).</summary>
    public string Print() => ExtensionPrinter.Print(this);
}

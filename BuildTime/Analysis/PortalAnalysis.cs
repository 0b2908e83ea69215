using PeJit.Analysis.BindingTimes;
using PeJit.Analysis.Hints;
using PeJit.IR;

namespace PeJit.Analysis;

/// <summary>One portal: its hints, its annotated graph, its merge point, and the graphs it reaches.</summary>
public sealed class PortalAnalysis
{
    internal PortalAnalysis(PortalHints hints) => Hints = hints;

    /// <summary>What the <c>[JitPortal]</c> attribute declares.</summary>
    public PortalHints Hints { get; }

    /// <summary>The portal's annotated graph; null when the portal could not be converted or validated.</summary>
    public AnnotatedGraph? Graph { get; internal set; }

    /// <summary>The <c>Jit.MergePoint</c> call, when there is exactly one.</summary>
    public Instruction? MergePoint { get; internal set; }

    /// <summary>The block holding the merge point.</summary>
    public Block? MergeBlock { get; internal set; }

    /// <summary>The values the merge point declares green (the green key) and red, in order.</summary>
    public IReadOnlyList<Value> MergeVariables { get; internal set; } = [];

    /// <summary>Reds the merge point does not pass because they cannot change (<c>this</c> of an instance portal).</summary>
    public IReadOnlyList<Value> ImplicitReds { get; internal set; } = [];

    /// <summary>
    /// The analyzed module's <c>[Virtualizable]</c> classes whose names check (<see cref="VirtualizableHints"/>) and that a value
    /// of the portal's graphs has as its type, stored with the extension program.
    /// </summary>
    public IReadOnlyList<VirtualizableFrame> Virtualizables { get; internal set; } = [];

    /// <summary>
    /// The reds whose type is one of <see cref="Virtualizables"/>: the merge-point variables after the greens, then the implicit
    /// <c>this</c> of an instance portal (an interpreter whose state is fields of the interpreter object itself, its stack pointer
    /// and stack, virtualizes that object). What the BTA report names.
    /// </summary>
    public IEnumerable<Value> VirtualizableReds(FlowGraph graph)
    {
        for (int i = Hints.Greens.Count; i < MergeVariables.Count; i++)
        {
            string type = graph.TypeOf(MergeVariables[i]).Name;
            if (Virtualizables.Any(v => v.ClassName == type)) yield return MergeVariables[i];
        }
        foreach (var red in ImplicitReds)
            if (Virtualizables.Any(v => v.ClassName == graph.TypeOf(red).Name)) yield return red;
    }

    /// <summary>Every annotated graph the portal reaches through inlined calls, the portal's first.</summary>
    public List<AnnotatedGraph> Reachable { get; } = [];
}

using PeJit.IR;

namespace PeJit.Specializer.Extension;

/// <summary>
/// What the engine and the run time need to know of a portal besides its graphs, copied from the analysis when
/// the extension program is compiled: where the merge point is and which variables it names.
/// </summary>
/// <param name="Name">The portal method's name (residual graphs are named after it).</param>
/// <param name="FullName">The portal method's full name (for messages).</param>
/// <param name="MergePoint">The <c>Jit.MergePoint</c> call in the portal's graph (<see cref="ExtensionProgram.Portal"/>).</param>
/// <param name="MergeBlock">The block that holds <paramref name="MergePoint"/>.</param>
/// <param name="MergeVariables">The merge point's variables: greens, then reds, as declared.</param>
/// <param name="GreenCount">How many of <paramref name="MergeVariables"/> are green.</param>
/// <param name="ImplicitReds">Reds the portal carries without declaring them (<c>this</c>), after the declared ones.</param>
public sealed record PortalShape(
    string Name,
    string FullName,
    Instruction MergePoint,
    Block MergeBlock,
    IReadOnlyList<Value> MergeVariables,
    int GreenCount,
    IReadOnlyList<Value> ImplicitReds)
{
    /// <summary>
    /// The <c>[Virtualizable]</c> classes the portal's reds may be, validated by the analysis: every residual graph of the
    /// portal carries them (<see cref="FlowGraph.Virtualizables"/>) for the optimizer. Empty for none.
    /// </summary>
    public IReadOnlyList<VirtualizableFrame> Virtualizables { get; init; } = [];
}

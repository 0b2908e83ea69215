using PeJit.Frontend.IR;

namespace PeJit.Analysis.Hints;

/// <summary>Where a validated portal's merge point is and what it declares.</summary>
/// <param name="MergePoint">The <c>Jit.MergePoint</c> call.</param>
/// <param name="MergeBlock">The block holding it.</param>
/// <param name="Variables">The merge point's operands: greens, then reds.</param>
/// <param name="GreenCount">How many of <paramref name="Variables"/> are green.</param>
public sealed record PortalShape(Instruction MergePoint, Block MergeBlock, IReadOnlyList<Value> Variables, int GreenCount);

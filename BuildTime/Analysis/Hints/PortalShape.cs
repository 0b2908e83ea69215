using PeJit.IR;

namespace PeJit.Analysis.Hints;

/// <summary>Where a validated portal's merge point is and what it declares.</summary>
/// <param name="MergePoint">The <c>Jit.MergePoint</c> call.</param>
/// <param name="MergeBlock">The block holding it.</param>
/// <param name="Variables">The merge point's operands: greens, then reds.</param>
/// <param name="GreenCount">How many of <paramref name="Variables"/> are green.</param>
/// <param name="ImplicitReds">
/// Reds the merge point does not pass because they cannot change: <c>this</c> of an instance portal on a
/// class. Compiled code takes them with the state, after the merge point's variables.
/// </param>
public sealed record PortalShape(Instruction MergePoint, Block MergeBlock, IReadOnlyList<Value> Variables, int GreenCount, IReadOnlyList<Value> ImplicitReds);

namespace PeJit.IR.Graphs;

/// <summary>
/// An ordinary edge into a block: target <see cref="Index"/> of <see cref="Source"/>'s terminator, which is
/// <see cref="Call"/> (the arguments it passes to the target's parameters).
/// </summary>
/// <param name="Source">The block the jump leaves.</param>
/// <param name="Index">The position of <paramref name="Call"/> among the terminator's targets.</param>
/// <param name="Call">The jump's target and arguments.</param>
public readonly record struct Edge(Block Source, int Index, BlockCall Call);

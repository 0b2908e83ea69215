using PeJit.IR;

namespace PeJit.Analysis.BindingTimes;

/// <summary>A loop of an annotated graph: its blocks, header and treatment.</summary>
/// <param name="Header">The block control enters the loop through.</param>
/// <param name="Blocks">Every block in the loop.</param>
/// <param name="Treatment">Unrolled, generalized, or the dispatch loop.</param>
/// <param name="Location">Where the loop's header starts.</param>
public sealed record LoopInfo(Block Header, IReadOnlyList<Block> Blocks, LoopTreatment Treatment, SourceLocation Location);

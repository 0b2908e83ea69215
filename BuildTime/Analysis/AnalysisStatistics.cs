namespace PeJit.Analysis;

/// <summary>
/// How much work the binding-time analysis did: counts that grow with the size of the interpreter and
/// the number of rounds the fixpoint takes, so tests can check how the analysis scales without timing it.
/// </summary>
public sealed class AnalysisStatistics
{
    /// <summary>Runs of a graph's fixpoint: one per annotated graph, plus one each time a callee's return binding time changes under it.</summary>
    public int GraphRuns { get; internal set; }

    /// <summary>Instructions whose rule was evaluated, over every run (an instruction re-evaluated counts again).</summary>
    public long InstructionVisits { get; internal set; }
}

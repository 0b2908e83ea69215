using PeJit.IR;

namespace PeJit.IR.Evaluation;

/// <summary>One frame of an interrupted interpreter step, for <see cref="GraphEvaluator.Resume"/>.</summary>
/// <param name="Graph">The method's graph.</param>
/// <param name="Block">The block it stands in.</param>
/// <param name="Index">The instruction to run next in <paramref name="Block"/>.</param>
/// <param name="Values">The values defined so far that the rest may use (CLR values; normalized on the way in).</param>
/// <param name="CallResult">For a frame that stands after a call: the value that receives what the call returned.</param>
/// <remarks>
/// Dictionaries, not their read-only interfaces: <see cref="GraphEvaluator.Resume"/> enumerates them, and an interface's
/// boxed enumerator over <see cref="Value"/> or <see cref="Slot"/> keys is code .NET compiles at the first mid-step exit of
/// every process (Docs/PERFORMANCE.md, "cold7").
/// </remarks>
public sealed record ResumeFrame(FlowGraph Graph, Block Block, int Index, Dictionary<Value, object?> Values, Value? CallResult)
{
    /// <summary>The contents of the method's locals (slots) set so far, in stack form; the others start as a fresh frame's do.</summary>
    public Dictionary<Slot, object?>? Slots { get; init; }

    /// <summary>
    /// Regions of <see cref="Graph"/> whose handlers are not the evaluator's to run: an exception that reaches one
    /// leaves the frame unhandled (its finally or fault handler not run), and a <c>leave</c> out of one runs no
    /// finally. The caller runs them itself: the portal's tries around its merge point, whose handlers the
    /// interpreter runs when a step's exception or return is handed back to it. Null for none.
    /// </summary>
    public IReadOnlySet<Region>? OuterRegions { get; init; }

    /// <summary>For a frame that stands inside a catch handler: the exception it handles (what <c>rethrow</c> throws); null for none.</summary>
    public Exception? Caught { get; init; }
}

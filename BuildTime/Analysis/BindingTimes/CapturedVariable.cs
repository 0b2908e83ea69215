using Mono.Cecil;

namespace PeJit.Analysis.BindingTimes;

/// <summary>
/// What the analysis found of one captured variable (a field of a compiler-generated closure class, Docs/bta.md rule 9):
/// fixed (a read on a green closure is green) with the methods that write it, or changing with the first write that says
/// so, its IL offset, why, and the escape of the closure before it. The one model every report writes from
/// (<see cref="CapturedVariables.Explain"/>): the text report prints <see cref="Text"/>, the JSON report the fields.
/// </summary>
/// <param name="Field">The captured variable.</param>
/// <param name="Fixed">True when it never changes once code that reads it can run.</param>
/// <param name="Writers">The methods that write it, by name, sorted; empty when nothing in the analyzed assemblies does.</param>
/// <param name="Kind">Why, in one word: <c>fixed</c>, <c>neverWritten</c>, <c>writtenWithoutMakingTheClosure</c>,
/// <c>addressTaken</c>, <c>writtenAfterStored</c>, <c>writtenAfterRead</c>.</param>
/// <param name="WriteMethod">The write that may change it: its method (null when fixed or never written).</param>
/// <param name="WriteOffset">That write's IL offset.</param>
/// <param name="Escape">The escape of the closure before that write: the field it is stored into, or the method made
/// into a delegate or called that reads the variable; null when the write needs none to be a change.</param>
/// <param name="EscapeOffset">That escape's IL offset, in <paramref name="WriteMethod"/>.</param>
/// <param name="Text">The same in words, as the text report and the red reason of a read say it.</param>
public sealed record CapturedVariable(FieldDefinition Field, bool Fixed, IReadOnlyList<string> Writers, string Kind,
    string? WriteMethod, int? WriteOffset, string? Escape, int? EscapeOffset, string Text);

using PeJit.IR;

namespace PeJit.Specializer.Engine;

/// <summary>
/// Where a <c>Jit.Promote</c> or <c>Jit.PromoteClass</c> has its cases: the green key of the step that reaches it
/// and the call in the interpreter's graph. One call of the interpreter (a binary-operation handler) is reached
/// from many positions of the interpreted program; each position sees its own values, as each PyPy trace has a
/// guard of its own at its own position. Cases recorded per call alone would give every position the cases of all
/// of them: paths that never run, and values joined from several classes where one position has one.
/// </summary>
/// <param name="Step">The key of the step whose specialization reaches the call (for a call inside an inlined helper, still the step's key).</param>
/// <param name="Call">The <c>Jit.Promote</c> or <c>Jit.PromoteClass</c> call in the interpreter's graph (by identity).</param>
/// <param name="Path">
/// For a call inside an inlined portal activation, where that activation was called (<see cref="CallPath"/>): one
/// callee inlined at two calls has cases of its own at each. Null at the unit's own steps.
/// </param>
public readonly record struct PromotionSite(GreenKey Step, Instruction Call, CallPath? Path = null)
{
    /// <summary>The call's source location at the step's key: <c>Interp.cs:42 at (12, Code)</c>, and where it was inlined.</summary>
    public override string ToString() => Path is null ? $"{Call.Location} at {Step}" : $"{Call.Location} at {Step} inlined at {Path}";

    /// <summary>Whether <paramref name="call"/> is a <c>Jit.PromoteClass</c> (a site whose cases are classes), not a <c>Jit.Promote</c>.</summary>
    public static bool IsClassSite(Instruction call) => call.Opcode == Opcode.Call && HintNames.IsJitMethod(call.Method, HintNames.PromoteClass);
}

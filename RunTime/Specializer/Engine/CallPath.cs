using PeJit.IR;

namespace PeJit.Specializer.Engine;

/// <summary>
/// Where an inlined portal activation stands in its unit: the chain of interpreted calls that leads to it from the
/// unit's step, innermost last. Part of a <see cref="PromotionSite"/> inside an inlined callee, so that each inlined
/// copy of one callee has cases of its own.
/// </summary>
/// <remarks>
/// Why: a callee inlined at two calls (Lua's <c>polymorphic</c> calls <c>accumulate</c> twice per turn, once on floats,
/// integers and strings, once on integers) runs the same steps at both; keyed by the callee's step alone, its
/// promotions had the cases of both calls, and each inlined copy compiled the classes of the other (a unit past .NET's
/// 60,000 IL bytes). Keyed by its position too, each copy has the cases seen there, as each PyPy trace has guards of
/// its own. Immutable and compared by value (the caller's step key, the call by identity, the outer position).
/// </remarks>
/// <param name="Outer">The position of the activation that makes the call; null for a call of the unit's own step.</param>
/// <param name="CallerStep">The key of the step the caller runs at the call (its site key).</param>
/// <param name="Call">The call of the portal in the caller's graph (the portal's own or a helper's), by identity.</param>
public sealed record CallPath(CallPath? Outer, GreenKey CallerStep, Instruction Call)
{
    /// <summary>The calls from the unit's step inward: <c>line 12 at (8, Code) / line 12 at (3, Code)</c>.</summary>
    public override string ToString() => (Outer is null ? "" : Outer + " / ") + $"{Call.Location} at {CallerStep}";
}

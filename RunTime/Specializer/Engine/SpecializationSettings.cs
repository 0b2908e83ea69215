namespace PeJit.Specializer.Engine;

/// <summary>
/// The budgets that keep specialization bounded. Hitting one is logged with the green key and the reason;
/// the code made so far stays correct (the rest of the program runs in the interpreter).
/// </summary>
public sealed record SpecializationSettings
{
    /// <summary>Green keys (interpreted positions) one compiled unit may hold; further keys become exits.</summary>
    public int MaxKeysPerUnit { get; init; } = 200;

    /// <summary>Residual instructions one unit may hold; past it, specialization stops at the next merge point.</summary>
    public int MaxResidualInstructions { get; init; } = 20_000;

    /// <summary>
    /// How deep calls are inlined; deeper calls stay calls. A visitor-style tree-walker spends three frames per node
    /// (<c>Evaluate</c>, <c>Accept</c>, <c>VisitX</c>): a loop's body five nodes deep is already fifteen frames below the
    /// portal, so the depth allows some twenty nested nodes; the size of what is inlined is bounded by
    /// <see cref="MaxUnfoldedCalls"/> and <see cref="MaxResidualInstructions"/>, not by this.
    /// </summary>
    public int MaxInliningDepth { get; init; } = 64;

    /// <summary>
    /// Recursive calls one specialization run may unfold (<c>CallTreatment.Unfold</c>); further ones stay
    /// residual calls. With <see cref="MaxInliningDepth"/> it bounds a tree that branches at every level.
    /// </summary>
    public int MaxUnfoldedCalls { get; init; } = 2_000;

    /// <summary>Instructions run while specializing one path, to stop an unrolled loop that does not end.</summary>
    public int MaxStepsPerPath { get; init; } = 1_000_000;

    /// <summary>
    /// Values one <c>Jit.Promote</c> site gets a compiled case for; other values leave compiled code there
    /// (the interpreter finishes the step), as a generic fallback.
    /// </summary>
    public int MaxCasesPerPromotion { get; init; } = 8;

    /// <summary>
    /// The cases a promotion site gets: <see cref="MaxCasesPerPromotion"/>, and at a <c>Jit.PromoteClass</c> one more
    /// class, whose unit has a generic path for every class without a case.
    /// </summary>
    public int CaseBudget(bool promotesClass) => MaxCasesPerPromotion + (promotesClass ? 1 : 0);

    /// <summary>The cases <paramref name="site"/> gets: <see cref="CaseBudget(bool)"/> of whether it promotes a class.</summary>
    public int CaseBudget(PromotionSite site) => CaseBudget(PromotionSite.IsClassSite(site.Call));

    /// <summary>
    /// A unit keeps only the green keys on a cycle through its entry (the hot loop); keys reached but not on
    /// such a cycle become exits, and get code of their own only when they get hot. Off: a unit holds every
    /// key reached within <see cref="MaxKeysPerUnit"/>, as PyPy's PE JIT did (and found too big).
    /// </summary>
    public bool OnlyKeysOnCycle { get; init; } = true;

    /// <summary>
    /// An interpreted call (the portal calling itself for a function of the interpreted program) whose callee key is
    /// known, or guarded against the keys seen there, runs the callee's steps inside the caller's unit instead of
    /// calling (<c>UnitSpecializer.PortalInlining.cs</c>): PyPy inlines a portal call so. Off: such calls are calls
    /// (through a call cell when the runtime gives the engine call cells). Off by default (<c>PEJIT_INLINE_CALLS=1</c>
    /// turns it on): correct on every example, but no faster yet where the interpreter allocates the callee's frame
    /// and registers in ways allocation removal does not take apart (Specializer README, "Inlined interpreted calls").
    /// </summary>
    public bool InlinePortalCalls { get; init; } = InlinePortalCallsByEnvironment;

    /// <summary><c>PEJIT_INLINE_CALLS=1</c>: what <see cref="InlinePortalCalls"/> is unless set in code.</summary>
    internal static bool InlinePortalCallsByEnvironment { get; } = Environment.GetEnvironmentVariable("PEJIT_INLINE_CALLS") == "1";

    /// <summary>
    /// With <see cref="InlinePortalCalls"/> off, a loop's unit still inlines an interpreted call whose callee key is
    /// green at the call (an interpreter that promotes what names the callee, as Lua's <c>Jit.Promote(closure.Prototype)</c>):
    /// no guard of its own, and the callee's frame, arguments and results can be taken apart by allocation removal
    /// (issue 15 item 4: a small callee whose green key is known is inlined, within <see cref="MaxInlinedPortalKeys"/> and
    /// <see cref="MaxInlinedPortalInstructions"/>; a callee with a loop of its own is refused). A function's unit does not
    /// (its calls are call cells). On by default; <c>PEJIT_INLINE_CALLS=0</c> turns it off.
    /// </summary>
    public bool InlineKnownPortalCalls { get; init; } = Environment.GetEnvironmentVariable("PEJIT_INLINE_CALLS") != "0";

    /// <summary>
    /// Whether a unit inlines a call of another portal of its assembly whose callee key is known at the call (a loop portal
    /// calling a function portal), as it inlines a call of its own portal (<see cref="InlineKnownPortalCalls"/>,
    /// <see cref="InlinePortalCalls"/>), when the runtime gives it the other portal's program (<c>UnitSpecializer.OtherPortals</c>).
    /// On by default; <c>PEJIT_INLINE_OTHER_PORTALS=0</c> turns it off, to compare.
    /// </summary>
    public bool InlineOtherPortalCalls { get; init; } = Environment.GetEnvironmentVariable("PEJIT_INLINE_OTHER_PORTALS") != "0";

    /// <summary>How many inlined interpreted calls may nest; deeper ones stay calls.</summary>
    public int MaxInlinedPortalDepth { get; init; } = 4;

    /// <summary>Green keys (steps) one inlined callee may run; a callee past it is not inlined (its calls stay calls).</summary>
    public int MaxInlinedPortalKeys { get; init; } = 48;

    /// <summary>Residual instructions one inlined callee may add; a callee past it is not inlined.</summary>
    public int MaxInlinedPortalInstructions { get; init; } = 2_500;

    /// <summary>The defaults.</summary>
    public static SpecializationSettings Default { get; } = new();
}

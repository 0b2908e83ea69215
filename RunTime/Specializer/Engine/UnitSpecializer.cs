using System.Collections.Concurrent;
using PeJit.IR.Semantics;
using PeJit.IR;
using PeJit.Specializer.Extension;

namespace PeJit.Specializer.Engine;

/// <summary>
/// The generating extension's engine: runs a portal's graphs, compiled once into the extension's compact form
/// (<see cref="ExtensionProgram"/>), on a green key, doing the green operations on typed registers and emitting
/// the red ones into a residual graph, and so turns the hot interpreted loop that starts at that key into one
/// residual function (a <see cref="Unit"/>).
/// </summary>
/// <remarks>
/// Strategy:
/// 1. each green key reached at the merge point gets one residual block whose parameters are the reds;
///    reaching a key again is a jump there, so interpreted loops become residual loops;
/// 2. a path runs the compiled graphs op by op: green ops are executed on concrete values in the frame's
///    typed registers, red ones copied into the current residual block with green operands turned into
///    constants; a green branch is decided, a red branch splits the path in two residual blocks;
///    inlined calls push a frame, returns pop it;
/// 3. a key the unit cannot take (over a budget) becomes an exit that hands the merge point's variables
///    back to the interpreter.
/// Specialization is deterministic: the same key and program give the same residual graph.
/// One run is a <c>Run</c>: its driver and op loop in <c>UnitSpecializer.Run.cs</c>, step 1 in <c>.Keys.cs</c>, green
/// values turned residual in <c>.Lifting.cs</c>, <c>Jit.Promote</c> and mid-step exits in <c>.Promotion.cs</c>, calls
/// and inlining in <c>.Calls.cs</c>.
/// </remarks>
public sealed partial class UnitSpecializer
{
    private readonly PortalShape portal;
    private readonly IMemberResolver resolver;
    private readonly SpecializationSettings settings;
    private readonly ExtensionProgram program;
    // Made when first needed, as DelegateMembers is: a dictionary keyed by a tuple is compiled by .NET on first use, and
    // the engine is made while the portal is prepared; only programs with virtual calls on promoted classes use it.
    private ConcurrentDictionary<(ExtensionOp, Type), ExtensionGraph?>? overrides;

    private ConcurrentDictionary<(ExtensionOp, Type), ExtensionGraph?> Overrides =>
        overrides ?? Interlocked.CompareExchange(ref overrides, new ConcurrentDictionary<(ExtensionOp, Type), ExtensionGraph?>(), null) ?? overrides;

    /// <summary>Creates an engine that runs a portal's generating extension (compiled by the generator, <c>PeJit.Generator.ExtensionCompiler</c>).</summary>
    /// <param name="program">The portal's extension program.</param>
    /// <param name="resolver">Resolves the program's member references to run-time members (virtual-call targets, promoted values).</param>
    /// <param name="settings">Budgets; the defaults when null.</param>
    public UnitSpecializer(ExtensionProgram program, IMemberResolver resolver, SpecializationSettings? settings = null)
    {
        this.program = program;
        portal = program.Shape;
        this.resolver = resolver;
        this.settings = settings ?? SpecializationSettings.Default;
        // A loop, not LINQ or a spread over Value: a framework generic over a PeJit struct is compiled by .NET in every
        // process on the first unit's path.
        StateVariables = new Value[portal.MergeVariables.Count + portal.ImplicitReds.Count];
        for (int i = 0; i < portal.MergeVariables.Count; i++) StateVariables[i] = portal.MergeVariables[i];
        for (int i = 0; i < portal.ImplicitReds.Count; i++) StateVariables[portal.MergeVariables.Count + i] = portal.ImplicitReds[i];
    }

    /// <summary>
    /// The exact class of the portal's <c>this</c> (its only implicit red) when its class is sealed: it is never null and
    /// of that class, and the analysis made it class-green (rule 8), so calls on it are resolved while specializing.
    /// </summary>
    internal Type? ImplicitRedClass
    {
        get
        {
            if (!implicitRedClassDecided)
            {
                implicitRedClass = portal.ImplicitReds.Count == 1
                    && resolver.ResolveType(program.Portal.Types[portal.ImplicitReds[0].Index]) is { IsSealed: true, IsValueType: false } sealedClass
                    ? sealedClass : null;
                implicitRedClassDecided = true;
            }
            return implicitRedClass;
        }
    }

    private Type? implicitRedClass;
    private bool implicitRedClassDecided;

    /// <summary>
    /// The portal's class when the portal, called through <paramref name="method"/> with <c>callvirt</c>, may be overridden
    /// (virtual, not <c>sealed</c>, of a class that is not sealed); else null. Asked once (every call of the portal names the
    /// same method); only one thread specializes at a time.
    /// </summary>
    internal Type? OverridablePortalClass(MethodRef method)
    {
        if (!overridableDecided)
        {
            var resolved = resolver.ResolveMethod(method);
            overridableClass = resolved.IsVirtual && !resolved.IsFinal && resolved.DeclaringType is { IsSealed: false } declaring ? declaring : null;
            overridableDecided = true;
        }
        return overridableClass;
    }

    private Type? overridableClass;
    private bool overridableDecided;

    /// <summary>The portal's generating extension in compact form, as the engine runs it.</summary>
    public ExtensionProgram Extension => program;

    /// <summary>The portal's merge-point variables: greens then reds.</summary>
    public IReadOnlyList<Value> MergeVariables => portal.MergeVariables;

    /// <summary>Per merge-point variable: the index of the slot it is read from (<c>ldslot</c>) right before the merge point, or -1.</summary>
    /// <remarks>A loop, not LINQ: no generic instantiation over the IR's structs on the first unit's path (FirstUnitDotnetJitTests).</remarks>
    private int[] MergeVariableSlots
    {
        get
        {
            if (mergeVariableSlots is { } known) return known;
            var slots = new int[portal.MergeVariables.Count];
            for (int i = 0; i < slots.Length; i++)
                slots[i] = program.Portal.Graph[portal.MergeVariables[i]].DefiningInstruction is { Opcode: Opcode.LoadSlot } load ? load.Slot.Index : -1;
            return mergeVariableSlots = slots;
        }
    }

    private int[]? mergeVariableSlots;

    /// <summary>Number of greens among <see cref="MergeVariables"/>.</summary>
    public int GreenCount => portal.GreenCount;

    /// <summary>
    /// The extension ops this engine has run, over every run of every unit it specialized: the work count of the tests
    /// that specializing a unit twice as large costs about twice as much (<c>SpecializerCostTests</c>; issue 12).
    /// </summary>
    public long OpsRun => opsRun;

    private long opsRun;

    /// <summary>
    /// What the merge-point state holds: the merge point's variables (greens, then reds), then the implicit reds
    /// (<c>this</c>); the reds every key block takes are those from <see cref="GreenCount"/> on.
    /// </summary>
    private Value[] StateVariables { get; }

    /// <summary>Specializes the unit entered at <paramref name="entry"/>.</summary>
    /// <exception cref="SpecializationException">Something on the way is not supported yet, or a path did not end within its budget.</exception>
    public Unit Specialize(GreenKey entry) => Specialize(entry, new Dictionary<PromotionSite, IReadOnlyList<object?>>());

    /// <summary>
    /// Specializes the unit entered at <paramref name="entry"/>, with a compiled case for each value of
    /// <paramref name="promotions"/> at its <c>Jit.Promote</c> site (values seen there so far; other values
    /// leave compiled code in the middle of the step). The unit for more cases holds everything the unit for
    /// fewer did: specialization is deterministic.
    /// </summary>
    /// <remarks>
    /// A unit is the hot interpreted loop, not everything reachable from it: a first run specializes forward
    /// within the budgets and records which key's step reaches which key; when some keys reached are not on a
    /// cycle through the entry (code after the loop, a path that leaves it for good), a second run turns them
    /// into exits. Both runs are deterministic, so the second holds exactly the first's code for the loop.
    /// </remarks>
    /// <param name="entry">The key the unit is entered at.</param>
    /// <param name="promotions">The values each <c>Jit.Promote</c> site has a compiled case for, per key of the step that reaches it: a site reached from several keys compiles at each only the cases seen there.</param>
    /// <param name="wholeFunction">
    /// The key is where the portal enters a function of the interpreted program (it was counted at the portal's
    /// entry): the unit holds everything the function reaches within the budgets, not only a loop through the
    /// key, so that a function without a loop (a recursive one) is a unit.
    /// </param>
    /// <param name="tails">
    /// Keys where the loop is left often (exits the runtime saw taken often): the code after the loop from each,
    /// on no cycle of its own, up to the function's return or the next loop (<see cref="KeyGraph.Tail"/>), is
    /// part of the unit, so leaving the loop does not leave compiled code. PyPy attaches a bridge at such an exit;
    /// here the unit is specialized again with the bridge in it.
    /// </param>
    public Unit Specialize(GreenKey entry, IReadOnlyDictionary<PromotionSite, IReadOnlyList<object?>> promotions, bool wholeFunction = false, IReadOnlySet<GreenKey>? tails = null)
    {
        var refusals = new InliningRefusals();
        bool onlyCycle = settings.OnlyKeysOnCycle && !wholeFunction;
        var (explore, unit) = Execute(entry, promotions, allowed: null, wholeFunction, refusals, learn: !onlyCycle);
        if (onlyCycle)
        {
            var loop = explore.KeyGraph.OnCycleThrough(entry);
            var cycle = new HashSet<GreenKey>(loop);
            foreach (var tail in tails ?? new HashSet<GreenKey>())
                loop.UnionWith(explore.KeyGraph.Tail(tail, settings.MaxKeysPerUnit));
            // The tails' keys run once per leaving of the loop: an interpreted call there that has no case calls
            // rather than leaving to learn its callee (UnitSpecializer.PortalInlining.cs).
            var quiet = loop.Count > cycle.Count && settings.InlinePortalCalls ? loop.Except(cycle).ToHashSet() : null;
            // The first run called at an interpreted call without a case, to learn where its step goes on (the
            // cycle); this one leaves there instead, so that the runtime learns the callee.
            if (loop.Count < unit.Keys.Count || quiet is not null || explore.CalledForLearning)
            {
                unit = Execute(entry, promotions, loop, wholeFunction, refusals, learn: true, quiet).Unit;
                // Only an exit to code that is on no cycle can be taken in as a tail; one at another loop stays an
                // exit however often it is taken (that loop has a unit of its own).
                for (int i = 0; i < unit.Exits.Count; i++)
                    if (unit.Exits[i].LeavesLoop && !explore.KeyGraph.LeadsOnward(unit.Exits[i].Key))
                        unit.Exits[i] = unit.Exits[i] with { LeavesLoop = false };
            }
        }
        unit.PromotionCases = promotions;
        if (tails is not null) unit.Tails = tails;
        unit.Notes.AddRange(refusals.Notes);
        return unit;
    }

    /// <summary>
    /// One run, made again while it refuses to inline a callee (<see cref="InlineRefusal"/>: that callee's calls then
    /// stay calls), or without inlining at all when a run that inlined fails otherwise (a budget the inlined code
    /// used up): inlining never makes a unit that compiled without it fail.
    /// </summary>
    private (Run Run, Unit Unit) Execute(GreenKey entry, IReadOnlyDictionary<PromotionSite, IReadOnlyList<object?>> promotions, IReadOnlySet<GreenKey>? allowed, bool wholeFunction, InliningRefusals refusals, bool learn, IReadOnlySet<GreenKey>? quiet = null)
    {
        while (true)
        {
            var run = new Run(this, entry, promotions, allowed, wholeFunction) { Refusals = refusals, QuietKeys = quiet, LearnAtCalls = learn };
            try
            {
                return (run, run.Execute());
            }
            catch (InlineRefusal refusal)
            {
                refusals.Keys.Add(refusal.Key);
                refusals.Notes.Add($"interpreted calls of {refusal.Key} are not inlined: {refusal.Reason}");
                if (refusals.Keys.Count >= InliningRefusals.MaxRefusals)
                {
                    refusals.Off = true;
                    refusals.Notes.Add($"no interpreted call is inlined: {refusals.Keys.Count} callees refused (InliningRefusals.MaxRefusals)");
                }
            }
            catch (SpecializationException failure) when (run.InlinedAny && !refusals.Off)
            {
                refusals.Off = true;
                refusals.Notes.Add($"no interpreted call is inlined: with them inlined, {failure.Message}");
            }
        }
    }
}

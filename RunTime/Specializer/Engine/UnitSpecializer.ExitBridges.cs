using PeJit.IR;
using PeJit.IR.Evaluation;
using PeJit.Specializer.Extension;

namespace PeJit.Specializer.Engine;

// Case bridges: a unit entered in the middle of a step, at one of another unit's exits at Jit.Promote or Jit.PromoteClass,
// with a case for the value (class) that keeps arriving there. PyPy's bridge from a failing guard: the running unit is not
// specialized again; the runtime attaches the bridge at that exit (PortalRuntime.AttachCaseBridge).
public sealed partial class UnitSpecializer
{
    /// <summary>
    /// Why no bridge can start at <paramref name="exit"/> (a frame the engine cannot rebuild faithfully from what the exit
    /// recorded), or null when one can (<see cref="SpecializeBridge"/>). Checked before anything is specialized.
    /// </summary>
    /// <remarks>
    /// Refused: the portal's exception regions (each step runs inside a residual region the bridge would have to open in
    /// the middle of its step), a frame inside a try or a handler (its residual region would have to be reopened), inside an
    /// inlined portal activation (its keys and call path are not recorded whole), inside an inlined constructor (the exit
    /// records the object in place of the call's result), a green local's address (a frame slot of the engine's), a struct
    /// local with red fields (its green copy is not recorded), and an exit at an interpreted call (a callee's case is
    /// inlining, not a promoted value). Cost: O(frames x values), plus one scan of each frame's graph for its slots.
    /// </remarks>
    public string? BridgeRefusal(CompiledExit exit)
    {
        if (exit.Frames is not { Count: > 0 } frames || exit.PromoteSite is not { } site) return "not an exit in the middle of a step";
        if (CatchesSteps) return "the portal has exception regions: each step runs inside a residual region a bridge would have to open in the middle of its step";
        if (site.Path is not null) return "the site is inside an inlined portal activation";
        var graphs = new ExtensionGraph[frames.Count];
        for (int f = 0; f < frames.Count; f++)
        {
            var frame = frames[f];
            if (frame.SitePath is not null || frame.SiteStep is { } step && !step.Equals(site.Step)) return $"frame {f} is inside an inlined portal activation";
            if (frame.CaughtSlot > 0) return $"frame {f} is inside a catch handler";
            if (GraphOf(frame.Graph) is not { } graph) return $"frame {f}'s graph ({frame.Graph.Name}) is not one of the program's";
            graphs[f] = graph;
            var data = frame.Graph[frame.Block];
            if (data.Try is not null || data.HandlerOf is not null) return $"frame {f} is inside a protected region or a handler of {graph.Name}";
            if (frame.Index <= 0) return $"frame {f} stands at the start of a block";
            foreach (var value in frame.Values)
            {
                if (value.IsGreen && value.Green is ResumeFrameSlot or GreenFieldAddress) return $"frame {f} holds a green address (of a local or a struct's field)";
                if (!value.IsGreen && frame.Graph.TypeOf(value.Value).IsAddress) return $"frame {f} holds the address of an array element";
            }
            var kinds = SlotKindsOf(graph);
            foreach (var (slot, content) in frame.Slots)
            {
                if (kinds.TryGetValue(slot, out var kind) && kind == SlotKind.Partial) return $"frame {f} holds a struct local with red fields ({frame.Graph[slot].Name})";
                if (!content.IsGreen && frame.Graph[slot].Type.IsAddress) return $"frame {f} holds an address in a local ({frame.Graph[slot].Name})";
            }
            if (f > 0)
            {
                var call = graphs[f - 1].Blocks[frames[f - 1].Block.Index][frames[f - 1].Index - 1];
                if (call.Kind != ExtensionOpKind.Call || frames[f - 1].CallResult is null && call.Result >= 0) return $"frame {f - 1} does not stand after the call of frame {f}";
                if (call.Treatment == CallTreatment.InlineConstructor) return $"frame {f} is an inlined constructor";
            }
        }
        var innermost = frames[^1];
        var promote = graphs[^1].Blocks[innermost.Block.Index][innermost.Index - 1];
        if (promote.Kind != ExtensionOpKind.Call || promote.Treatment is not (CallTreatment.Promote or CallTreatment.PromoteClass) || !ReferenceEquals(promote.Instruction, site.Call))
            return "the exit is at an interpreted call (its case is a callee inlined), not at Jit.Promote or Jit.PromoteClass";
        return null;
    }

    /// <summary>
    /// Specializes the bridge of <paramref name="from"/> at its exit <paramref name="exit"/> for <paramref name="newCase"/>
    /// (a value, or at <c>Jit.PromoteClass</c> a class, null for a null reference): <paramref name="from"/> entered in the
    /// middle of that step with the case taken. The engine's frames are rebuilt from the exit's (<see cref="ExitFrame"/>),
    /// outermost first, each at its position, its greens the constants the exit recorded, its reds loaded from the bridge's
    /// state, which is the exit buffer (slot k of the exit is element k of the state, of the exit's type); the innermost
    /// frame stands again at its promotion, whose cases are <paramref name="from"/>'s and the new one, and every other value
    /// leaves the bridge at an exit of its own (a chain of bridges, each its own exit). From there it specializes on as a
    /// unit does: the rest of the step, the merge point, <paramref name="from"/>'s keys (others are exits) and its loops.
    /// </summary>
    /// <param name="from">The unit (or bridge) whose exit it is.</param>
    /// <param name="exit">The exit, one in the middle of a step at <c>Jit.Promote</c> or <c>Jit.PromoteClass</c>.</param>
    /// <param name="newCase">The value, or class, the bridge has a case for at the exit's site.</param>
    /// <param name="seen">
    /// Values seen at sites since <paramref name="from"/> was compiled, which join as cases within each site's budget (as a
    /// unit specialized again takes them), so that values taken in turn make one bridge rather than a chain; null for none.
    /// </param>
    /// <exception cref="SpecializationException"><see cref="BridgeRefusal"/> refuses the exit, or a budget was hit.</exception>
    public Unit SpecializeBridge(Unit from, CompiledExit exit, object? newCase, IReadOnlyDictionary<PromotionSite, IReadOnlyList<object?>>? seen = null)
    {
        if (BridgeRefusal(exit) is { } refusal) throw new SpecializationException($"no bridge at exit #{exit.Index}: {refusal}");
        var site = exit.PromoteSite!.Value;
        var promotions = new Dictionary<PromotionSite, IReadOnlyList<object?>>(PromotionSiteComparer.Instance);
        foreach (var (promoted, cases) in PromotionSiteComparer.Entries(from.PromotionCases)) promotions.Add(promoted, cases);
        // The new case whatever the budget (the runtime counted it against the site's); the values seen within it.
        PromotionSiteComparer.AddCase(promotions, site, newCase, int.MaxValue);
        foreach (var (other, values) in PromotionSiteComparer.Entries(seen ?? new Dictionary<PromotionSite, IReadOnlyList<object?>>()))
            foreach (var value in values) PromotionSiteComparer.AddCase(promotions, other, value, settings.CaseBudget(other));
        var refusals = new InliningRefusals();
        // As a unit is (Specialize): a first run within the budgets learns which keys the new case reaches, and the keys on a
        // cycle through the unit's entry, with the unit's own, are what the bridge holds; the others become exits.
        HashSet<GreenKey>? allowed = null;
        if (settings.OnlyKeysOnCycle)
        {
            var (explore, _) = ExecuteBridge(from, exit, promotions, null, refusals, learn: false);
            allowed = explore.KeyGraph.OnCycleThrough(from.Entry);
            allowed.UnionWith(from.Keys);
        }
        var unit = ExecuteBridge(from, exit, promotions, allowed, refusals, learn: true).Unit;
        unit.PromotionCases = promotions;
        unit.Tails = from.Tails;
        unit.Notes.AddRange(refusals.Notes);
        return unit;
    }

    /// <summary>One run of a bridge, made again while it refuses to inline a callee, as <see cref="Execute"/> does for a unit.</summary>
    private (Run Run, Unit Unit) ExecuteBridge(Unit from, CompiledExit exit, IReadOnlyDictionary<PromotionSite, IReadOnlyList<object?>> promotions,
        IReadOnlySet<GreenKey>? allowed, InliningRefusals refusals, bool learn)
    {
        while (true)
        {
            var run = new Run(this, from.Entry, promotions, allowed, startExit: exit) { Refusals = refusals, LearnAtCalls = learn };
            try
            {
                return (run, run.Execute());
            }
            catch (InlineRefusal inline)
            {
                refusals.Keys.Add(inline.Key);
                refusals.Notes.Add($"interpreted calls of {inline.Key} are not inlined: {inline.Reason}");
                if (refusals.Keys.Count >= InliningRefusals.MaxRefusals) refusals.Off = true;
            }
            catch (SpecializationException failure) when (run.InlinedAny && !refusals.Off)
            {
                refusals.Off = true;
                refusals.Notes.Add($"no interpreted call is inlined: with them inlined, {failure.Message}");
            }
        }
    }

    /// <summary>The program's compiled graph of <paramref name="graph"/> (by identity, among those loaded), or null.</summary>
    private ExtensionGraph? GraphOf(FlowGraph graph)
    {
        foreach (var candidate in program.Graphs)
            if (candidate.IsLoaded && ReferenceEquals(candidate.Graph, graph)) return candidate;
        return null;
    }

    /// <summary>How the engine holds a local (slot) of a graph: in its frame's knowledge, in a residual slot, or both (a struct with red fields).</summary>
    private enum SlotKind { Known, Residual, Partial }

    private System.Collections.Concurrent.ConcurrentDictionary<ExtensionGraph, Dictionary<Slot, SlotKind>>? slotKinds;

    /// <summary>
    /// Per slot of <paramref name="graph"/> that some op holds outside the frame's knowledge: <see cref="SlotKind.Residual"/>
    /// where a red store, a red load or a red address uses a residual slot (<c>UnitSpecializer.Run</c>'s <c>ResidualSlot</c>),
    /// <see cref="SlotKind.Partial"/> for a struct with red fields. Scanned once per graph: O(ops).
    /// </summary>
    private Dictionary<Slot, SlotKind> SlotKindsOf(ExtensionGraph graph)
    {
        var cache = slotKinds ?? Interlocked.CompareExchange(ref slotKinds, new System.Collections.Concurrent.ConcurrentDictionary<ExtensionGraph, Dictionary<Slot, SlotKind>>(ReferenceEqualityComparer.Instance), null) ?? slotKinds;
        return cache.GetOrAdd(graph, static g =>
        {
            var kinds = new Dictionary<Slot, SlotKind>(SlotComparer.Instance);
            foreach (var block in g.Blocks)
                foreach (var op in block)
                {
                    bool partial = op.PartialSlot;
                    bool residual = op.Kind is ExtensionOpKind.LoadRedSlot or ExtensionOpKind.SlotAddress || op.Kind == ExtensionOpKind.StoreSlot && op.RedSlot;
                    if (!partial && !residual) continue;
                    var slot = op.Instruction.Slot;
                    if (partial || !kinds.ContainsKey(slot)) kinds[slot] = partial ? SlotKind.Partial : SlotKind.Residual;
                }
            return kinds;
        });
    }

    private sealed partial class Run
    {
        /// <summary>For a bridge (<see cref="SpecializeBridge"/>): the exit it starts at; null for a unit, which starts at its key.</summary>
        private readonly CompiledExit? startExit;

        /// <summary>
        /// Starts the bridge at <paramref name="exit"/>: rebuilds the engine's frames from the exit's in the entry block, which
        /// loads each red from the state (the exit buffer), and queues the path at the innermost frame's promotion, in the
        /// step of the exit's site. Cost: O(values and slots of the exit's frames).
        /// </summary>
        private void StartAtExit(CompiledExit exit)
        {
            var exitFrames = exit.Frames!;
            var frames = new List<ExtensionFrame>(exitFrames.Count);
            // A red the exit holds in a slot, loaded once however many values share it.
            var loaded = new Dictionary<int, Value>();
            Value Load(int slot, IrType type)
            {
                if (loaded.TryGetValue(slot, out var known)) return known;
                var element = Emit(new Instruction(Opcode.LoadElement, state, Constant(slot, IrType.I32)) { TypeOperand = IrType.Object }, IrType.Object);
                return loaded[slot] = Unbox(element, type);
            }
            var implicitReds = owner.portal.ImplicitReds;
            for (int f = 0; f < exitFrames.Count; f++)
            {
                var recorded = exitFrames[f];
                var graph = owner.GraphOf(recorded.Graph)!;
                var frame = new ExtensionFrame(graph) { Block = recorded.Block.Index, Index = recorded.Index };
                if (f > 0) frame.CallSite = frames[f - 1].Graph.Blocks[frames[f - 1].Block][frames[f - 1].Index - 1];
                foreach (var value in recorded.Values)
                {
                    if (value.IsGreen)
                    {
                        // A copy of a struct: the engine may write its green copy in place, and the exit's record must stay as it was.
                        frame.SetBoxed(value.Value.Index, GreenExecution.CopyOfStruct(value.Green));
                        continue;
                    }
                    // The class the unit had established before the exit (its guards held on the path that left there); the portal's
                    // `this` keeps the class a key's frame gives it (EnterKey).
                    object? exactClass = value.ExactClass;
                    if (f == 0 && graph == owner.program.Portal)
                        for (int r = 0; r < implicitReds.Count; r++)
                            if (implicitReds[r].Index == value.Value.Index) exactClass ??= owner.ImplicitRedClass;
                    frame.SetRed(value.Value.Index, Load(value.Slot, recorded.Graph.TypeOf(value.Value)), exactClass);
                }
                var kinds = owner.SlotKindsOf(graph);
                foreach (var (slot, content) in recorded.Slots)
                {
                    if (content.IsGreen)
                    {
                        (frame.Slots ??= new(SlotComparer.Instance))[slot] = Known.OfGreen(GreenExecution.CopyOfStruct(content.Green));
                        continue;
                    }
                    var type = recorded.Graph[slot].Type;
                    var red = Load(content.Slot, type);
                    if (kinds.ContainsKey(slot)) Append(new Instruction(Opcode.StoreSlot, red) { Slot = ResidualSlot(frame, slot) });
                    else (frame.Slots ??= new(SlotComparer.Instance))[slot] = Known.OfRed(red);
                }
                frames.Add(frame);
            }
            // The innermost frame goes back to its promotion, its operand the promoted value: the promotion runs again with
            // the new case among its cases, and every value without one leaves at the bridge's own exit.
            var innermost = frames[^1];
            innermost.Index--;
            var promote = innermost.Graph.Blocks[innermost.Block][innermost.Index];
            int operand = promote.Operands[0];
            if (innermost.States[operand] != RegisterState.Red) innermost.SetRed(operand, Load(exit.PromotedSlot, exit.PromotedType!));
            var origin = exit.PromoteSite!.Value.Step;
            KeyGraph.Add(origin);
            pending.Enqueue(new Pending(current, frames, null, origin));
        }
    }
}

using PeJit.IR;
using PeJit.Specializer.Extension;

namespace PeJit.Specializer.Engine;

// The portal's own exception regions: a dispatch loop inside a try (a VM that turns host errors into language
// errors), a try/catch around each step inside the loop, a try/finally that restores state. Compiled code runs
// each step inside a residual region that catches any exception and leaves at a "threw" exit with the merge
// point's variables of the step; the portal reloads them and throws the exception again inside its own
// regions, so the interpreter's handlers run, once, as they would have. See the README, "Exception regions".
// Cost: one residual catch region per key, set up once per unit; nothing on the path that does not throw.
public sealed partial class UnitSpecializer
{
    /// <summary>The class compiled code catches around each step: every exception.</summary>
    private static readonly IrType AnyException = IrType.Class("System.Exception");

    /// <summary>
    /// The portal's protected regions around its merge point, outermost first (empty when the merge point is in
    /// no try). Checked once per portal: a merge point in a handler or a filter, or a merge-point variable the
    /// handlers read while the loop assigns it (a slot), is refused with what to do.
    /// </summary>
    private IReadOnlyList<Region> MergeRegions => mergeRegions ??= FindMergeRegions();

    private IReadOnlyList<Region>? mergeRegions;

    /// <summary>Whether compiled code wraps each step in a region that hands exceptions to the interpreter: the portal has exception regions.</summary>
    private bool CatchesSteps => program.Portal.Graph.RegionCount > 0;

    private List<Region> FindMergeRegions()
    {
        var graph = program.Portal.Graph;
        var data = graph[portal.MergeBlock];
        string where = $"{portal.FullName}: Jit.MergePoint ({portal.MergePoint.Location})";
        if (data.HandlerOf is { } handler)
            throw new SpecializationException($"{where} is inside the handler of {handler}; only a dispatch loop inside a try block (not inside a catch, finally or filter) is compiled. Move the loop out of the handler");
        var regions = new List<Region>();
        for (var r = data.Try; r is { } region; r = graph[region].Parent)
        {
            if (graph[region].Kind == RegionKind.Filter)
                // Compiled code catches a step's exception in its step region and the portal throws it again inside this
                // try, so the filter would run after the finally handlers inside the step (and inside opaque callees),
                // where the interpreter runs it before them: a filter that reads what they change would decide otherwise.
                throw new SpecializationException($"{where} is inside a try block with an exception filter ({region}); compiled code hands a step's exception to the portal "
                    + "only after the finally handlers inside the step have run, while the CLR runs a filter before them, so the filter could decide differently. "
                    + "Catch the exception and test it inside the catch handler (rethrow when it does not match), or move the filter into a helper the step calls");
            regions.Insert(0, region);
        }
        if (regions.Count == 0) return regions;
        // Leaving a try with a finally runs it: in compiled code that happens when the unit has returned and the
        // portal leaves its try, so whatever the step does after leaving the try would run before the finally.
        // Only a return may follow (C#'s return inside the try: the value computed, a leave, then ret).
        foreach (var region in regions.Where(r => graph[r].Kind is RegionKind.Finally or RegionKind.Fault))
            foreach (var block in graph.Blocks.Where(b => Encloses(graph, region, b)))
                foreach (var leave in graph[block].Instructions.Where(i => i.Opcode == Opcode.Leave))
                    foreach (var target in leave.Targets.Where(t => !Encloses(graph, region, t.Target)))
                        if (graph[target.Target].Instructions.Any(i => i.Opcode is not (Opcode.LoadSlot or Opcode.Return)))
                            throw new SpecializationException($"{where} is inside a try block with a finally ({region}) that the loop leaves at {leave.Location} to go on with more than a return; "
                                + "the interpreter runs that code after the finally, compiled code could only run it before. Return from inside the try, or move the code after it into the finally or the caller");
        // A variable the handlers read and the loop assigns lives in a slot; where an exception is thrown in the
        // middle of a step it may already hold the step's next value, which the unit does not hand back.
        // By index: a list enumerated as an IEnumerable<Value> is code .NET compiles cold.
        for (int m = 0; m < portal.MergeVariables.Count; m++)
        {
            var variable = portal.MergeVariables[m];
            var load = graph.Blocks.SelectMany(b => graph[b].Instructions).FirstOrDefault(i => i.Result == variable);
            if (load?.Opcode == Opcode.LoadSlot)
                throw new SpecializationException($"{where}: the merge-point variable '{graph[load.Slot].Name}' is read by a handler of the try around the dispatch loop and assigned inside it; "
                    + "compiled code gives that handler the merge point's variables as they were at the start of the step. Let the handler read state the loop keeps in an object (a field of the frame), not this local");
        }
        return regions;
    }

    /// <summary>
    /// The portal's locals (slots) read, or whose address is taken, outside the innermost try around the merge point:
    /// by the handlers of the tries around the loop, or after them. A store inside the loop to any other slot is
    /// seen only by the loop's own code.
    /// </summary>
    private IReadOnlySet<Slot> SlotsReadAroundTheLoop => slotsReadAroundTheLoop ??= FindSlotsReadAroundTheLoop();

    private HashSet<Slot>? slotsReadAroundTheLoop;

    private HashSet<Slot> FindSlotsReadAroundTheLoop()
    {
        var graph = program.Portal.Graph;
        var innermost = MergeRegions[^1];
        return graph.Blocks.Where(b => !Encloses(graph, innermost, b))
            .SelectMany(b => graph[b].Instructions)
            .Where(i => i.Opcode is Opcode.LoadSlot or Opcode.SlotAddr)
            .Select(i => i.Slot)
            .ToHashSet();
    }

    /// <summary>Whether <paramref name="block"/> is inside the try of <paramref name="region"/> (or of a region nested in it).</summary>
    private static bool Encloses(FlowGraph graph, Region region, Block block)
    {
        for (var r = graph[block].Try; r is { } inner; r = graph[inner].Parent)
            if (inner == region) return true;
        return false;
    }

    private sealed partial class Run
    {
        /// <summary>
        /// Makes the step of <paramref name="key"/>, whose block <paramref name="keyBlock"/> was just added, run inside
        /// a residual catch-all region: <paramref name="keyBlock"/> jumps to the step's body (returned: the path starts
        /// there), and the region's handler stores the step's merge-point variables (the key's greens, the block's
        /// reds) and the exception at a <see cref="CompiledExit.Threw"/> exit. The portal's frame records the region:
        /// as the residual region of each try around the merge point (so that leaving them, to return, leaves it),
        /// or, when the merge point is in none, as <see cref="ExtensionFrame.StepRegion"/>.
        /// </summary>
        private Block OpenStep(GreenKey key, Block keyBlock, IReadOnlyList<Value> reds, ExtensionFrame frame)
        {
            unit.HandsBackExceptions = true;
            var handler = residual.AddBlock();
            var region = residual.AddRegion(new RegionData { Kind = RegionKind.Catch, CatchType = AnyException, Handler = handler });
            residual[handler].HandlerOf = region;
            var thrown = residual.AddParameter(handler, AnyException, "thrown");
            var body = residual.AddBlock();
            residual[body].Try = region;
            var saved = current;
            current = keyBlock;
            Append(new Instruction(Opcode.Jump) { Targets = { new BlockCall(body, []) } });
            current = handler;
            int index = unit.Exits.Count;
            unit.Exits.Add(new CompiledExit(index, key, "an exception thrown in the step: the interpreter's handlers run") { Threw = true });
            StoreExit(0, Box(Constant(index, IrType.I32), IrType.I32));
            for (int i = 0; i < owner.MergeVariables.Count; i++)
            {
                var type = portalGraph.TypeOf(owner.MergeVariables[i]);
                var value = i < owner.GreenCount ? Lift(Known.OfGreen(key.Values[i]), type) : reds[i - owner.GreenCount];
                StoreExit(i + 1, Box(value, type));
            }
            StoreExit(owner.MergeVariables.Count + 1, thrown);
            unit.ExitBufferSize = Math.Max(unit.ExitBufferSize, owner.MergeVariables.Count + 2);
            ReturnDefault();
            current = saved;
            if (owner.MergeRegions.Count > 0) frame.OpenTries = owner.MergeRegions.Select(r => (r, region)).ToList();
            else frame.StepRegion = region;
            return body;
        }

        /// <summary>
        /// At the merge point of a portal whose steps are wrapped (<see cref="OpenStep"/>): the path must be in the
        /// tries around the merge point and nothing else (a step that left one of them and came back would have run
        /// code outside it that the step's region covers), and leaves the step's region before the next key.
        /// </summary>
        private void CloseStep(List<ExtensionFrame> frames, ExtensionFrame frame)
        {
            var open = frame.OpenTries ?? [];
            var regions = owner.MergeRegions;
            bool exact = frames.Count == 1 && frame.InHandler is null && open.Count == regions.Count
                && open.Select(o => o.Source).SequenceEqual(regions);
            if (!exact)
            {
                if (open.Count < regions.Count && frame.InHandler is null && frames.Count == 1)
                    throw new SpecializationException($"{frame.Graph.Name}: a step leaves the try around the merge point and comes back to it (block{frame.Block}); "
                        + "compiled code covers each step with one region. Keep the whole loop body inside the try, or the try inside the loop body");
                RefuseInsideRegions(frames, frame, "the merge point");
            }
            if (residual[current].Try is null) return;
            var next = residual.AddBlock();
            Append(new Instruction(Opcode.Leave) { Targets = { new BlockCall(next, []) } });
            current = next;
        }

        /// <summary>
        /// A store to a local of the portal kept in memory (a slot: a handler reads it, or its address is taken)
        /// inside a try around the merge point: at a step's exception the portal gets back only the merge point's
        /// variables, so its handler would read the slot as it was when compiled code was entered.
        /// </summary>
        private void RefuseSlotStoreInsideMergeRegions(ExtensionFrame frame, ExtensionOp op)
        {
            if (owner.MergeRegions.Count == 0 || frame.Graph != owner.program.Portal || frame.OpenTries is not { Count: > 0 }) return;
            var slot = op.Instruction.Slot;
            // A local only the loop's own code reads (a lock's "taken" flag, read by the lock's finally inside the
            // step) is handed to the interpreter at a mid-step exit with the rest of the frame, and no handler of the
            // tries around the loop sees it.
            if (!owner.SlotsReadAroundTheLoop.Contains(slot)) return;
            throw new SpecializationException($"{frame.Graph.Name}: the local '{frame.Graph.Graph[slot].Name}' is stored at {op.Instruction.Location} inside the try around the dispatch loop "
                + "and kept in memory because a handler reads it (or its address is taken); a step's exception hands the interpreter only the merge point's variables, so the handler would read a stale value. "
                + "Keep what the handler reads in a field of an object, or in a merge-point variable the handler does not need to see assigned mid-step");
        }

        /// <summary>A new residual block in the regions of the current one (for blocks a path splits into).</summary>
        private Block AddBlockHere()
        {
            var block = residual.AddBlock();
            residual[block].Try = residual[current].Try;
            residual[block].HandlerOf = residual[current].HandlerOf;
            return block;
        }
    }
}

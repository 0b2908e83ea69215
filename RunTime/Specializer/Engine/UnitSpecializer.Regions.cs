using PeJit.IR;
using PeJit.Specializer.Extension;

namespace PeJit.Specializer.Engine;

// Exception regions of inlined code: a path that enters a protected region of a graph it runs opens a
// residual region of the same kind, whose handler is specialized as a path of its own; leaving the region
// leaves the residual one. See the README, "Exception regions".
public sealed partial class UnitSpecializer
{
    private sealed partial class Run
    {
        /// <summary>
        /// At the start of a block of <paramref name="frame"/>'s graph: makes the residual code's regions those of
        /// the block. Strategy: the frame remembers the source regions it is inside, each with the residual region
        /// opened for it (<see cref="ExtensionFrame.OpenTries"/>), and the handler it runs in. When the block's
        /// regions differ, the current residual block ends (a <c>leave</c> when regions are left, so their residual
        /// finally handlers run, else a <c>jump</c>) and the path goes on in a new block of the right regions.
        /// Entering a region opens a residual one and queues its handler as a path, from a copy of the frames
        /// taken here: a handler sees the values defined before the try (the same on every path through it), the
        /// slots it reads (red ones are residual slots, shared by the try and the handler) and the exception.
        /// A green slot stored inside the try would make that copy stale, so it refuses the unit
        /// (<see cref="RefuseGreenStoreInsideRegions"/>).
        /// </summary>
        private void AlignRegions(List<ExtensionFrame> frames, ExtensionFrame frame)
        {
            var graph = frame.Graph.Graph;
            var data = graph[new Block(frame.Block)];
            if (data.HandlerOf is { } wanted && frame.InHandler?.Source != wanted)
                throw new SpecializationException($"{frame.Graph.Name}: block{frame.Block} is in the handler of {wanted} and is reached by a jump; only an exception enters a handler");
            var desired = new List<Region>();
            for (var r = data.Try; r is { } region; r = graph[region].Parent) desired.Insert(0, region);
            var open = frame.OpenTries ?? [];
            int common = 0;
            while (common < open.Count && common < desired.Count && open[common].Source == desired[common]) common++;
            bool leavesHandler = frame.InHandler is { } handler && data.HandlerOf != handler.Source;
            if (common == open.Count && common == desired.Count && !leavesHandler) return;

            if (leavesHandler)
            {
                if (graph[frame.InHandler!.Value.Source].Kind is not (RegionKind.Catch or RegionKind.Filter))
                    throw new SpecializationException($"{frame.Graph.Name}: block{frame.Block} follows the finally handler of {frame.InHandler.Value.Source} without endfinally");
                frame.InHandler = null;
            }
            bool leaves = leavesHandler || common < open.Count;
            open.RemoveRange(common, open.Count - common);
            frame.OpenTries = open;
            for (int i = common; i < desired.Count; i++) Open(frames, frame, desired[i]);
            if (open.Count == 0) frame.OpenTries = null;

            var next = residual.AddBlock();
            residual[next].Try = InnermostTry(frames);
            residual[next].HandlerOf = InnermostHandler(frames);
            Append(new Instruction(leaves ? Opcode.Leave : Opcode.Jump) { Targets = { new BlockCall(next, []) } });
            current = next;
        }

        /// <summary>Opens a residual region for <paramref name="source"/> and queues its handler's path.</summary>
        private void Open(List<ExtensionFrame> frames, ExtensionFrame frame, Region source)
        {
            var graph = frame.Graph.Graph;
            var data = graph[source];
            var parent = InnermostTry(frames);
            ShareHandlerSlots(frame, source);
            var handlerBlock = residual.AddBlock();
            // A filter is a path of its own too, from the same copy of the frames: like the handler, it reads the
            // values defined before the try, the slots and the exception. It ends at endfilter (EndHandler).
            Block? filterBlock = data.Kind == RegionKind.Filter ? residual.AddBlock() : null;
            var region = residual.AddRegion(new RegionData { Kind = data.Kind, CatchType = data.CatchType, Handler = handlerBlock, Filter = filterBlock, Parent = parent });
            foreach (var block in filterBlock is { } f ? [handlerBlock, f] : (Block[])[handlerBlock])
            {
                residual[block].Try = parent;
                residual[block].HandlerOf = region;
            }

            // The handler's path (and the filter's): the frames as they are at the try's entry, this one at the handler.
            void Queue(Block sourceBlock, Block residualBlock)
            {
                var copies = frames.Select(f => f.Copy()).ToList();
                var top = copies[^1];
                top.Block = sourceBlock.Index;
                top.Index = 0;
                top.OpenTries = frame.OpenTries is { Count: > 0 } open ? new(open) : null;
                top.InHandler = (source, region);
                if (data.Kind is RegionKind.Catch or RegionKind.Filter)
                {
                    var parameter = graph[sourceBlock].Parameters[0];
                    top.SetRed(parameter.Index, residual.AddParameter(residualBlock, graph.TypeOf(parameter), graph[parameter].Name));
                }
                pending.Enqueue(new Pending(residualBlock, copies, null, origin ?? entryKey));
            }
            if (filterBlock is { } filter) Queue(data.Filter!.Value, filter);
            Queue(data.Handler, handlerBlock);
            (frame.OpenTries ??= []).Add((source, region));
        }

        /// <summary>
        /// Maps the red locals <paramref name="source"/>'s handler (and filter) touch to residual slots before the
        /// paths are copied: the try body, the filter and the handler are paths of their own, each mapping a slot on
        /// first use, and they must share one residual local (a filter writes the local its handler reads; a try body
        /// writes what its handler reads).
        /// </summary>
        private void ShareHandlerSlots(ExtensionFrame frame, Region source)
        {
            var graph = frame.Graph.Graph;
            foreach (var block in graph.Blocks)
            {
                if (graph[block].HandlerOf != source) continue;
                foreach (var op in frame.Graph.Blocks[block.Index])
                    if ((op.Kind == ExtensionOpKind.StoreSlot && (op.RedSlot || op.PartialSlot)) || op.Kind is ExtensionOpKind.LoadRedSlot or ExtensionOpKind.SlotAddress)
                        ResidualSlot(frame, op.Instruction.Slot);
            }
        }

        /// <summary>The innermost residual region the path is in, over every frame (an inlined callee's regions sit inside its caller's).</summary>
        private Region? InnermostTry(List<ExtensionFrame> frames)
        {
            for (int i = frames.Count - 1; i >= 0; i--)
            {
                if (frames[i].OpenTries is { Count: > 0 } open) return open[^1].Residual;
                if (frames[i].InHandler is { } handler) return residual[handler.Residual].Parent;
            }
            return frames[0].StepRegion;
        }

        /// <summary>The innermost residual handler the path runs in, over every frame.</summary>
        private Region? InnermostHandler(List<ExtensionFrame> frames)
        {
            for (int i = frames.Count - 1; i >= 0; i--)
            {
                if (frames[i].InHandler is { } handler) return handler.Residual;
                if (frames[i].OpenTries is { Count: > 0 }) return null;
            }
            return null;
        }

        /// <summary><c>endfinally</c>, <c>rethrow</c> or <c>endfilter</c> (with its result): copied into the residual handler or filter; the path ends.</summary>
        private bool EndHandler(ExtensionFrame frame, ExtensionOp op)
        {
            var expected = op.Kind switch
            {
                ExtensionOpKind.EndFinally => "a finally or fault handler",
                ExtensionOpKind.EndFilter => "a filter",
                _ => "a catch handler",
            };
            bool fits = frame.InHandler is { } handler && frame.Graph.Graph[handler.Source].Kind switch
            {
                RegionKind.Finally or RegionKind.Fault => op.Kind == ExtensionOpKind.EndFinally,
                RegionKind.Filter => op.Kind is ExtensionOpKind.EndFilter or ExtensionOpKind.Rethrow,
                _ => op.Kind == ExtensionOpKind.Rethrow,
            };
            if (!fits)
                throw new SpecializationException($"{frame.Graph.Name}: '{op.Instruction.Info.Name}' at {op.Instruction.Location} is not in {expected} the path opened");
            if (op.Kind == ExtensionOpKind.EndFilter) Residualize(frame, op);
            else Append(new Instruction(op.Instruction.Opcode) { Location = op.Instruction.Location });
            return false;
        }

        /// <summary>The residual finally regions a mid-step exit leaves (<see cref="SkipFinalliesAtExit"/>); null for none.</summary>
        private HashSet<Region>? exitedFinallies;

        /// <summary>The residual local an exit sets before it leaves its regions, so that their finally handlers do nothing.</summary>
        private Slot? exiting;

        /// <summary>
        /// At a mid-step exit inside residual regions: the interpreter (the graph evaluator) resumes inside the
        /// source regions, with their handlers in force, and runs their finally handlers itself when the rest of
        /// the step leaves them. The residual code's <c>ret</c> leaves the residual regions, which in CIL runs
        /// their finally handlers too: so the exit sets a local first, and each residual finally handler an exit
        /// leaves starts by testing it (<see cref="GuardExitedFinallies"/>) and ends at once when set. A finally
        /// therefore runs exactly once, in the interpreter. Catch handlers do not run on a leave; fault handlers
        /// run only on an exception.
        /// </summary>
        private void SkipFinalliesAtExit()
        {
            bool any = false;
            for (var r = residual[current].Try; r is { } region; r = residual[region].Parent)
                if (residual[region].Kind == RegionKind.Finally)
                {
                    (exitedFinallies ??= []).Add(region);
                    any = true;
                }
            if (!any) return;
            exiting ??= residual.AddSlot(IrType.Bool, "exiting");
            Append(new Instruction(Opcode.StoreSlot, Constant(1, IrType.Bool)) { Slot = exiting.Value });
        }

        /// <summary>
        /// Once every path is specialized: each residual finally handler an exit leaves gets a new entry block that
        /// ends the handler (<c>endfinally</c>) when the exit's local is set, else goes on to the handler's code
        /// (<see cref="SkipFinalliesAtExit"/>). Cost: a local load and a branch per finally run, only in units with such an exit.
        /// </summary>
        private void GuardExitedFinallies()
        {
            // Not "?? []": an empty set would make .NET compile HashSet<Region> for nothing.
            if (exitedFinallies is null) return;
            foreach (var region in exitedFinallies)
            {
                var data = residual[region];
                var entry = residual.AddBlock();
                var skip = residual.AddBlock();
                foreach (var block in (Block[])[entry, skip])
                {
                    residual[block].Try = residual[data.Handler].Try;
                    residual[block].HandlerOf = region;
                }
                current = entry;
                var set = Emit(new Instruction(Opcode.LoadSlot) { Slot = exiting!.Value }, IrType.Bool);
                Append(new Instruction(Opcode.BrIf, set) { Targets = { new BlockCall(skip, []), new BlockCall(data.Handler, []) } });
                current = skip;
                Append(new Instruction(Opcode.EndFinally));
                data.Handler = entry;
            }
        }

        /// <summary>
        /// Refuses a mid-step exit inside a residual finally, fault or filter handler: the graph evaluator would resume
        /// inside it without what the unwinding carried (where a finally goes on at its <c>endfinally</c>: to a
        /// leave's target, or on unwinding; where a filter's result goes). Inside a catch handler the exit hands the
        /// evaluator the exception it handles (<see cref="ExitFrame.CaughtSlot"/>), for a <c>rethrow</c>; inside try
        /// bodies nothing more is needed (<see cref="SkipFinalliesAtExit"/>).
        /// </summary>
        private static void RefuseExitInsideHandlers(List<ExtensionFrame> frames, Instruction site, string what)
        {
            if (frames.LastOrDefault(f => f.InHandler is { } h && f.Graph.Graph[h.Source].Kind != RegionKind.Catch) is not { } inside) return;
            throw new SpecializationException($"{frames[^1].Graph.Name}: {what} at {site.Location} is inside the {inside.Graph.Graph[inside.InHandler!.Value.Source].Kind.ToString().ToLowerInvariant()} handler of {inside.InHandler!.Value.Source} of {inside.Graph.Name} (block{inside.Block}); "
                + "compiled code leaves to the interpreter inside try blocks and catch handlers, not inside finally, fault or filter handlers. "
                + "Promote the value before the try or after the handler, or move the handler's work into a helper marked [DontLookInside]");
        }

        /// <summary>
        /// Refuses the unit when <paramref name="what"/> happens while a residual region or handler of one of
        /// <paramref name="frames"/> is open: a merge point there would end the step with the helper's handlers
        /// not in force (mid-step exits are fine: <see cref="SkipFinalliesAtExit"/>), and a return from inside a try (which C# writes as a leave) would
        /// leave the frame's regions open. A return passes only its own frame: a callee called from inside its
        /// caller's try returns into it.
        /// </summary>
        private void RefuseInsideRegions(List<ExtensionFrame> frames, ExtensionFrame frame, string what)
        {
            if (frames.All(f => f.OpenTries is null && f.InHandler is null)) return;
            var inside = frames.Last(f => f.OpenTries is not null || f.InHandler is not null);
            throw new SpecializationException($"{frame.Graph.Name}: {what} is inside a try block or handler of {inside.Graph.Name} (block{inside.Block}); "
                + "the specializer keeps a helper's protected regions only within a step, and a unit returns only outside them "
                + "(a try around the whole dispatch loop, or one a helper opens and closes within the step, is fine). "
                + "Move the try/catch into a helper that returns before the next merge point, or mark the helper [DontLookInside]");
        }

        /// <summary>
        /// A green slot stored inside a try of its own frame: the handler, specialized at the try's entry, would not
        /// see the value. (A callee's slots are its own: a caller's handler never reads them.)
        /// </summary>
        private static void RefuseGreenStoreInsideRegions(ExtensionFrame frame, ExtensionOp op)
        {
            if (frame.OpenTries is null) return;
            throw new SpecializationException($"{frame.Graph.Name}: the green slot store at {op.Instruction.Location} is inside a try block; its handler would not see the value. "
                + "Make the variable red (Jit.Promote it after the try), or mark the helper [DontLookInside]");
        }
    }
}

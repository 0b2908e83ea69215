using PeJit.IR;
using PeJit.IR.Evaluation;
using PeJit.Specializer.Extension;

namespace PeJit.Specializer.Engine;

// Jit.Promote: a flexible switch over the values seen so far, and the exit in the middle of a step that
// every other value takes, carrying each frame's live values to the interpreter.
public sealed partial class UnitSpecializer
{
    private sealed partial class Run
    {
        /// <summary>
        /// A flexible switch: for each value seen at this <c>Jit.Promote</c> so far, a residual test and a path
        /// that goes on with the value green; for any other value, an exit in the middle of the step.
        /// </summary>
        private void Promote(List<ExtensionFrame> frames, ExtensionOp site, Value red, IrType type)
        {
            int result = site.Result;
            var location = site.Instruction.Location;
            var at = SiteOf(site.Instruction);
            var cases = promotions.GetValueOrDefault(at) ?? [];
            if (cases.Count > owner.settings.MaxCasesPerPromotion)
                unit.Notes.Add($"promotion at {at}: {cases.Count} values seen, {owner.settings.MaxCasesPerPromotion} compiled (MaxCasesPerPromotion); others go to the interpreter");
            foreach (var value in cases.Take(owner.settings.MaxCasesPerPromotion))
            {
                // A delegate case is any delegate calling the same method on the same target (DelegateGuard);
                // any other value is the case by reference (objects) or by value (numbers, strings).
                List<ExtensionFrame> copies;
                if (value is Delegate { HasSingleTarget: true }) copies = QueueDelegateCase(red, Lift(Known.OfGreen(value), IrType.Object), location, frames);
                else copies = QueueCase(Emit(new Instruction(Opcode.Ceq, red, Lift(Known.OfGreen(value), type)) { Location = location }, IrType.Bool), location, frames);
                copies[^1].SetBoxed(result, value);
            }
            frames[^1].SetRed(result, red);
            EmitMidStepExit(frames, site.Instruction, red, type, promoteSite: at);
        }

        /// <summary>
        /// A case of a flexible switch: branches on <paramref name="test"/> to a new block, which is queued to go on from
        /// copies of <paramref name="frames"/> (returned, for the caller to make the case's value known in them before
        /// the queue reaches them); specialization goes on here in the block every other value takes.
        /// </summary>
        private List<ExtensionFrame> QueueCase(Value test, SourceLocation location, List<ExtensionFrame> frames)
        {
            var copies = frames.Select(f => f.Copy()).ToList();
            pending.Enqueue(new Pending(BranchOnCase(test, location), copies, null, origin!));
            return copies;
        }

        /// <summary>
        /// A delegate's case (see <see cref="QueueCase"/>): the delegate itself by reference first, then, on the other side,
        /// any delegate of the same method and target (<see cref="DelegateGuard.Matches"/>). The reference test is what every
        /// turn of a loop takes (Lua's builtins are made once), and a call left on that path costs a loop more than the call:
        /// RyuJIT does not inline into a unit past 512 locals, and keeps the loop's values in memory across a call. The
        /// reference test of two loop-invariant values is moved out of the loop by <c>hoist</c>, the call then on a path no
        /// turn takes (Docs/PERFORMANCE.md, "Promotion across read-only calls by default").
        /// </summary>
        private List<ExtensionFrame> QueueDelegateCase(Value red, Value expected, SourceLocation location, List<ExtensionFrame> frames)
        {
            var copies = frames.Select(f => f.Copy()).ToList();
            var hit = BranchOnCase(Emit(new Instruction(Opcode.Ceq, red, expected) { Location = location }, IrType.Bool), location);
            // Not the same delegate: the same method and target? Either way to the case's block.
            var matches = Emit(new Instruction(Opcode.Call, red, expected) { Method = DelegateGuard.MatchesMethod, Location = location }, IrType.Bool);
            var miss = AddBlockHere();
            Append(new Instruction(Opcode.BrIf, matches) { Location = location, Targets = { new BlockCall(hit, []), new BlockCall(miss, []) } });
            current = miss;
            pending.Enqueue(new Pending(hit, copies, null, origin!));
            return copies;
        }

        /// <summary>Ends the current block with a branch on <paramref name="test"/>: the block for true is returned, the one for false is current.</summary>
        private Block BranchOnCase(Value test, SourceLocation location)
        {
            var hit = AddBlockHere();
            var miss = AddBlockHere();
            Append(new Instruction(Opcode.BrIf, test) { Location = location, Targets = { new BlockCall(hit, []), new BlockCall(miss, []) } });
            current = miss;
            return hit;
        }

        /// <summary>The first <paramref name="count"/> items of <paramref name="items"/> (itself when full): <c>Array.Copy</c>, not the generic <c>Array.Resize</c>.</summary>
        private static T[] Trimmed<T>(T[] items, int count) where T : struct
        {
            if (count == items.Length) return items;
            var trimmed = new T[count];
            Array.Copy(items, trimmed, count);
            return trimmed;
        }

        /// <summary>What to write instead of a <c>ref</c> compiled code cannot hand over at a mid-step exit.</summary>
        private const string AddressAdvice = "copy the struct into a local (`var frame = frames[i];` instead of `ref var frame = ref ...`) "
            + "before the Jit.Promote, or take the reference again after it";

        /// <summary>
        /// The evaluator's address (<see cref="Address.OfElement"/>) of the array element a red address points at, made
        /// where compiled code leaves in the middle of a step, when the residual code took it as an element's address
        /// (<c>ref Frame frame = ref frames[fp]</c>, both red): the rest of the step, in the evaluator, reads and writes that
        /// element. Null for another address (a field's, a local's), which the exit cannot hand over.
        /// </summary>
        private Value? ExitAddress(Value red)
        {
            var definition = residual[red].DefiningInstruction;
            // A ref local's slot holds the address it was set to (ldslot of a slot stored once in this block's path).
            if (definition is { Opcode: Opcode.LoadSlot } load && LastStoreOf(load.Slot) is { } stored) definition = residual[stored].DefiningInstruction;
            if (definition is not { Opcode: Opcode.ElementAddr } element) return null;
            var index = element.Operands[1];
            var wide = residual.TypeOf(index).Kind == TypeKind.I64 ? index : Emit(new Instruction(Opcode.Conv, index), IrType.I64);
            return Emit(new Instruction(Opcode.Call, element.Operands[0], wide) { Method = ElementAddressMethod }, IrType.Object);
        }

        /// <summary>The value last stored into residual slot <paramref name="slot"/> in the current block, if any.</summary>
        private Value? LastStoreOf(Slot slot)
        {
            var instructions = residual[current].Instructions;
            for (int i = instructions.Count - 1; i >= 0; i--)
                if (instructions[i] is { Opcode: Opcode.StoreSlot } store && store.Slot == slot) return store.Operands[0];
            return null;
        }

        /// <summary>The IR reference to <see cref="Address.OfElement"/>, resolved through its <see cref="MethodRef.Origin"/>.</summary>
        private static readonly MethodRef ElementAddressMethod = new(
            "PeJit.IR.Evaluation.Address PeJit.IR.Evaluation.Address::OfElement(System.Array,System.Int64)", hasThis: false,
            origin: typeof(Address).GetMethod(nameof(Address.OfElement)));

        /// <summary>Leaves compiled code in the middle of a step: every frame's live values go to the exit buffer.</summary>
        private void EmitMidStepExit(List<ExtensionFrame> frames, Instruction site, Value promoted, IrType type, bool promotesClass = false, PromotionSite? promoteSite = null)
        {
            RefuseExitInsideOtherPortal(frames, site);
            RefuseExitInsideHandlers(frames, site, promotesClass ? "the exit of a Jit.PromoteClass for a class without a case" : "the exit of a Jit.Promote for a value without a case");
            int index = unit.Exits.Count;
            KeyGraph.AddOpen(origin!);
            var stores = new List<ExitSlot> { new(IrType.I32, Known.OfGreen(index)) };
            // Slots are written in order, so slot k is stores[k].
            void StoreExit(int at, Value value, IrType type)
            {
                if (at != stores.Count) throw new InvalidOperationException($"exit slot {at} written out of order");
                stores.Add(new ExitSlot(type, Known.OfRed(value)));
            }
            int slot = 1;
            int promotedSlot = 0;
            var exitFrames = new List<ExitFrame>();
            // Each frame's site key and position: the innermost inlined portal activation at or outside it, else the step's (CallSiteKey).
            GreenKey frameStep = StepKey;
            CallPath? framePath = null;
            for (int f = 0; f < frames.Count; f++)
            {
                var frame = frames[f];
                if (frame.InlinedPortal is { } activation) (frameStep, framePath) = (activation.Current, activation.Position);
                var graph = frame.Graph.Graph;
                // The locals: green ones as the engine knows them, red ones read from their residual slots.
                // Arrays of an upper bound, trimmed, not lists: a List<ExitValue> or a list of its tuples has a class
                // initializer .NET compiles in every process's first unit (Docs/PERFORMANCE.md, "cold7").
                var slots = new (Slot, ExitValue)[(frame.Slots?.Count ?? 0) + (frame.ResidualSlots?.Count ?? 0)];
                int slotCount = 0;
                foreach (var (local, known) in frame.Slots ?? [])
                {
                    if (known.IsGreen)
                    {
                        // A struct local with red fields (analysis rule 7): its residual slot, below, holds the whole struct.
                        if (frame.ResidualSlots?.ContainsKey(local) == true) continue;
                        slots[slotCount++] = (local, new ExitValue(default, true, known.Green, 0));
                        continue;
                    }
                    StoreExit(slot, known.Red, graph[local].Type);
                    slots[slotCount++] = (local, new ExitValue(default, false, null, slot++));
                }
                foreach (var (local, mapped) in frame.ResidualSlots ?? [])
                {
                    var localType = graph[local].Type;
                    var content = Emit(new Instruction(Opcode.LoadSlot) { Slot = mapped }, localType);
                    if (localType.IsAddress)
                    {
                        content = ExitAddress(content) ?? throw new SpecializationException($"{frame.Graph.Name}: compiled code cannot leave in the middle of a step "
                            + $"while a local holds an address ({local}, {site.Location}) other than an array element's: {AddressAdvice}");
                        localType = IrType.Object;
                    }
                    StoreExit(slot, content, localType);
                    slots[slotCount++] = (local, new ExitValue(default, false, null, slot++));
                }
                var block = new Block(frame.Block);
                // The values live here and those the graph keeps live (the portal's `this`, which a bridge from this exit
                // passes at its merge point), in index order.
                // Not JoinPoints.LiveAt: an exit in a graph no path joined in would compute its join points (the first unit's warm-up).
                var live = JoinPoints.WithKeptLive(frame.Graph.Liveness.LiveFrom(block, frame.Index), frame.Graph.KeptLive);
                // At most the live values and a constructor's object (below).
                var values = new ExitValue[live.Length + 1];
                int valueCount = 0;
                foreach (int number in live)
                {
                    var value = new Value(number);
                    if (frame.States[value.Index] == RegisterState.Unset)
                    {
                        if (frame.Graph.Definitions[value.Index] is not null) Ensure(frame, value.Index);
                        else continue;   // a call's result not back yet, or a value the rest defines again
                    }
                    if (frame.IsGreen(value.Index))
                    {
                        // A green local's address (rule 11) is the engine's: the resumed step gets the address of that
                        // local in its own frame (frames and exit frames are in the same order, so the depth carries over).
                        values[valueCount++] = new ExitValue(value, true, frame.Box(value.Index) is GreenSlotAddress local ? new ResumeFrameSlot(local.Depth, local.Slot) : frame.Box(value.Index), 0);
                        continue;
                    }
                    var red = frame.Reds[value.Index];
                    var valueType = graph.TypeOf(value);
                    if (valueType.IsAddress)
                    {
                        red = ExitAddress(red) ?? throw new SpecializationException($"{frame.Graph.Name}: compiled code cannot leave in the middle of a step "
                            + $"while an address ({value}) other than an array element's is live ({site.Location}): {AddressAdvice}");
                        valueType = IrType.Object;
                    }
                    if (red == promoted && promotedSlot == 0) promotedSlot = slot;
                    StoreExit(slot, red, valueType);
                    values[valueCount++] = new ExitValue(value, false, null, slot++, frame.ExactClass(value.Index));
                }
                // Inside a catch handler: the exception it handles, which the evaluator's rethrow needs (RefuseExitInsideHandlers).
                int caughtSlot = 0;
                if (frame.InHandler is { } handler)
                {
                    var parameter = graph[graph[handler.Source].Handler].Parameters[0];
                    caughtSlot = slot;
                    StoreExit(slot++, frame.Reds[parameter.Index], graph.TypeOf(parameter));
                }
                var callResult = f + 1 < frames.Count ? frames[f + 1].CallSite!.Instruction.Result : null;
                // Inside an inlined constructor: the interpreter resumes its body, which returns nothing, so the newobj's
                // result is the object it runs on, in the exit buffer now (the allocate of EnterConstructor).
                if (f + 1 < frames.Count && frames[f + 1] is { CallSite.Treatment: CallTreatment.InlineConstructor } constructor
                    && callResult is { } madeObject)
                {
                    StoreExit(slot, constructor.Reds[constructor.Graph.Parameters[0]], graph.TypeOf(madeObject));
                    values[valueCount++] = new ExitValue(madeObject, false, null, slot++);
                    callResult = null;
                }
                exitFrames.Add(new ExitFrame(graph, block, frame.Index, Trimmed(values, valueCount), callResult) { Slots = Trimmed(slots, slotCount), CaughtSlot = caughtSlot, SiteStep = frameStep, SitePath = framePath });
            }
            if (promotedSlot == 0)
            {
                promotedSlot = slot;
                StoreExit(slot++, promoted, type);
            }
            unit.ExitBufferSize = Math.Max(unit.ExitBufferSize, slot);
            unit.Exits.Add(new CompiledExit(index, entryKey, promotesClass
                ? $"a class at Jit.PromoteClass ({site.Location}) without a compiled case"
                : $"a value at Jit.Promote ({site.Location}) without a compiled case")
            {
                Frames = exitFrames, PromoteSite = promoteSite ?? new PromotionSite(StepKey, site), PromotedSlot = promotedSlot, PromotedType = type, PromotesClass = promotesClass,
            });
            SkipFinalliesAtExit();
            LeaveUnit(stores);
        }
    }
}

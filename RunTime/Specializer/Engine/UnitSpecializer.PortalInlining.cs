using PeJit.IR;
using PeJit.Specializer.Extension;

namespace PeJit.Specializer.Engine;

// Inlined interpreted calls: a residual call of the portal itself whose callee key is known (or guarded) runs the
// callee's steps inside the caller's unit, on a frame of the portal of its own, instead of calling it.
public sealed partial class UnitSpecializer
{
    private sealed partial class Run
    {
        /// <summary>What the runs of this specialization learned about inlining (refused callees); set by <see cref="UnitSpecializer.Specialize(GreenKey, IReadOnlyDictionary{PromotionSite, IReadOnlyList{object?}}, bool, IReadOnlySet{GreenKey}?)"/>.</summary>
        public InliningRefusals Refusals { get; init; } = new();

        /// <summary>Keys whose steps call, not leave, at an interpreted call without a case (the tails after a loop, run once per leaving it); null for none.</summary>
        public IReadOnlySet<GreenKey>? QuietKeys { get; init; }

        /// <summary>
        /// Whether an interpreted call without a case leaves (so that the runtime learns its callee). Not in the first run
        /// of a loop's unit, which finds the keys on the loop's cycle: a step that left there would not say where it goes
        /// on, so that run calls, and the second run leaves (<see cref="CalledForLearning"/> asks for one).
        /// </summary>
        public bool LearnAtCalls { get; init; } = true;

        /// <summary>Whether this run called where a run that learns would leave.</summary>
        public bool CalledForLearning { get; private set; }

        /// <summary>Whether this run inlined an interpreted call (a run that did and failed is tried again without).</summary>
        public bool InlinedAny { get; private set; }

        /// <summary>The frames of the path that runs now (for <see cref="CallSiteKey"/> inside an inlined callee).</summary>
        private List<ExtensionFrame>? pathFrames;

        /// <summary>
        /// Set by a step that went on in the caller after a call it did not inline, where paths that inlined the
        /// callee come back: the path arrives at the call's return (a join point), so that they share what follows.
        /// </summary>
        private bool arriveAfterCall;

        /// <summary>
        /// The key an interpreted call's guard, a <c>Jit.Promote</c> or a <c>Jit.PromoteClass</c> has its cases at: the
        /// step of the innermost inlined callee on the path, else the step's. Each position of the interpreted program
        /// sees its own values (<see cref="PromotionSite"/>): a call inside an inlined callee is guarded with the callees
        /// seen there, not with those of every call of the caller's step, and the callee's <c>Add</c> with the classes
        /// it adds, not with the caller's. (Keyed by the caller's step, an interpreter that promotes its callee at every
        /// call, as Lua's does, gave each inlined call a case for every callee of the step, itself included, and a
        /// builtin path at every call of a closure: past the inlining budget.)
        /// </summary>
        private GreenKey CallSiteKey => InnermostInlined?.Current ?? StepKey;

        /// <summary>
        /// With <see cref="CallSiteKey"/>: where the innermost inlined callee on the path was called (null outside any).
        /// Each inlined copy of a callee has its own cases (<see cref="CallPath"/>).
        /// </summary>
        private CallPath? CallSitePath => InnermostInlined?.Position;

        /// <summary>Where <paramref name="call"/>'s cases are (a <c>Jit.Promote</c>, a <c>Jit.PromoteClass</c>, an interpreted call's guard) on this path.</summary>
        private PromotionSite SiteOf(Instruction call) => new(CallSiteKey, call, CallSitePath);

        /// <summary>The innermost inlined callee on the path, if any.</summary>
        private InlinedPortal? InnermostInlined
        {
            get
            {
                if (pathFrames is null) return null;
                for (int f = pathFrames.Count - 1; f > 0; f--)
                    if (pathFrames[f].InlinedPortal is { } inlined) return inlined;
                return null;
            }
        }

        /// <summary>
        /// Whether this run inlines the calls whose callee key is known at the call (no guard) although
        /// <see cref="SpecializationSettings.InlinePortalCalls"/> is off: a loop's unit does, by default
        /// (<see cref="SpecializationSettings.InlineKnownPortalCalls"/>); a function's unit does not.
        /// </summary>
        private bool InlinesKnownCallees => owner.settings.InlineKnownPortalCalls && !wholeFunction;

        /// <summary>Whether <paramref name="op"/> is a residual call of the portal that may be inlined (settings, no regions).</summary>
        private bool IsInlinablePortalCall(ExtensionOp op) =>
            (owner.settings.InlinePortalCalls || InlinesKnownCallees) && !Refusals.Off && op.Instruction.Method is { } method && method.FullName == owner.portal.FullName
            && !owner.CatchesSteps && !owner.program.Portal.HasRegions;

        /// <summary>
        /// An interpreted call inlined: the portal's entry runs green on a frame of its own up to its merge point (as
        /// for a call cell, <see cref="RunEntry"/>), which gives the callee's key; that frame is pushed, and the path
        /// goes on in it, through the callee's merge points without entering keys (<see cref="PassInlinedMergePoint"/>),
        /// until its return hands the result to the call. Null when the call is not inlined at all (the caller does
        /// what it did before); otherwise whether the path goes on.
        /// </summary>
        /// <remarks>
        /// A green of the callee's key that is red at the call (a closure's entry read from a register) is guarded as
        /// a <c>Jit.Promote</c> would be: a test and an inlined callee for each value seen at this call at this step
        /// (<see cref="PromotionSite"/> of the call), and for any other value, while the site may still get cases, a
        /// mid-step exit at the call (the runtime counts the value; the interpreter makes the call), past that the
        /// call as before. Recursion (a key already inlined on the path, or a function unit's own key), depth and
        /// refused callees stay calls.
        /// </remarks>
        private bool? InlinePortalCall(List<ExtensionFrame> frames, ExtensionFrame frame, ExtensionOp op)
        {
            // An instance portal's callee runs on the receiver: inlined only when it is known not to be null (the caller's own
            // `this`, a sealed class's), so that the inlined code never runs where the plain call throws, and, for a virtual
            // portal, known to be of the portal's class (an override is other code).
            if (!MayNestInlinedPortal(frames) || ReceiverMayBeNull(frame, op) || ClassToGuard(frame, op) is not null) return null;
            // The entry run dry first: nothing is emitted for a call that stays a call.
            if (CalleeAtMergePoint(frame, op, out var callee, out bool effects, dry: true) is not { } merge) return null;
            var greens = new object?[owner.GreenCount];
            int redAt = -1;
            for (int i = 0; i < greens.Length; i++)
            {
                var known = Lookup(callee, merge.Operands[i]);
                if (known.IsGreen) greens[i] = known.Green;
                else if (redAt >= 0 || !CanCompare(merge.OperandTypes[i])) return null;
                else redAt = i;
            }
            // A callee known only by a guard is inlined only when every interpreted call may be (InlinePortalCalls); and not
            // after an entry with effects: its other values leave at the call, or call the portal, which would run it again.
            if (redAt >= 0 && (!owner.settings.InlinePortalCalls || effects)) return null;
            if (redAt < 0 && !MayInline(frames, new GreenKey(greens))) return null;
            merge = CalleeAtMergePoint(frame, op, out callee, out _)
                ?? throw new SpecializationException($"{frame.Graph.Name}: the portal's entry at the interpreted call at {op.Instruction.Location} reached its merge point once and not again");
            callee.CallSite = op;
            var position = new CallPath(CallSitePath, CallSiteKey, op.Instruction);
            if (redAt < 0)
            {
                EnterInlinedPortal(frames, callee, new GreenKey(greens), position, other: null);
                return true;
            }

            // The green red at the call: a test per value seen here, the callee inlined for each.
            var type = merge.OperandTypes[redAt];
            var red = Lift(callee, merge.Operands[redAt], type);
            var site = SiteOf(op.Instruction);
            var cases = promotions.GetValueOrDefault(site) ?? [];
            var location = op.Instruction.Location;
            int inlinedCases = 0;
            bool skipped = false;
            foreach (var value in cases.Take(owner.settings.MaxCasesPerPromotion))
            {
                greens[redAt] = value;
                var key = new GreenKey([.. greens]);
                if (!MayInline(frames, key))
                {
                    skipped = true;
                    continue;
                }
                var test = Emit(new Instruction(Opcode.Ceq, red, Lift(Known.OfGreen(value), type)) { Location = location }, IrType.Bool);
                var inlined = callee.Copy();
                inlined.SetBoxed(merge.Operands[redAt], value);
                inlined.InlinedPortal = new InlinedPortal(key, [key], instructionCount) { Position = position };
                QueueCase(test, location, frames).Add(inlined);
                inlinedCases++;
                InlinedAny = true;
            }
            // Any other value: while the site may get a case (not in a function's unit, whose calls of its own key are
            // guessed at, CallThroughCell), leave at the call, so that the runtime counts the value and the interpreter calls. Not when a
            // value seen here is not inlined (recursion, refused): it would leave every time and be counted again.
            bool learns = !wholeFunction && !skipped && cases.Count < owner.settings.MaxCasesPerPromotion && QuietKeys?.Contains(StepKey) != true;
            if (learns && !LearnAtCalls) CalledForLearning = true;
            else if (learns)
            {
                frame.Index--;
                EmitMidStepExit(frames, op.Instruction, red, type, promoteSite: site);
                return false;
            }
            if (!(IsInterpretedCall(op) && CallThroughCell(frame, op))) Residualize(frame, op);
            arriveAfterCall = inlinedCases > 0;
            return true;
        }

        /// <summary>Whether one more inlined portal activation may open on this path (<c>MaxInlinedPortalDepth</c>, <c>MaxInliningDepth</c>).</summary>
        private bool MayNestInlinedPortal(List<ExtensionFrame> frames)
        {
            int depth = 0;
            foreach (var open in frames)
                if (open.InlinedPortal is not null) depth++;
            return depth < owner.settings.MaxInlinedPortalDepth && frames.Count <= owner.settings.MaxInliningDepth;
        }

        /// <summary>Pushes <paramref name="callee"/>, at its merge point with <paramref name="key"/>, as an inlined activation of the own portal or of <paramref name="other"/>.</summary>
        private void EnterInlinedPortal(List<ExtensionFrame> frames, ExtensionFrame callee, GreenKey key, CallPath position, OtherPortal? other)
        {
            callee.InlinedPortal = new InlinedPortal(key, [key], instructionCount) { Position = position, Other = other };
            frames.Add(callee);
            InlinedAny = true;
        }

        /// <summary>
        /// The key at an inlined activation's merge point <paramref name="merge"/>: its greens, led by <paramref name="other"/> for
        /// another portal's (so that it is never one of the own portal's keys, <see cref="OtherPortal"/>); null when one is red.
        /// </summary>
        private GreenKey? KnownKey(ExtensionFrame frame, ExtensionOp merge, OtherPortal? other)
        {
            int first = other is null ? 0 : 1;
            var greens = new object?[(other?.Program.Shape.GreenCount ?? owner.GreenCount) + first];
            if (other is not null) greens[0] = other;
            for (int i = first; i < greens.Length; i++)
            {
                var known = Lookup(frame, merge.Operands[i - first]);
                if (!known.IsGreen) return null;
                greens[i] = known.Green;
            }
            return new GreenKey(greens);
        }

        /// <summary>Whether a callee of <paramref name="key"/> may be inlined on this path: not refused, and not recursion (already inlined on the path, or the function unit's own key).</summary>
        private bool MayInline(List<ExtensionFrame> frames, GreenKey key)
        {
            if (Refusals.Keys.Contains(key) || wholeFunction && key.Equals(entryKey)) return false;
            foreach (var open in frames)
                if (open.InlinedPortal is { } inlined && inlined.Entry.Equals(key)) return false;
            return true;
        }

        /// <summary>
        /// The merge point of an inlined callee: its greens are the key of the callee's next step, which runs on in
        /// the same frame (no key block: the callee's code is the caller's). A key the callee already passed (a loop),
        /// or one past the inlining budget, refuses the callee: the run is given up and made again (<see cref="InlineRefusal"/>).
        /// </summary>
        private bool PassInlinedMergePoint(ExtensionFrame frame, ExtensionOp op)
        {
            var inlined = frame.InlinedPortal!;
            var key = KnownKey(frame, op, inlined.Other)
                ?? throw new SpecializationException($"{frame.Graph.Name}: a declared green is red at the merge point");
            if (inlined.Passed(key))
                throw new InlineRefusal(inlined.Entry, $"it comes back to {key} (a loop of its own; it gets a unit of its own when it gets hot)");
            if (inlined.Keys.Length >= owner.settings.MaxInlinedPortalKeys)
                throw new InlineRefusal(inlined.Entry, $"it runs more than {owner.settings.MaxInlinedPortalKeys} steps (MaxInlinedPortalKeys)");
            if (instructionCount - inlined.StartInstructions > owner.settings.MaxInlinedPortalInstructions)
                throw new InlineRefusal(inlined.Entry, $"it adds more than {owner.settings.MaxInlinedPortalInstructions} residual instructions (MaxInlinedPortalInstructions)");
            frame.InlinedPortal = inlined.After(key);
            return true;
        }
    }
}

using PeJit.IR;
using PeJit.Specializer.Extension;

namespace PeJit.Specializer.Engine;

// Unfolding recursive calls (CallTreatment.Unfold and UnfoldVirtual): each call of a recursive helper with green
// arguments is inlined and specialized to its own green arguments, until a call repeats the green arguments of
// a call still open on the specialization stack or goes past a budget; that call stays a residual call.
public sealed partial class UnitSpecializer
{
    private sealed partial class Run
    {
        // Unfolded calls so far in this run, against SpecializationSettings.MaxUnfoldedCalls.
        private int unfoldedCalls;
        // Refusals already noted, so that a call refused on many paths is noted once.
        private HashSet<(ExtensionOp, string)>? refusals;

        /// <summary>
        /// Unfolds the recursive call <paramref name="op"/> (its target: the only callee, or the green receiver's
        /// override), or leaves it a residual call and notes why.
        /// </summary>
        /// <remarks>
        /// Strategy (Truffle's recursive inlining of <c>execute()</c> on constant nodes, with the termination
        /// test of an online partial evaluator):
        /// 1. resolve the target (one with exception regions is entered as an inlined callee with regions is);
        /// 2. refuse past the inlining depth or the unit's budget of unfolded calls;
        /// 3. refuse when an open frame of the same compiled graph (method and binding-time signature) was
        ///    entered with the same green arguments: unfolding it again would repeat that frame's work forever
        ///    (a recursive function of the interpreted program, whose body node comes round again);
        /// 4. otherwise push a frame that remembers its green arguments; its return hands back what it
        ///    returns, green or red, into the caller's result (<see cref="Return"/>), so a branch on a green
        ///    result is decided while specializing and each return site continues its own path.
        /// A refused call is a deliberate residual call (the interpreter's method, called with the lifted
        /// arguments), not an error: it is noted in the unit's log.
        /// </remarks>
        private void Unfold(List<ExtensionFrame> frames, ExtensionFrame frame, ExtensionOp op)
        {
            // 1. The target.
            ExtensionGraph? target;
            if (op.Treatment == CallTreatment.UnfoldVirtual)
                target = ReceiverClass(frame, op) is { } receiverClass ? Override(op, receiverClass) : null;
            else
                target = op.Callees[0];
            string? refusal = target switch
            {
                null => "the receiver's class is not known (a generic path past the class cases) or its override is not among the analyzed targets",
                // A callee with exception handlers is entered as an inlined one is (its regions become residual regions,
                // "Exception regions" in the README): an interpreter's protected call (a try around its call of the portal)
                // is recursive through the portal.
                _ => null,
            };
            // 2. Budgets.
            if (refusal is null && frames.Count > owner.settings.MaxInliningDepth)
                refusal = $"past the inlining depth ({owner.settings.MaxInliningDepth}, MaxInliningDepth)";
            if (refusal is null && unfoldedCalls >= owner.settings.MaxUnfoldedCalls)
                refusal = $"past the unit's budget of unfolded calls ({owner.settings.MaxUnfoldedCalls}, MaxUnfoldedCalls)";
            // 3. A repeat of an open call.
            object?[]? greens = null;
            if (refusal is null)
            {
                greens = GreenArguments(frame, op);
                if (RepeatsOpenCall(frames, target!, greens)) refusal = "it repeats the green arguments of a call still open";
            }
            if (refusal is not null)
            {
                if ((refusals ??= []).Add((op, refusal)))
                    unit.Notes.Add($"residual call at {origin?.ToString() ?? entryKey.ToString()}: {frame.Graph.Name} calls {op.Instruction.Method!.Name} at {op.Instruction.Location}, not unfolded: {refusal}");
                Residualize(frame, op);
                return;
            }
            // 4. Unfold.
            unfoldedCalls++;
            Enter(frames, frame, op, target!, generic: CalleeInstantiation(frame, op, target!));
            frames[^1].UnfoldedGreens = greens;
        }

        /// <summary>The call's arguments as the engine tells unfolded calls apart: each green one's value, and a marker for each red one.</summary>
        private object?[] GreenArguments(ExtensionFrame frame, ExtensionOp op)
        {
            var greens = new object?[op.Operands.Length];
            for (int i = 0; i < greens.Length; i++)
            {
                int operand = op.Operands[i];
                Ensure(frame, operand);
                greens[i] = frame.IsGreen(operand) ? frame.Box(operand) : RedArgument;
            }
            return greens;
        }

        private static readonly object RedArgument = new();

        private static bool RepeatsOpenCall(List<ExtensionFrame> frames, ExtensionGraph target, object?[] greens)
        {
            foreach (var open in frames)
            {
                if (open.Graph != target || open.UnfoldedGreens is not { } entered || entered.Length != greens.Length) continue;
                bool same = true;
                for (int i = 0; i < greens.Length && same; i++) same = SameGreen(entered[i], greens[i]);
                if (same) return true;
            }
            return false;
        }

        /// <summary>Numbers and strings by value, objects by identity (a green object is its identity: the same node, the same code).</summary>
        private static bool SameGreen(object? a, object? b) =>
            a is ValueType || a is string ? Equals(a, b) : ReferenceEquals(a, b);
    }
}

using PeJit.IR;
using PeJit.Specializer.Extension;

namespace PeJit.Specializer.Engine;

// Calls of another portal: an interpreter with several portals (a loop portal whose statements call a function portal)
// calls one portal from another; a unit inlines such a call whose callee key is known, as it inlines a call of its own
// portal (UnitSpecializer.PortalInlining.cs), running the callee in the other portal's extension program.
public sealed partial class UnitSpecializer
{
    /// <summary>
    /// The extension program of another portal of the assembly, for a method a unit calls (null: not a JIT-enabled portal,
    /// or not one the runtime can give); set by the runtime. Null: calls of other portals stay residual calls.
    /// </summary>
    public Func<MethodRef, ExtensionProgram?>? OtherPortals { get; set; }

    /// <summary>The other portals asked for so far, by the called method's full name (null: not a portal to inline).</summary>
    private readonly Dictionary<string, OtherPortal?> otherPortals = new(StringComparer.Ordinal);

    /// <summary>The other portal <paramref name="method"/> is, asked of <see cref="OtherPortals"/> once per method.</summary>
    private OtherPortal? OtherPortalOf(MethodRef method)
    {
        lock (otherPortals)
        {
            if (!otherPortals.TryGetValue(method.FullName, out var other))
            {
                var program = OtherPortals!(method);
                // A portal with protected regions around its steps is not inlined, as the unit's own portal is not
                // (IsInlinablePortalCall). An instance portal's `this` is its call's receiver (InlineOtherPortalCall).
                other = program is { Shape.ImplicitReds.Count: <= 1, Portal.HasRegions: false } && program != this.program ? new OtherPortal(program) : null;
                otherPortals[method.FullName] = other;
            }
            return other;
        }
    }

    private sealed partial class Run
    {
        /// <summary>
        /// The other portal <paramref name="op"/> calls, when this run may inline it (settings as for the unit's own portal's
        /// calls); else null. A function's unit inlines it too (a loop portal entered once per turn of an outer loop gets
        /// its units at its entry): it does not inline calls of its own portal because those are its recursion, made
        /// through call cells and direct calls, which a call of another portal is not.
        /// </summary>
        private OtherPortal? OtherPortalToInline(ExtensionOp op)
        {
            if (owner.OtherPortals is null || !owner.settings.InlineOtherPortalCalls || Refusals.Off) return null;
            if (op.Instruction is not { Opcode: Opcode.Call, Method: { } method } || method.FullName == owner.portal.FullName) return null;
            if (!(owner.settings.InlinePortalCalls || owner.settings.InlineKnownPortalCalls) || owner.CatchesSteps || owner.program.Portal.HasRegions) return null;
            return owner.OtherPortalOf(method);
        }

        /// <summary>
        /// A call of another portal inlined: the other portal's entry runs green on a frame of its own up to its merge point
        /// (<see cref="CalleeAtMergePoint"/>), whose greens, all known, are the callee's key; that frame is pushed and the path
        /// goes on in it, through its merge points without entering keys (<see cref="PassInlinedMergePoint"/>), until its
        /// return hands the result to the call. False, with nothing that matters emitted, when the call is not inlined
        /// (a green red at the call, recursion, depth, a refused callee): it stays a residual call of the other portal.
        /// </summary>
        /// <remarks>
        /// What the plain interpreter does is kept: the callee's code is the other portal's own graph and helpers, an
        /// exception it throws goes through the unit as through the call, and a mid-step exit inside it is refused
        /// (<see cref="RefuseExitInsideOtherPortal"/>), so the callee's calls that might leave compiled code stay calls.
        /// The callee keeps getting hot on its own at its other calls (the interpreter's, other units').
        /// </remarks>
        private bool InlineOtherPortalCall(List<ExtensionFrame> frames, ExtensionFrame frame, ExtensionOp op, OtherPortal other)
        {
            if (!MayNestInlinedPortal(frames)) return false;
            // An instance portal runs on the call's receiver, which becomes the callee frame's `this` (its first parameter):
            // inlined only when it is known not to be null (where the plain call throws, the inlined code must not run) and
            // the call runs that portal, not an override (a `callvirt` of a virtual method of a class that is not sealed).
            if (op.Instruction.Method is { HasThis: true } method && (ReceiverMayBeNull(frame, op) || MayRunAnOverride(op, method))) return false;
            // Dry first: nothing is emitted for a call that stays a call.
            if (CalleeAtMergePoint(frame, op, out var callee, out _, other.Program, dry: true) is not { } merge) return false;
            if (KnownKey(callee, merge, other) is not { } key || !MayInline(frames, key)) return false;
            if (CalleeAtMergePoint(frame, op, out callee, out _, other.Program) is null)
                throw new SpecializationException($"{frame.Graph.Name}: the entry of {other} at the call at {op.Instruction.Location} reached its merge point once and not again");
            callee.CallSite = op;
            EnterInlinedPortal(frames, callee, key, new CallPath(CallSitePath, CallSiteKey, op.Instruction), other);
            return true;
        }

        /// <summary>Whether <paramref name="op"/>, a call of another portal's <paramref name="method"/>, may dispatch to an override: a <c>callvirt</c> of a virtual method, not <c>sealed</c>, of a class that is not.</summary>
        private bool MayRunAnOverride(ExtensionOp op, MethodRef method)
        {
            if (op.Instruction.Opcode != Opcode.CallVirt) return false;
            var resolved = owner.resolver.ResolveMethod(method);
            return resolved.IsVirtual && !resolved.IsFinal && resolved.DeclaringType is { IsSealed: false };
        }

        /// <summary>
        /// Refuses the outermost inlined activation of another portal on the path, if any, at a mid-step exit: the runtime
        /// resumes a step of the unit's own portal (its graphs, <see cref="ExitFrame"/>), not one of another portal's. The run
        /// is made again with that callee's calls left calls (<see cref="InlineRefusal"/>).
        /// </summary>
        private static void RefuseExitInsideOtherPortal(List<ExtensionFrame> frames, Instruction site)
        {
            foreach (var frame in frames)
                if (frame.InlinedPortal is { Other: { } other } inlined)
                    throw new InlineRefusal(inlined.Entry, $"it would leave compiled code at {site.Location}, inside a call of {other} (another portal: the runtime resumes steps of this portal only)");
        }
    }
}

using System.Collections.Concurrent;
using System.Reflection;
using PeJit.IR;
using PeJit.Specializer.Extension;

namespace PeJit.Specializer.Engine;

// Calls through green delegates (CallTreatment.InlineDelegate): the delegate's target method, known while
// specializing, picks the member of the call's delegate family the analysis compiled, which is inlined like a
// direct call, the delegate's target object (a closure, the lambdas' singleton) its green first argument.
public sealed partial class UnitSpecializer
{
    // Per call site and target method: the index of the family member compiled for it, or -1 (looked up once).
    // Made when first needed: most programs call no delegate, and the dictionary (keyed by a tuple) is compiled by .NET
    // on first use, while the portal is prepared (Docs/PERFORMANCE.md, warm-up).
    private ConcurrentDictionary<(ExtensionOp, MethodInfo), int>? delegateMembers;

    private ConcurrentDictionary<(ExtensionOp, MethodInfo), int> DelegateMembers =>
        delegateMembers ?? Interlocked.CompareExchange(ref delegateMembers, new ConcurrentDictionary<(ExtensionOp, MethodInfo), int>(), null) ?? delegateMembers;

    private sealed partial class Run
    {
        /// <summary>
        /// <c>d.Invoke(args)</c> with <c>d</c> green: inlines the family member <c>d</c> names; otherwise (a target
        /// outside the family, a multicast or null delegate, the inlining budget spent) leaves the call residual,
        /// with a note, or refuses the unit when the analysis made the result green (it would be red).
        /// </summary>
        private void CallDelegate(List<ExtensionFrame> frames, ExtensionFrame frame, ExtensionOp op)
        {
            int operand = op.Operands[0];
            Ensure(frame, operand);
            string? why = null;
            int member = -1;
            if (!frame.IsGreen(operand)) why = "the delegate is red here";
            else if (frame.Box(operand) is not Delegate target) why = "the delegate is null (the residual call throws, as the interpreter does)";
            else if (!target.HasSingleTarget) why = "the delegate is multicast (its invocation list has several methods)";
            else if (frames.Count > owner.settings.MaxInliningDepth) why = $"the inlining depth budget ({owner.settings.MaxInliningDepth}, MaxInliningDepth) is spent";
            else if ((member = Member(op, target.Method)) < 0)
                why = $"its target {target.Method.DeclaringType?.FullName}::{target.Method.Name} is not among the family members compiled for this call "
                    + $"({(op.Callees.Length == 0 ? "none" : string.Join(", ", op.Callees.Select(c => c.Name)))}): a member the analysis leaves a call (a portal, "
                    + "[DontLookInside], a generic method; the BTA report's \"Calls through delegates\" says which and why), or a delegate made by reflection or in an assembly not analyzed";
            else if (op.Callees[member].HasRegions) why = $"{op.Callees[member].Name} has exception handlers, which inlined code cannot hold yet";
            if (why is null)
            {
                EnterDelegate(frames, frame, op, op.Callees[member], ((Delegate)frame.Box(operand)!).Target);
                return;
            }
            string message = $"the call through a delegate in {frame.Graph.Name} ({op.Instruction.Location}) stays a residual call: {why}";
            if (op.Result >= 0 && op.ResultIsGreen)
                throw new SpecializationException(message + "; the analysis made its result green, so the unit cannot be specialized past it. "
                    + "Make the delegate from a method of the analyzed assemblies, or Jit.Promote the result.");
            unit.Notes.Add(message);
            Residualize(frame, op);
        }

        /// <summary>The index in <see cref="ExtensionOp.Callees"/> of the member compiled for <paramref name="method"/>, or -1.</summary>
        private int Member(ExtensionOp op, MethodInfo method) => owner.DelegateMembers.GetOrAdd((op, method), key =>
        {
            var (site, target) = key;
            for (int c = 0; c < site.CalleeMethods.Length; c++)
            {
                var candidate = owner.resolver.ResolveMethod(site.CalleeMethods[c]);
                if (candidate.MetadataToken == target.MetadataToken && candidate.Module == target.Module) return c;
            }
            return -1;
        });

        /// <summary>
        /// Pushes the frame of a delegate's method: its parameters take the call's arguments (the operands after
        /// the delegate); closed (one more parameter than the call's arguments), its first parameter is the
        /// delegate's <paramref name="target"/>, green.
        /// </summary>
        private void EnterDelegate(List<ExtensionFrame> frames, ExtensionFrame caller, ExtensionOp call, ExtensionGraph callee, object? target)
        {
            bool closed = callee.Parameters.Length == call.Operands.Length;
            if (closed && callee.RedValues[callee.Parameters[0]])
                throw new SpecializationException($"{callee.Name}: the analysis made the delegate's target red (internal error of the generating extension)");
            var frame = Enter(frames, caller, call, callee, firstParameter: closed ? 1 : 0, firstOperand: 1);
            if (closed) frame.SetBoxed(callee.Parameters[0], target);
        }
    }
}

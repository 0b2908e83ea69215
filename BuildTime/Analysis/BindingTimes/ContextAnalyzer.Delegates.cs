using Mono.Cecil;
using PeJit.IR;

namespace PeJit.Analysis.BindingTimes;

// Calls through delegates (rule 4, delegates): a green delegate's Invoke is inlined for each member of its
// family (DelegateFamilies); a red one stays a residual call. And the reads of compiler-generated state that
// delegates see (captured variables, lambda caches), green when nothing writes them once a delegate exists.
internal sealed partial class ContextAnalyzer
{
    /// <summary>
    /// The decision for <c>d.Invoke(args)</c>: <see cref="CallTreatment.InlineDelegate"/> with a context per family
    /// member when <c>d</c> is green, else residual; the family is recorded either way for the report.
    /// </summary>
    /// <remarks>
    /// A member is called either closed (its first argument, <c>this</c> or a static method's first parameter, is
    /// the delegate's target: a lambda on its closure or on the compiler's singleton, an instance method group)
    /// or open (the call's arguments are its arguments: a static method group). Closed, the target is green, read
    /// from the green delegate; the other arguments have the binding times the call passes.
    /// </remarks>
    private CallDecision DecideDelegateCall(Instruction instruction)
    {
        var reference = (MethodReference)instruction.Method!.Cecil!;
        var delegateType = reference.DeclaringType;
        var members = analysis.Delegates.Of(delegateType);
        var included = new List<MethodDefinition>();
        var excluded = new List<(string, string)>();
        foreach (var member in members)
        {
            if (ExcludedReason(member, instruction.Operands.Count) is { } why) excluded.Add((BindingTimeAnalysis.MethodName(member), why));
            else included.Add(member);
        }
        var family = new DelegateFamily(delegateType.FullName, members.Select(BindingTimeAnalysis.MethodName).ToList(), excluded);
        var delegateValue = instruction.Operands[0];
        if (IsRed(delegateValue))
            return new CallDecision(CallTreatment.Residual,
                $"a call through the red delegate {Describe(delegateValue)}: its target is known only when the residual code runs "
                + "(read it from green or immutable memory, or Jit.Promote it to guard on its value)", []) { Family = family };
        if (members.Count == 0)
            return new CallDecision(CallTreatment.Residual,
                $"no method of the analyzed assemblies is made into a {delegateType.Name}, so the delegate comes from elsewhere (reflection, another assembly)", [])
            { Family = family };
        if (included.Count == 0)
            return new CallDecision(CallTreatment.Residual, "every method of the delegate family stays a call: " + string.Join("; ", excluded.Select(e => $"{e.Item1}: {e.Item2}")), [])
            { Family = family };
        var contexts = included.Select(member => MemberContext(instruction, member)).ToList();
        return new CallDecision(CallTreatment.InlineDelegate,
            "a call through a green delegate: its target is resolved while specializing and inlined", contexts) { Family = family };
    }

    private AnnotatedGraph MemberContext(Instruction instruction, MethodDefinition member)
    {
        var operands = instruction.Operands;
        bool closed = ArgumentCount(member) == operands.Count;
        // Closed: parameter 0 is the target (green: the delegate is); parameter i > 0 gets operand i. Open: parameter i gets operand i + 1.
        var times = closed
            ? new[] { BindingTime.Green }.Concat(operands.Skip(1).Select(o => graph.Times[o.Index]))
            : operands.Skip(1).Select(o => graph.Times[o.Index]);
        int shift = closed ? 0 : 1;
        return analysis.Context(member, analysis.Convert(member).Graph!, BindingTimeSignature.Of(times), i =>
        {
            if (closed && i == 0) return null;
            int operand = i + shift;
            return operand < operands.Count && IsRed(operands[operand]) ? (graph, operands[operand]) : null;
        });
    }

    private static int ArgumentCount(MethodDefinition method) => method.Parameters.Count + (method.HasThis ? 1 : 0);

    /// <summary>Why a member of the family is not inlined when a green delegate names it, or null when it is.</summary>
    private string? ExcludedReason(MethodDefinition member, int operandCount)
    {
        int arguments = ArgumentCount(member);
        if (arguments != operandCount && arguments != operandCount - 1)
            return $"takes {arguments} arguments where the call passes {operandCount - 1}";
        if (member.HasGenericParameters || member.DeclaringType.HasGenericParameters)
            return "a generic method: its instantiation is known only when the program runs";
        return analysis.ResidualReason(member);
    }

    /// <summary>
    /// For an inlined call through a delegate whose family has members that stay calls: why the result is red
    /// (the specializer leaves the call residual when the delegate names one of them). Null otherwise.
    /// </summary>
    private static RedReason? DelegateResultReason(Instruction instruction, CallDecision decision) =>
        decision.Family is { Excluded.Count: > 0 } family
            ? new RedReason(RedReasonKind.ResidualCall,
                $"the result of a call through a delegate whose family has members that stay calls ({string.Join("; ", family.Excluded.Select(e => $"{e.Member}: {e.Reason}"))})",
                null, instruction.Location)
            : null;

    /// <summary>The reason of a red read of a captured variable (a closure's field the analysis cannot take as fixed).</summary>
    private string CapturedReadReason(Mono.Cecil.FieldDefinition field) =>
        $"a read of the captured variable '{field.Name}' of the closure {field.DeclaringType.Name}, which may change: {analysis.Delegates.ExplainCaptured(field).Text}";

    /// <summary>True for compiler-generated state a delegate reads that nothing writes once the delegate exists.</summary>
    private bool IsFixedCapture(Mono.Cecil.FieldDefinition field) =>
        DelegateFamilies.IsCompilerGenerated(field.DeclaringType) && analysis.Delegates.IsFixed(field);
}

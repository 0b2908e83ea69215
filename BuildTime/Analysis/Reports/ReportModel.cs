using Mono.Cecil;
using PeJit.Analysis.BindingTimes;
using PeJit.Analysis.Hints;
using PeJit.IR;
using PeJit.IR.Text;

namespace PeJit.Analysis.Reports;

/// <summary>What the reports share: counts per annotated graph, residual calls, and explanations of red values.</summary>
internal static class ReportModel
{
    /// <summary>Values a graph defines (parameters and results), in index order.</summary>
    public static IEnumerable<Value> DefinedValues(AnnotatedGraph graph) =>
        graph.Graph.Values.Where(v => graph.Graph[v].DefiningInstruction is not null || graph.Graph[v].ParameterOf is not null);

    /// <summary>Green and red value counts.</summary>
    public static (int Green, int Red) Counts(AnnotatedGraph graph)
    {
        var values = DefinedValues(graph).ToList();
        int red = values.Count(v => graph.TimeOf(v) == BindingTime.Red);
        return (values.Count - red, red);
    }

    /// <summary>Every instruction with its block, in layout order.</summary>
    public static IEnumerable<(Block Block, int Index, Instruction Instruction)> Instructions(AnnotatedGraph graph) =>
        graph.Graph.Blocks.SelectMany(b => graph.Graph[b].Instructions.Select((instruction, i) => (b, i, instruction)));

    /// <summary>
    /// The locals whose address is taken to read through it (a struct's property getters) or to write it with
    /// green values (the init setters of a <c>with</c> expression, a setter, a small mutating method) and that stay
    /// green (Docs/bta.md, rule 8): each slot once, with its first such address, how many there are, and how many
    /// of them field writers write through.
    /// </summary>
    public static IEnumerable<(Slot Slot, Instruction First, int Count, int Written)> GreenAddressedSlots(AnnotatedGraph graph) =>
        Instructions(graph).Select(p => p.Instruction)
            .Where(i => i.Opcode == Opcode.SlotAddr && i.Result is { } address && graph.TimeOf(address) == BindingTime.Green)
            .GroupBy(i => i.Slot)
            .Select(g => (g.Key, g.First(), g.Count(), g.Count(i => graph.IsWrittenAddress(i.Result!.Value))));

    /// <summary>
    /// The struct locals a field writer made red as a whole (Docs/bta.md, rule 8: it wrote a red value into the
    /// struct, or stayed a residual call), each with the reason.
    /// </summary>
    public static IEnumerable<(Slot Slot, RedReason Reason)> StructsMadeRedByWriters(AnnotatedGraph graph) =>
        graph.Graph.Slots.Where(s => graph.WriterReasonOf(s) is not null).Select(s => (s, graph.WriterReasonOf(s)!));

    /// <summary>
    /// The struct locals with red fields that are not red as a whole (Docs/bta.md, rule 8: fields have binding times of
    /// their own), each with its red fields and their reasons, and its green fields.
    /// </summary>
    public static IEnumerable<(Slot Slot, IReadOnlyDictionary<string, RedReason> Red, IReadOnlyList<string> Green)> StructsWithRedFields(AnnotatedGraph graph) =>
        graph.Graph.Slots.Where(graph.IsPartlyRed).Select(s => (s, graph.RedFieldsOf(s), GreenFields(graph, s)));

    /// <summary>The instance fields of a struct local's type that are not red, by name (a backing field by its property's); empty when the type is not at hand.</summary>
    private static IReadOnlyList<string> GreenFields(AnnotatedGraph graph, Slot slot)
    {
        var red = graph.RedFieldsOf(slot);
        var type = graph.Graph[slot].Type.Origin as Mono.Cecil.TypeReference;
        var definition = type is null ? null : PeJit.Frontend.Construction.TypeMapper.TryResolve(type);
        return definition is null ? [] : [.. definition.Fields.Where(f => !f.IsStatic && !red.ContainsKey(f.Name)).Select(f => FieldAccess.DisplayName(f.Name))];
    }

    /// <summary>The calls that stay in the residual code (allocations included), with their reasons.</summary>
    public static IEnumerable<(Instruction Call, CallDecision Decision)> ResidualCalls(AnnotatedGraph graph) =>
        Instructions(graph).Select(p => p.Instruction)
            .Where(i => graph.Calls.TryGetValue(i, out var d) && d.Treatment is CallTreatment.Residual or CallTreatment.Allocation)
            .Select(i => (i, graph.Calls[i]));

    /// <summary>
    /// The residual calls of <paramref name="graphs"/> into the framework's collections (<c>Stack.Push (9x)</c>, by
    /// type and method, in order of first appearance): where an interpreter keeps its operand stack or its variables
    /// in a <c>Stack&lt;T&gt;</c> or a <c>Dictionary</c>, each access stays a call in compiled code,
    /// since the framework is not analyzed; but for the small methods the analysis inlines (<c>Stack&lt;T&gt;</c>'s <c>Push</c>, <c>Pop</c>,
    /// <c>Peek</c>: <see cref="BindingTimes.FrameworkCollections"/>), whose own calls on their slow paths (a resize, a throw) are not
    /// the interpreter's.
    /// </summary>
    public static IReadOnlyList<string> CollectionCalls(IEnumerable<AnnotatedGraph> graphs) =>
        graphs.Where(g => !BindingTimes.FrameworkCollections.IsInlinable(g.Method)).SelectMany(ResidualCalls)
            .Select(c => c.Call.Method?.Origin as Mono.Cecil.MethodReference)
            .Where(m => m is not null && m.DeclaringType.Namespace.StartsWith("System.Collections", StringComparison.Ordinal))
            .GroupBy(m => m!.Name == ".ctor" ? $"new {SimpleTypeName(m.DeclaringType.Name)}" : $"{SimpleTypeName(m.DeclaringType.Name)}.{m.Name}")
            .Select(g => $"{g.Key} ({g.Count()}x)")
            .ToList();

    private static string SimpleTypeName(string name) => name.IndexOf('`') is int tick and >= 0 ? name[..tick] : name;

    /// <summary>What the reports say after <see cref="CollectionCalls"/>, when there are some: why they cost, and what to do.</summary>
    public const string CollectionCallsAdvice =
        "PeJit does not look inside the .NET framework (but for a few small methods: Stack<T>'s Push, Pop, Peek and Count), so each stays a call, with its checks, wherever compiled code reaches it, and "
        + "what it stores stays in memory. If one holds the interpreter's own state (an operand stack, variables looked up by name), keep that state "
        + "in an array and an index of your own, and resolve names to slots when the program is loaded: compiled code then keeps them in "
        + "registers and drops the checks it can prove.";

    /// <summary>The calls of recursive helpers that specialization unfolds (<see cref="CallTreatment.Unfold"/>, <see cref="CallTreatment.UnfoldVirtual"/>).</summary>
    public static IEnumerable<(Instruction Call, CallDecision Decision)> UnfoldedCalls(AnnotatedGraph graph) =>
        Instructions(graph).Select(p => p.Instruction)
            .Where(i => graph.Calls.TryGetValue(i, out var d) && d.Treatment is CallTreatment.Unfold or CallTreatment.UnfoldVirtual)
            .Select(i => (i, graph.Calls[i]));

    /// <summary>The <c>Jit.PromoteClass</c> calls of a graph, in layout order.</summary>
    public static IEnumerable<Instruction> ClassPromotions(AnnotatedGraph graph) =>
        Instructions(graph).Select(p => p.Instruction)
            .Where(i => graph.Calls.TryGetValue(i, out var d) && d.Treatment == CallTreatment.PromoteClass);

    /// <summary>
    /// What a promoted class made green in a graph (Docs/bta.md rule 10), in layout order, each in words: virtual
    /// calls resolved to the class's override, type tests and casts decided, null tests decided, <c>GetType()</c>.
    /// </summary>
    public static IEnumerable<(Instruction Instruction, string What)> DecidedOnClass(AnnotatedGraph graph) =>
        Instructions(graph).Select(p => p.Instruction).Select(i => (Instruction: i, What: DecidedOnClass(graph, i))).Where(p => p.What is not null).Select(p => (p.Instruction, p.What!));

    /// <summary>What a promoted class decides at <paramref name="instruction"/>, in words; null when nothing.</summary>
    public static string? DecidedOnClass(AnnotatedGraph graph, Instruction instruction)
    {
        if (instruction.Operands.Count == 0 || !graph.IsClassGreen(instruction.Operands[0])) return null;
        var operand = Describe(graph, instruction.Operands[0]);
        if (graph.Calls.TryGetValue(instruction, out var call))
            return call.Treatment switch
            {
                CallTreatment.InlineVirtual or CallTreatment.UnfoldVirtual => $"{instruction.Method!.Name} on {operand}: resolved to the class's override ({Targets(call)})",
                CallTreatment.ClassOf => $"GetType() of {operand}: green",
                _ => null,
            };
        return instruction.Opcode switch
        {
            Opcode.IsInst => $"isinst {instruction.TypeOperand} of {operand}: decided",
            Opcode.CastClass => $"castclass {instruction.TypeOperand} of {operand}: decided",
            Opcode.BrIf => $"null test of {operand}: decided",
            _ => null,
        };
    }

    /// <summary>A call's targets in words: up to three names, then how many more (a virtual call over a class hierarchy has many).</summary>
    public static string Targets(CallDecision decision) =>
        decision.Targets.Count <= 3
            ? string.Join(" | ", decision.Targets.Select(t => t.Name))
            : string.Join(" | ", decision.Targets.Take(3).Select(t => t.Name)) + $" and {decision.Targets.Count - 3} more";

    /// <summary>The calls through delegates (<c>Invoke</c>), with their decisions and families, in layout order.</summary>
    public static IEnumerable<(Instruction Call, CallDecision Decision, DelegateFamily Family)> DelegateCalls(AnnotatedGraph graph) =>
        Instructions(graph).Select(p => p.Instruction)
            .Where(i => graph.Calls.TryGetValue(i, out var d) && d.Family is not null)
            .Select(i => (i, graph.Calls[i], graph.Calls[i].Family!));

    /// <summary>
    /// The captured variables read on a green closure in <paramref name="graphs"/>, in the order first read, each with
    /// whether the reads are green and why (<see cref="AnalysisResult.CapturedVariables"/>): what the text, JSON and HTML
    /// reports list, each in its form.
    /// </summary>
    public static IReadOnlyList<(FieldDefinition Field, bool Green, CapturedVariable Why)> CapturedReads(AnalysisResult result, IEnumerable<AnnotatedGraph> graphs)
    {
        var found = new Dictionary<FieldDefinition, bool>();
        var order = new List<FieldDefinition>();
        foreach (var graph in graphs)
            foreach (var (_, _, instruction) in Instructions(graph))
            {
                if (instruction is not { Opcode: Opcode.LoadField, Field.Cecil: { } reference } || graph.TimeOf(instruction.Operands[0]) == BindingTime.Red
                    || MemberFacts.TryResolve(reference) is not { } field || !result.CapturedVariables.ContainsKey(field))
                    continue;
                bool green = graph.TimeOf(instruction.Result!.Value) == BindingTime.Green;
                if (found.TryGetValue(field, out bool before)) found[field] = before && green;
                else { found[field] = green; order.Add(field); }
            }
        return order.Select(f => (f, found[f], result.CapturedVariables[f])).ToList();
    }

    /// <summary>The heading of the captured-variables section, the same in every report.</summary>
    public const string CapturedVariablesHeading = "Captured variables read on a green closure";

    /// <summary>What the section lists, after its heading.</summary>
    public const string CapturedVariablesNote = "a lambda's fields: green when written only before the closure escapes";

    /// <summary>One captured variable as the text and HTML reports say it: <c>'l' of Closure: green, written only by ...</c>.</summary>
    public static string CapturedLine(FieldDefinition field, bool green, CapturedVariable why) =>
        $"'{field.Name}' of {field.DeclaringType.FullName}: {(green ? "green" : "red")}, {why.Text}";

    /// <summary>What happens at a call through a delegate, in words.</summary>
    public static string DelegateOutcome(CallDecision decision) => decision.Treatment == CallTreatment.InlineDelegate
        ? $"inlined: the green delegate's target is resolved while specializing ({decision.Targets.Count} member(s) analyzed; a target outside the family stays a call)"
        : $"stays a call: {decision.Reason}";

    /// <summary>
    /// The red values worth explaining: conditions of red branches and switches, and results of residual
    /// calls, in layout order.
    /// </summary>
    public static IEnumerable<Value> InterestingRedValues(AnnotatedGraph graph) =>
        Instructions(graph).Select(p => p.Instruction)
            .SelectMany(i => i.Opcode is Opcode.BrIf or Opcode.Switch ? [i.Operands[0]] : Array.Empty<Value>())
            .Where(v => graph.TimeOf(v) == BindingTime.Red)
            .Distinct();

    /// <summary>One line per step of a red value's reason chain.</summary>
    public static IEnumerable<string> ChainLines(AnnotatedGraph graph, Value value) =>
        graph.ReasonChain(value).Select(step =>
            $"{step.Graph.Name} {step.Value}{(step.Graph.Graph[step.Value].Name is { } n ? $" ({n})" : "")}: {step.Reason.Message}"
            + (step.Reason.Location.Line > 0 ? $" (line {step.Reason.Location.Line})" : ""));

    /// <summary>A value as people read it: <c>v37 (top)</c>.</summary>
    public static string Describe(AnnotatedGraph graph, Value value) =>
        graph.Graph[value].Name is { } name ? $"{value} ({name})" : value.ToString();

    /// <summary>An instruction's text with binding times inline.</summary>
    public static string Text(AnnotatedGraph graph, Instruction instruction) =>
        IrPrinter.PrintInstruction(graph.Graph, instruction, v => graph.TimeOf(v) == BindingTime.Green ? "green" : "red");

    /// <summary>A file name without its folders, so reports do not depend on where the code was built.</summary>
    public static string FileName(string? path) => path is null ? "" : Path.GetFileName(path.Replace('\\', '/'));

    /// <summary>The loops of a graph, in words.</summary>
    public static string Loops(AnnotatedGraph graph) =>
        graph.Loops.Count == 0 ? "none" : string.Join(", ", graph.Loops.Select(l => l.Treatment switch
        {
            LoopTreatment.DispatchLoop => "dispatch loop",
            LoopTreatment.Unrolled => $"unrolled at {l.Header}",
            _ => $"generalized at {l.Header}",
        }));
}

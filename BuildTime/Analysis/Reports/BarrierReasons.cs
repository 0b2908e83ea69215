using Mono.Cecil;
using PeJit.Analysis.BindingTimes;
using PeJit.Frontend.Construction;
using PeJit.IR;

namespace PeJit.Analysis.Reports;

/// <summary>
/// The residual calls that are barriers in compiled code (the call may write memory: values loaded before it are loaded
/// again after it, a loop's promoted fields and elements are written back before it and read back after it), each with
/// the first write <see cref="MethodEffects.FirstWrite"/> found and what to do about it: the report's answer to "why is
/// this loop not kept in registers".
/// </summary>
public static class BarrierReasons
{
    /// <summary>
    /// One barrier: where the call is, what it calls (with the other calls of the same line whose first writes get the same
    /// advice: a string interpolation's five calls are one line), the first write, and the advice.
    /// </summary>
    public sealed record Barrier(AnnotatedGraph Graph, Instruction Call, IReadOnlyList<string> Callees, MethodEffects.Write Write, string Advice)
    {
        /// <summary>The report's line: <c>call to M may write memory: first write at M2 IL_00xx: a store into a field (F). Advice.</c></summary>
        public string Text => (Callees.Count == 1 ? $"call to {Callees[0]}" : $"calls to {string.Join(", ", Callees)}")
            + $" may write memory: first write at {ShortMethod(Write.Method)} IL_{Write.Offset:x4}: {Write.What}. {Advice}";
    }

    /// <summary>
    /// The barriers among <paramref name="graphs"/>' residual calls, one per call site (a method analyzed for several
    /// signatures lists its call once; calls of one source line with the same advice share a line), in order of first
    /// appearance. A call that reads only (<see cref="MethodRef.ReadsOnly"/>) or is pure is no barrier; nor is an allocation.
    /// </summary>
    public static IReadOnlyList<Barrier> Of(IEnumerable<AnnotatedGraph> graphs)
    {
        var seen = new HashSet<(string, int, string)>();
        var barriers = new List<Barrier>();
        var byLine = new Dictionary<(string, int, string), int>();
        foreach (var graph in graphs)
            foreach (var (call, decision) in ReportModel.ResidualCalls(graph))
            {
                if (decision.Treatment != CallTreatment.Residual || call.Opcode is not (Opcode.Call or Opcode.CallVirt or Opcode.ConstrainedCall)) continue;
                var method = call.Method!;
                if (method.IsPure || method.ReadsOnly || method.Cecil is not { } reference) continue;
                // The analysis's own rule: System.Object's constructor does nothing, and the specializer drops the call.
                if (method is { DeclaringTypeName: "System.Object", Name: ".ctor" }) continue;
                if (!seen.Add((graph.Method.FullName, call.Location.ILOffset, method.FullName))) continue;
                var write = MethodEffects.FirstWrite(reference) ?? new MethodEffects.Write(reference.FullName, 0, "a call the frontend did not mark as reading only");
                bool framework = ClassHierarchy.TryResolve(reference) is { } definition && MethodEffects.IsFramework(definition.Module);
                string advice = Advice(write, framework);
                string callee = ShortMethod(reference.FullName);
                if (call.Location.Line > 0 && byLine.TryGetValue((graph.Method.FullName, call.Location.Line, advice), out int at))
                {
                    if (!barriers[at].Callees.Contains(callee)) barriers[at] = barriers[at] with { Callees = [.. barriers[at].Callees, callee] };
                    continue;
                }
                byLine[(graph.Method.FullName, call.Location.Line, advice)] = barriers.Count;
                barriers.Add(new Barrier(graph, call, [callee], write, advice));
            }
        return barriers;
    }

    /// <summary>What to do next, by what the first write is.</summary>
    public static string Advice(MethodEffects.Write write, bool frameworkCallee) => write.What switch
    {
        var w when w.StartsWith("a call through a delegate", StringComparison.Ordinal) =>
            "If the delegate's targets are known when the program is loaded, call them directly (a switch), so the analysis sees their bodies",
        var w when frameworkCallee && w.StartsWith("a virtual method any override", StringComparison.Ordinal) =>
            "PeJit does not analyze the framework's code: call it outside the loop, or use code of your own that PeJit can see",
        var w when w.StartsWith("a store", StringComparison.Ordinal) =>
            "If it only keeps a cache, a counter or a log that compiled code never reads, move it off this path; "
            + "if it changes state the interpreter reads, the barrier is the cost of that write",
        var w when w.StartsWith("a base-library method", StringComparison.Ordinal) || w.StartsWith("a virtual call any override", StringComparison.Ordinal) =>
            "PeJit does not analyze the framework's code: call it outside the loop, or use code of your own that PeJit can see",
        var w when w.StartsWith("a virtual method any override", StringComparison.Ordinal) =>
            "The receiver's class is not known here, so neither is the override that runs: Jit.PromoteClass(receiver) before "
            + "the call makes the class a constant (guarded, a case per class seen) and the call that override's body, which the "
            + "analysis reads; if nothing overrides the method, seal the class or make the method non-virtual",
        var w when w.StartsWith("a comparison of keys", StringComparison.Ordinal) =>
            "Key the collection by a primitive, an enum, a string, or a class whose Equals and GetHashCode only read",
        var w when w.StartsWith("a constructor", StringComparison.Ordinal) =>
            "Keep the constructor to storing its arguments into fields, or allocate outside the loop",
        var w when w.StartsWith("a method that cannot be resolved", StringComparison.Ordinal) =>
            "Make its assembly available to the build (next to the analyzed one)",
        var w when w.StartsWith("a recursive call", StringComparison.Ordinal) || w.StartsWith("a call chain deeper", StringComparison.Ordinal) =>
            $"The analysis follows no recursion and at most {MethodEffects.MaxDepth} calls deep: call a shallower, non-recursive helper here",
        _ => "Move it off the path compiled code takes if it is not the interpreter's work",
    };

    /// <summary><c>Type::Method</c> from a Cecil full name (<c>System.Void Ns.Type::Method(System.Int32)</c>), generic arguments kept.</summary>
    public static string ShortMethod(string fullName)
    {
        int colons = fullName.IndexOf("::", StringComparison.Ordinal);
        if (colons < 0) return fullName;
        int space = fullName.LastIndexOf(' ', colons);
        int paren = fullName.IndexOf('(', colons);
        string type = fullName[(space + 1)..colons];
        int generic = type.IndexOf('<');
        int dot = (generic < 0 ? type : type[..generic]).LastIndexOf('.');
        return type[(dot + 1)..] + fullName[colons..(paren < 0 ? fullName.Length : paren)];
    }
}

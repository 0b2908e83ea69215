using PeJit.Frontend.Construction;
using System.Collections;
using PeJit.Analysis.BindingTimes;
using PeJit.Analysis.Diagnostics;
using PeJit.IR;

namespace PeJit.Analysis.Hints;

/// <summary>
/// Checks a portal's hints against its graph: the names exist, there is exactly one merge point and it is
/// inside a loop, every merge point and can-enter-JIT point passes plain variables, greens then reds in the
/// declared order, and no other variable is live at the merge point.
/// </summary>
internal static class HintValidator
{
    /// <summary>Validates; reports every problem found and returns the portal's shape, or null when it has none.</summary>
    public static PortalShape? Validate(PortalHints hints, FlowGraph graph, BindingTimeAnalysis analysis)
    {
        var method = hints.Method;
        string name = BindingTimeAnalysis.MethodName(method);
        string? document = graph.SourceDocument;
        void Error(string code, string message, SourceLocation location, string advice) =>
            analysis.Report(Severity.Error, code, message, name, location, document, advice);

        var known = new HashSet<string>(method.Parameters.Select(p => p.Name));
        foreach (var local in method.Body.Variables)
            if (method.DebugInformation.TryGetName(local, out var localName)) known.Add(localName);
        var unknown = hints.Variables.Where(v => !known.Contains(v)).ToList();
        bool namesOk = unknown.Count == 0;
        if (!namesOk && !method.Module.HasSymbols)
        {
            // One cause, one error: without the PDB no local has a name, so every argument of the hints that is
            // a local would also look like an expression (PJ0003); checking further would only repeat this.
            Error(DiagnosticCodes.NoSymbols,
                $"[JitPortal] names {string.Join(", ", unknown.Select(v => $"'{v}'"))}, which {(unknown.Count == 1 ? "is not a parameter" : "are not parameters")}, and {method.Module.Name} has no PDB beside it to name the locals",
                SourceLocation.None, "Build with portable PDBs (<DebugType>portable</DebugType>, the SDK default) and keep the .pdb next to the .dll.");
            return null;
        }
        foreach (var variable in unknown)
            Error(DiagnosticCodes.UnknownVariable, $"[JitPortal] names '{variable}', which is neither a parameter nor a local of the portal",
                SourceLocation.None, $"Declare only variables of {method.Name}; its parameters and locals are: {string.Join(", ", known.Order())}.");

        var hintCalls = graph.Blocks.SelectMany(b => graph[b].Instructions.Select(i => (Block: b, Instruction: i)))
            .Where(p => p.Instruction.Method is { } m && m.DeclaringTypeName == HintNames.JitClass)
            .ToList();
        var merges = hintCalls.Where(p => p.Instruction.Method!.Name == HintNames.MergePoint).ToList();
        if (merges.Count != 1)
        {
            Error(DiagnosticCodes.NoDispatchLoop,
                merges.Count == 0 ? "the portal has no Jit.MergePoint" : $"the portal has {merges.Count} calls of Jit.MergePoint; it must have exactly one",
                merges.Count == 0 ? SourceLocation.None : merges[1].Instruction.Location,
                "Call Jit.MergePoint(greens..., reds...) once, first thing in the body of the dispatch loop.");
            return null;
        }
        var (mergeBlock, merge) = merges[0];
        if (!LoopFinder.Find(graph).Any(l => l.Blocks.Contains(mergeBlock)))
        {
            Error(DiagnosticCodes.NoDispatchLoop, "Jit.MergePoint is not inside a loop: the portal has no dispatch loop to specialize",
                merge.Location, "Put the dispatch loop (while (true) { Jit.MergePoint(...); switch (...) ... }) in the portal itself.");
            return null;
        }

        bool argumentsOk = namesOk;
        foreach (var (_, call) in hintCalls.Where(p => p.Instruction.Method!.Name is HintNames.MergePoint or HintNames.CanEnterJit))
            argumentsOk &= CheckArguments(call, hints, Error);
        if (!argumentsOk) return null;

        // `this` of a portal on a class is live everywhere and cannot be reassigned (in SSA, the entry's
        // parameter itself): it need not be passed; compiled code gets it with the state.
        var implicitReds = new List<Value>();
        if (hints.Method.HasThis && !hints.Method.DeclaringType.IsValueType && !merge.Operands.Contains(graph.Parameters[0]))
            implicitReds.Add(graph.Parameters[0]);
        CheckLiveVariables(graph, mergeBlock, merge, implicitReds, Error);
        return new PortalShape(merge, mergeBlock, merge.Operands.ToList(), hints.Greens.Count, implicitReds);
    }

    private static bool CheckArguments(Instruction call, PortalHints hints, Action<string, string, SourceLocation, string> error)
    {
        string hint = call.Method!.Name;
        var names = call.OperandVariables ?? [];
        bool ok = true;
        for (int i = 0; i < names.Count; i++)
            if (names[i] is null)
            {
                ok = false;
                error(DiagnosticCodes.NotAVariable, $"argument {i + 1} of Jit.{hint} is an expression, not a plain local or parameter", call.Location,
                    "Store the value in a variable first and pass the variable: the JIT maps each argument back to a variable of the interpreter.");
            }
        if (ok && !names.SequenceEqual(hints.Variables))
        {
            ok = false;
            error(DiagnosticCodes.WrongArguments,
                $"Jit.{hint}({string.Join(", ", names)}) does not pass the portal's greens ({string.Join(", ", hints.Greens)}) then reds ({string.Join(", ", hints.Reds)})",
                call.Location, $"Call Jit.{hint}({string.Join(", ", hints.Variables)}), in that order.");
        }
        return ok;
    }

    /// <summary>Reports each non-constant value live just after the merge point that it does not pass.</summary>
    private static void CheckLiveVariables(FlowGraph graph, Block mergeBlock, Instruction merge, IReadOnlyList<Value> implicitReds,
        Action<string, string, SourceLocation, string> error)
    {
        var live = LiveOut(graph, mergeBlock);
        var instructions = graph[mergeBlock].Instructions;
        for (int i = instructions.Count - 1; instructions[i] != merge; i--)
        {
            var instruction = instructions[i];
            if (instruction.Result is { } result) live[result.Index] = false;
            foreach (var operand in Uses(instruction)) live[operand.Index] = true;
        }
        var passed = new HashSet<Value>(merge.Operands.Concat(implicitReds));
        for (int v = 0; v < live.Length; v++)
        {
            var value = new Value(v);
            if (!live[v] || passed.Contains(value) || IsConstant(graph, value)) continue;
            string what = graph[value].Name is { } n ? $"variable '{n}'" : $"the temporary {value}";
            error(DiagnosticCodes.MissingLiveVariable, $"{what} is live at Jit.MergePoint but not passed to it", merge.Location,
                "Pass every variable the loop body uses (greens first, then reds), and declare it in [JitPortal]; or compute it inside the loop.");
        }
    }

    private static bool IsConstant(FlowGraph graph, Value value) =>
        graph[value].DefiningInstruction?.Opcode is Opcode.Const or Opcode.Null or Opcode.String or Opcode.Token
            or Opcode.Default or Opcode.SizeOf or Opcode.LoadFunction;

    private static IEnumerable<Value> Uses(Instruction instruction) =>
        instruction.Operands.Concat(instruction.Targets.SelectMany(t => t.Arguments));

    /// <summary>The values live at the end of <paramref name="block"/> (ordinary and exceptional edges).</summary>
    /// <remarks>
    /// Strategy: one value at a time, from each block that uses it before defining it, walk backwards over
    /// predecessors and stop at blocks that define it ("liveness by paths", Appel's Modern Compiler
    /// Implementation, 19.6). The work is the total size of the live ranges; the usual bit set of every
    /// value per block would cost blocks × values, and a portal with one switch case per opcode has both
    /// in the thousands. The result is the same least fixpoint: live-in = used here ∪ (live-out − defined
    /// here), live-out = the union of the successors' live-in.
    /// </remarks>
    internal static BitArray LiveOut(FlowGraph graph, Block block)
    {
        int blockCount = graph.BlockCount;
        var defined = new HashSet<(int Block, int Value)>();
        var usedAt = new List<int>?[graph.ValueCount];
        var predecessors = new List<int>[blockCount];
        for (int b = 0; b < blockCount; b++) predecessors[b] = [];
        foreach (var from in graph.Blocks)
        {
            int b = from.Index;
            foreach (var successor in graph.Successors(from).Concat(graph.ExceptionalSuccessors(from)))
                predecessors[successor.Index].Add(b);
            foreach (var parameter in graph[from].Parameters) defined.Add((b, parameter.Index));
            foreach (var instruction in graph[from].Instructions)
            {
                foreach (var operand in Uses(instruction))
                    if (!defined.Contains((b, operand.Index)))
                    {
                        var blocks = usedAt[operand.Index] ??= [];
                        if (blocks.Count == 0 || blocks[^1] != b) blocks.Add(b);
                    }
                if (instruction.Result is { } result) defined.Add((b, result.Index));
            }
        }
        var liveOut = new BitArray(graph.ValueCount);
        // Per block, the last value found live-in there: each value's walk visits a block at most once.
        var liveInMark = new int[blockCount];
        Array.Fill(liveInMark, -1);
        var work = new Stack<int>();
        for (int v = 0; v < usedAt.Length; v++)
        {
            if (usedAt[v] is not { } uses) continue;
            foreach (int b in uses)
                if (liveInMark[b] != v)
                {
                    liveInMark[b] = v;
                    work.Push(b);
                }
            while (work.Count > 0)
                foreach (int predecessor in predecessors[work.Pop()])
                {
                    if (predecessor == block.Index) liveOut[v] = true;
                    if (liveInMark[predecessor] == v || defined.Contains((predecessor, v))) continue;
                    liveInMark[predecessor] = v;
                    work.Push(predecessor);
                }
        }
        return liveOut;
    }
}

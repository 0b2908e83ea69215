using PeJit.Frontend.Construction;
using PeJit.Analysis.BindingTimes;
using PeJit.Analysis.Diagnostics;
using PeJit.IR;
using PeJit.IR.Graphs;

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
            if (variable == "this" && method.HasThis && !method.DeclaringType.IsValueType)
                Error(DiagnosticCodes.UnknownVariable, $"[JitPortal] names 'this', which every instance portal carries as a red already", SourceLocation.None,
                    $"Leave `this` out of Reds and out of the arguments of Jit.MergePoint and Jit.CanEnterJit; a [Virtualizable] on {method.DeclaringType.Name} applies to it.");
            else if (FieldNamed(method.DeclaringType, variable) is { } field)
            {
                if (DelegateFamilies.IsCompilerGenerated(method.DeclaringType))
                    Error(DiagnosticCodes.UnknownVariable,
                        $"[JitPortal] names '{variable}', a variable the lambda captures (a field of its closure class {field.DeclaringType.Name}), not a parameter or local of the lambda: greens and reds are the portal's variables",
                        SourceLocation.None, LambdaAdvice(variable, hints.Greens.Contains(variable)));
                else
                    Error(DiagnosticCodes.UnknownVariable,
                        $"[JitPortal] names '{variable}', a field of {field.DeclaringType.Name}, not a parameter or local of the portal: greens and reds are the portal's variables",
                        SourceLocation.None, hints.Greens.Contains(variable)
                            ? $"Copy the field into a local before the loop and use the local in it: `var {variable} = Jit.Promote({(field.IsStatic ? field.DeclaringType.Name : "this")}.{field.Name});` "
                              + $"(or make it a parameter of {method.Name}: a parameter named as a green is green at the portal's entry); helpers that move it take it by ref; "
                              + "write it back to the field where the portal returns if code after it reads the field."
                            : $"Either copy it into a local before the loop (`var {variable} = {(field.IsStatic ? field.DeclaringType.Name : "this")}.{field.Name};`; helpers that move it "
                              + $"take it by ref; write it back where the portal returns), or leave it a field: mark {field.DeclaringType.Name} [Virtualizable(\"{field.Name}\")] so "
                              + (field.IsStatic ? "compiled code keeps it in a register (a static field cannot be: make it an instance field)."
                                                : "compiled code keeps it in a register, (the portal's `this` is a red without being named; another object that holds it is named in Reds)."));
            }
            else
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
        // A merge point outside any loop is a function portal (a closure compiler's function runner: each call runs one
        // function of the program, whose loops are other code): without Jit.CanEnterJit its entry is where it gets hot, as
        // a loop-free language's dispatch loop's is, so it is accepted; with one, the hint has no loop to close.
        bool functionPortal = hintCalls.All(p => p.Instruction.Method!.Name != HintNames.CanEnterJit);
        if (!functionPortal && !LoopFinder.Find(graph).Any(l => l.Blocks.Contains(mergeBlock)))
        {
            Error(DiagnosticCodes.NoDispatchLoop, "Jit.MergePoint is not inside a loop, and the portal calls Jit.CanEnterJit: the portal has no dispatch loop for it to close",
                merge.Location, "Put the dispatch loop (while (true) { Jit.MergePoint(...); switch (...) ... }) in the portal itself; "
                    + "or, for a portal that runs one function of the program per call (no loop), leave Jit.CanEnterJit out: its entry is where it gets hot.");
            return null;
        }

        bool argumentsOk = namesOk;
        foreach (var (_, call) in hintCalls.Where(p => p.Instruction.Method!.Name is HintNames.MergePoint or HintNames.CanEnterJit))
            argumentsOk &= CheckArguments(graph, call, hints, Error);
        if (!argumentsOk) return null;

        // `this` of a portal on a class is live everywhere and cannot be reassigned (in SSA, the entry's
        // parameter itself): it need not be passed; compiled code gets it with the state.
        var implicitReds = new List<Value>();
        if (hints.Method.HasThis && !hints.Method.DeclaringType.IsValueType && !merge.Operands.Contains(graph.Parameters[0]))
            implicitReds.Add(graph.Parameters[0]);
        CheckLiveVariables(graph, mergeBlock, merge, implicitReds, Error);
        return new PortalShape(merge, mergeBlock, merge.Operands.ToList(), hints.Greens.Count, implicitReds);
    }

    /// <summary>
    /// What to do when a lambda made the portal names a variable it captures: in a lambda, <c>this</c> is the enclosing
    /// class's and a local of the same name would hide the captured one, so the copy takes another name.
    /// </summary>
    private static string LambdaAdvice(string variable, bool green) =>
        $"The portal is a lambda, and '{variable}' is a field of its closure, not one of its variables: copy it into a local of another name at the lambda's start, before the loop "
        + (green ? $"(`var {variable}1 = Jit.Promote({variable});`: a captured value is not known while specializing until it is promoted)"
                 : $"(`var {variable}1 = {variable};`)")
        + $", use that local in the loop, pass it to Jit.MergePoint and Jit.CanEnterJit, and name it in [JitPortal]; or make the loop a static method with {variable} as a parameter, which the lambda calls.";

    /// <summary>The short name of a field's declaring type (<c>System.Int32 Ns.VM::ip</c>: <c>VM</c>).</summary>
    private static string DeclaringTypeOf(FieldRef field)
    {
        string type = field.DeclaringTypeName;
        return type[(type.LastIndexOfAny(['.', '/']) + 1)..];
    }

    /// <summary>The field of that name on the type or its bases, or null.</summary>
    private static Mono.Cecil.FieldDefinition? FieldNamed(Mono.Cecil.TypeDefinition? type, string name)
    {
        for (; type is not null; type = type.BaseType is { } baseType ? TypeMapper.TryResolve(baseType) : null)
            if (type.Fields.FirstOrDefault(f => f.Name == name) is { } field) return field;
        return null;
    }

    private static bool CheckArguments(FlowGraph graph, Instruction call, PortalHints hints, Action<string, string, SourceLocation, string> error)
    {
        string hint = call.Method!.Name;
        var names = call.OperandVariables ?? [];
        bool ok = true;
        for (int i = 0; i < names.Count; i++)
            if (names[i] is null)
            {
                ok = false;
                if (graph[call.Operands[i]].DefiningInstruction is { Opcode: Opcode.LoadField, Field: { } captured }
                    && DelegateFamilies.IsCompilerGenerated(hints.Method.DeclaringType) && captured.DeclaringTypeName == hints.Method.DeclaringType.FullName)
                    error(DiagnosticCodes.NotAVariable, $"argument {i + 1} of Jit.{hint} is '{captured.Name}', a variable the lambda captures (a field of its closure class), not a plain local or parameter",
                        call.Location, LambdaAdvice(captured.Name, i < hints.Greens.Count));
                else if (graph[call.Operands[i]].DefiningInstruction is { Opcode: Opcode.LoadField or Opcode.LoadStatic, Field: { } field })
                    error(DiagnosticCodes.NotAVariable, $"argument {i + 1} of Jit.{hint} is the field {field.Name} of {DeclaringTypeOf(field)}, not a plain local or parameter",
                        call.Location, i < hints.Greens.Count
                            ? $"Greens are the portal's variables: copy the field into a local before the loop and use the local in the loop "
                              + $"(`var {field.Name} = Jit.Promote(this.{field.Name});`), and pass the local."
                            : $"Reds are the portal's variables: copy the field into a local before the loop and pass the local; or leave it a field, mark its class "
                              + $"[Virtualizable(\"{field.Name}\")]: the portal's `this` is a red without being passed (pass another object that holds it instead).");
                else
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
        var instructions = graph[mergeBlock].Instructions;
        var live = Liveness.Compute(graph).LiveFrom(mergeBlock, instructions.IndexOf(merge) + 1);
        var passed = new HashSet<Value>(merge.Operands.Concat(implicitReds));
        foreach (var value in live.OrderBy(v => v.Index))
        {
            if (passed.Contains(value) || IsConstant(graph, value)) continue;
            string what = graph[value].Name is { } n ? $"variable '{n}'" : $"the temporary {value}";
            error(DiagnosticCodes.MissingLiveVariable, $"{what} is live at Jit.MergePoint but not passed to it", merge.Location,
                "Pass every variable the loop body uses (greens first, then reds), and declare it in [JitPortal]; or compute it inside the loop.");
        }
    }

    private static bool IsConstant(FlowGraph graph, Value value) =>
        graph[value].DefiningInstruction?.Opcode is Opcode.Const or Opcode.Null or Opcode.String or Opcode.Token
            or Opcode.Default or Opcode.SizeOf or Opcode.LoadFunction;
}

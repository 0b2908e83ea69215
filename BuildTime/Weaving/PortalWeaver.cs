using PeJit.Runtime;
using Mono.Cecil;
using Mono.Cecil.Cil;
using Mono.Cecil.Rocks;

namespace PeJit.Weaving;

/// <summary>
/// Rewrites one portal's IL so that it runs compiled code when its interpreted loop is hot. Each
/// <c>Jit.CanEnterJit(vars)</c> becomes
/// <code>
///   state = new object[] { box(vars)... }
///   switch (JitRuntime.CanEnterJit(ldtoken portal, state))
///     Interpret: go on interpreting (the next instruction, as before)
///     Returned:  return (T)state[0]           compiled code ran the program to its return
///     Exited:    vars = (T)state[i]...; goto merge point     compiled code left at an exit
/// </code>
/// (the statuses are <see cref="CanEnterJitStatus"/>, the state's layout <see cref="PortalProtocol"/>).
/// The rest of the method is untouched, so the portal behaves exactly as before wherever compiled code is
/// not entered. This is the IL counterpart of <c>PortalRewriter</c>, which does the same on flow graphs for
/// the in-process API.
/// </summary>
/// <remarks>
/// The return and reload paths sit after the method's last instruction, outside every exception region, and
/// are reached with <c>leave</c>, which is legal from inside a <c>try</c> or <c>catch</c> and is a plain
/// branch elsewhere. A site inside a <c>finally</c>, <c>fault</c> or filter, or inside a <c>try</c> guarded by
/// a <c>finally</c> (leaving would run the finally once more), is refused with a message.
/// </remarks>
internal sealed class PortalWeaver(MethodDefinition portal, MethodReference hook)
{
    private readonly MethodBody body = portal.Body;
    private readonly ModuleDefinition module = portal.Module;

    public int Sites { get; private set; }

    public void Weave()
    {
        if (portal.HasGenericParameters || portal.DeclaringType.HasGenericParameters)
            throw Error(null, "a portal in a generic type or with type parameters cannot be JIT-enabled yet; make the dispatch-loop method non-generic");
        body.SimplifyMacros();
        var instructions = body.Instructions;
        var merges = instructions.Where(i => IsHint(i, "MergePoint")).ToList();
        if (merges.Count != 1)
            throw Error(merges.ElementAtOrDefault(1), $"the portal has {merges.Count} calls of Jit.MergePoint; it needs exactly one, at the head of its dispatch loop");
        var (mergeStart, mergeVariables, mergeTypes) = ArgumentsOf(merges[0]);
        if (RegionsAround(mergeStart).Any())
            throw Error(mergeStart, "Jit.MergePoint is inside a try block or handler; move the dispatch loop's head out of it");
        var sites = instructions.Where(i => IsHint(i, "CanEnterJit")).ToList();
        if (sites.Count == 0) return;

        var state = new VariableDefinition(new ArrayType(module.TypeSystem.Object));
        body.Variables.Add(state);
        body.InitLocals = true;
        var il = body.GetILProcessor();

        // The shared tails, after the last instruction: return the result, or reload the state and go to the merge point.
        var returnTail = il.Create(OpCodes.Nop);
        var reloadTail = il.Create(OpCodes.Nop);
        foreach (var handler in body.ExceptionHandlers.Where(h => h.HandlerEnd is null)) handler.HandlerEnd = returnTail;
        il.Append(returnTail);
        if (portal.ReturnType.MetadataType != MetadataType.Void)
        {
            il.Append(il.Create(OpCodes.Ldloc, state));
            il.Append(il.Create(OpCodes.Ldc_I4, PortalProtocol.Result));
            il.Append(il.Create(OpCodes.Ldelem_Ref));
            il.Append(il.Create(OpCodes.Unbox_Any, portal.ReturnType));
        }
        il.Append(il.Create(OpCodes.Ret));
        il.Append(reloadTail);
        for (int i = 0; i < mergeVariables.Count; i++)
        {
            il.Append(il.Create(OpCodes.Ldloc, state));
            il.Append(il.Create(OpCodes.Ldc_I4, i));
            il.Append(il.Create(OpCodes.Ldelem_Ref));
            il.Append(il.Create(OpCodes.Unbox_Any, mergeTypes[i]));
            il.Append(mergeVariables[i] switch
            {
                VariableDefinition local => il.Create(OpCodes.Stloc, local),
                ParameterDefinition parameter => il.Create(OpCodes.Starg, parameter),
                _ => throw new InvalidOperationException("merge-point variables are locals or parameters"),
            });
        }
        il.Append(il.Create(OpCodes.Br, mergeStart));

        foreach (var site in sites) WeaveSite(il, site, state, mergeVariables.Count, returnTail, reloadTail);
        body.OptimizeMacros();
    }

    private void WeaveSite(ILProcessor il, Instruction site, VariableDefinition state, int mergeCount, Instruction returnTail, Instruction reloadTail)
    {
        foreach (var (handler, inHandler) in RegionsAround(site))
        {
            if (inHandler && handler.HandlerType != ExceptionHandlerType.Catch)
                throw Error(site, $"Jit.CanEnterJit is inside a {handler.HandlerType.ToString().ToLowerInvariant()} block; call it from the dispatch loop's body");
            if (!inHandler && handler.HandlerType is ExceptionHandlerType.Finally or ExceptionHandlerType.Fault)
                throw Error(site, "Jit.CanEnterJit is inside a try block with a finally; leaving it for compiled code would run the finally again. Call it outside the try");
        }
        var types = ((GenericInstanceMethod)site.Operand).GenericArguments;
        if (types.Count != mergeCount)
            throw Error(site, $"Jit.CanEnterJit passes {types.Count} variables but Jit.MergePoint {mergeCount}; pass the same variables, greens then reds");
        var next = site.Next ?? throw Error(site, "Jit.CanEnterJit is the method's last instruction");

        // The arguments are on the stack: store them (last first) into temporaries. The call instruction itself
        // becomes the first store, so branches and sequence points that name it stay valid.
        var temporaries = types.Select(t => new VariableDefinition(t)).ToList();
        foreach (var temporary in temporaries) body.Variables.Add(temporary);
        var code = new List<Instruction>();
        for (int i = temporaries.Count - 2; i >= 0; i--) code.Add(il.Create(OpCodes.Stloc, temporaries[i]));
        // `this` of a portal on a class goes last when the merge point does not pass it (an implicit red).
        bool passThis = PortalProtocol.PassesThis(portal.HasThis, portal.DeclaringType.IsValueType);
        code.Add(il.Create(OpCodes.Ldc_I4, PortalProtocol.StateLength(types.Count, passThis)));
        code.Add(il.Create(OpCodes.Newarr, module.TypeSystem.Object));
        code.Add(il.Create(OpCodes.Stloc, state));
        if (passThis)
        {
            code.Add(il.Create(OpCodes.Ldloc, state));
            code.Add(il.Create(OpCodes.Ldc_I4, PortalProtocol.ThisIndex(types.Count)));
            code.Add(il.Create(OpCodes.Ldarg, body.ThisParameter));
            code.Add(il.Create(OpCodes.Stelem_Ref));
        }
        for (int i = 0; i < types.Count; i++)
        {
            code.Add(il.Create(OpCodes.Ldloc, state));
            code.Add(il.Create(OpCodes.Ldc_I4, i));
            code.Add(il.Create(OpCodes.Ldloc, temporaries[i]));
            if (!IsReference(types[i])) code.Add(il.Create(OpCodes.Box, types[i]));
            code.Add(il.Create(OpCodes.Stelem_Ref));
        }
        code.Add(il.Create(OpCodes.Ldtoken, portal));
        code.Add(il.Create(OpCodes.Ldloc, state));
        code.Add(il.Create(OpCodes.Call, hook));
        var toReturn = il.Create(OpCodes.Leave, returnTail);
        var toReload = il.Create(OpCodes.Leave, reloadTail);
        code.Add(il.Create(OpCodes.Switch, PortalProtocol.StatusCases(next, toReturn, toReload)));
        code.Add(il.Create(OpCodes.Br, next));
        code.Add(toReturn);
        code.Add(toReload);

        if (temporaries.Count == 0)
        {
            site.OpCode = OpCodes.Nop;
            site.Operand = null;
        }
        else
        {
            site.OpCode = OpCodes.Stloc;
            site.Operand = temporaries[^1];
        }
        var after = site;
        foreach (var instruction in code)
        {
            il.InsertAfter(after, instruction);
            after = instruction;
        }
        Sites++;
    }

    private static bool IsReference(TypeReference type) =>
        !type.IsGenericParameter && !type.IsValueType && (type.IsArray || type.MetadataType is MetadataType.String or MetadataType.Object
            || type.Resolve() is { IsValueType: false });

    /// <summary>The loads of a merge point's arguments: each must be a plain local or parameter, loaded right before the call.</summary>
    private (Instruction Start, List<object> Variables, IReadOnlyList<TypeReference> Types) ArgumentsOf(Instruction merge)
    {
        var types = ((GenericInstanceMethod)merge.Operand).GenericArguments;
        var variables = new List<object>();
        var load = merge;
        for (int i = 0; i < types.Count; i++)
        {
            load = load.Previous ?? throw Error(merge, "Jit.MergePoint's arguments are missing");
            object? variable = load.OpCode.Code switch
            {
                Code.Ldloc => load.Operand,
                Code.Ldarg when load.Operand is ParameterDefinition { Index: >= 0 } parameter && parameter != body.ThisParameter => parameter,
                _ => null,
            };
            if (variable is null)
                throw Error(merge, "the arguments of Jit.MergePoint must be loaded right before it, each a plain local or parameter (write Jit.MergePoint(pc, code, frame, sp) as a statement of its own)");
            variables.Insert(0, variable);
        }
        return (load, variables, types.ToList());
    }

    /// <summary>The exception regions around <paramref name="instruction"/>: each handler, and whether it is in the handler (true) or the try.</summary>
    private IEnumerable<(ExceptionHandler Handler, bool InHandler)> RegionsAround(Instruction instruction)
    {
        int at = body.Instructions.IndexOf(instruction);
        int Index(Instruction? i) => i is null ? body.Instructions.Count : body.Instructions.IndexOf(i);
        foreach (var handler in body.ExceptionHandlers)
        {
            if (at >= Index(handler.TryStart) && at < Index(handler.TryEnd)) yield return (handler, false);
            else if (at >= Index(handler.HandlerStart) && at < Index(handler.HandlerEnd)) yield return (handler, true);
            else if (handler.FilterStart is { } filter && at >= Index(filter) && at < Index(handler.HandlerStart)) yield return (handler, true);
        }
    }

    private static bool IsHint(Instruction instruction, string name) =>
        instruction.OpCode.Code == Code.Call && instruction.Operand is MethodReference { Name: var n, DeclaringType.FullName: "PeJit.Jit" } && n == name;

    private WeavingException Error(Instruction? at, string message)
    {
        string where = at is null ? "" : $" at IL_{at.Offset:x4}";
        var point = at is not null && portal.DebugInformation.GetSequencePointMapping().TryGetValue(at, out var found) ? found : null;
        string line = point is null ? "" : $" ({point.Document.Url}:{point.StartLine})";
        return new WeavingException($"{portal.FullName}{where}{line}: {message}.");
    }
}

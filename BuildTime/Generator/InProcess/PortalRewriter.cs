using PeJit.Frontend.Construction;
using PeJit.IR;
using PeJit.IR.Graphs;
using PeJit.Runtime;

namespace PeJit.Runtime;

/// <summary>
/// Makes the JIT-enabled copy of a portal's flow graph: every <c>Jit.CanEnterJit</c> becomes a decrement of the
/// portal's counter at the slot its integer greens hash to and, when it reaches zero, a call of
/// <see cref="JitHooks.CanEnterJit"/> with the merge-point state, followed by a three-way switch on its
/// <see cref="CanEnterJitStatus"/>: go on interpreting; return what compiled code returned; or reload the
/// state compiled code left at an exit and jump to the merge point with it; or throw the exception a step of
/// compiled code threw, inside the regions around the merge point (<see cref="CanEnterJitStatus.Threw"/>). The hash, the counters and the
/// state are as <see cref="PortalProtocol"/> says, as in the IL the weaver writes for <c>pejit build</c>; unlike
/// it, the copy has no <c>PEJIT_DISABLE</c> test (the in-process API is asked for explicitly) and loads its
/// table from <see cref="JitHooks.CounterTables"/> (a <c>DynamicMethod</c> has no class to hold a static field).
/// </summary>
/// <remarks>
/// The rest of the graph is the interpreter itself, unchanged, so the copy behaves exactly like the
/// original everywhere compiled code is not entered. The merge block's parameters are the loop-carried
/// variables; values the loop uses without carrying them (the code object, the frame) do not change in a
/// call of the portal, so reloading the parameters is reloading the state.
/// </remarks>
public static class PortalRewriter
{
    /// <summary>Rewrites <paramref name="graph"/> (a fresh conversion of the portal) in place.</summary>
    /// <param name="graph">The portal's graph; it is changed.</param>
    /// <param name="portalId">The id <see cref="JitHooks"/> knows the portal by.</param>
    /// <param name="greens">How many of the merge point's variables, from the first, are green.</param>
    /// <param name="implicitThis">
    /// For a portal on a class: <c>this</c>, passed after the merge point's variables (compiled code takes it
    /// with the state; it never changes, so it is not reloaded).
    /// </param>
    public static void Rewrite(FlowGraph graph, int portalId, int greens, Value? implicitThis = null)
    {
        var merge = graph.Blocks.SelectMany(b => graph[b].Instructions.Select(i => (Block: b, Instruction: i)))
            .Single(p => IsHint(p.Instruction, HintNames.MergePoint));
        // A merge-point variable read from a local kept in memory (a slot: its address is passed by ref, Docs/bta.md rule 11):
        // a reload stores it there too, for the loop's later reads of the slot.
        var slotLoads = merge.Instruction.Operands
            .Select((v, index) => (Index: index, Load: graph[v].DefiningInstruction))
            .Where(p => p.Load?.Opcode == Opcode.LoadSlot).Select(p => (p.Index, p.Load!.Slot)).ToList();
        CarryMergeVariables(graph, merge.Block, merge.Instruction);
        var mergeVariables = merge.Instruction.Operands.ToList();
        var hooks = Mono.Cecil.ModuleDefinition.ReadModule(typeof(JitHooks).Assembly.Location).GetType(typeof(JitHooks).FullName);
        var hook = MethodRef.From(hooks.Methods.Single(m => m.Name == nameof(JitHooks.CanEnterJit)));
        var tables = MethodRef.From(hooks.Methods.Single(m => m.Name == "get_" + nameof(JitHooks.CounterTables)));
        var resuming = MethodRef.From(hooks.Methods.Single(m => m.Name == "get_" + nameof(JitHooks.Resuming)));
        var throwPending = MethodRef.From(hooks.Methods.Single(m => m.Name == nameof(JitHooks.ThrowPending)));
        var sites = graph.Blocks.SelectMany(b => graph[b].Instructions.Where(i => IsHint(i, HintNames.CanEnterJit)).Select(i => (Block: b, Instruction: i))).ToList();
        var hooksUsed = (hook, tables, throwPending);
        foreach (var (block, call) in sites) RewriteSite(graph, block, call, merge.Block, mergeVariables, slotLoads, portalId, greens, hooksUsed, implicitThis, resuming: null);
        // A portal without Jit.CanEnterJit (a loop-free language) gets hot at its entry only: its slot says so (PortalProtocol.OnlyEntryFlag).
        if (AddEntrySite(graph, merge.Block, merge.Instruction) is { } entry)
            RewriteSite(graph, entry.Block, entry.Call, merge.Block, mergeVariables, slotLoads, portalId, greens, hooksUsed, implicitThis, resuming, onlyEntry: sites.Count == 0);
    }

    /// <summary>
    /// Makes every merge-point variable that the merge block does not define a parameter of it. A reload jumps to the merge
    /// block with the state compiled code left, and can set only its parameters: a variable defined in a block above it
    /// (<c>while (pc &gt;= 0) { Jit.MergePoint(pc, ...); ... }</c> has <c>pc</c> as a parameter of the loop's test, not of the
    /// body the merge point opens) would otherwise keep the value it had at the site, and the interpreter would go on at the
    /// wrong place. Each jump into the merge block passes the variable; its uses in the code the merge block dominates read
    /// the parameter. Values of the method's own parameters never change and are left as they are.
    /// </summary>
    private static void CarryMergeVariables(FlowGraph graph, Block mergeBlock, Instruction merge)
    {
        var defined = graph[mergeBlock].Parameters.Concat(graph[mergeBlock].Instructions.Where(i => i.Result is not null).Select(i => i.Result!.Value)).ToHashSet();
        var carried = merge.Operands.Distinct().Where(v => !defined.Contains(v) && graph[v].ParameterOf != FlowGraph.Entry).ToList();
        if (carried.Count == 0) return;
        var dominators = Dominators.Compute(graph);
        var jumps = graph.Blocks.SelectMany(b => graph[b].Instructions).Where(i => i.TargetCalls.Length > 0).SelectMany(i => i.Targets).Where(c => c.Target == mergeBlock).ToList();
        var replacement = new Dictionary<Value, Value>();
        foreach (var variable in carried)
        {
            var parameter = graph.AddParameter(mergeBlock, graph.TypeOf(variable), graph[variable].Name);
            foreach (var jump in jumps) jump.Arguments.Add(variable);
            replacement[variable] = parameter;
        }
        foreach (var block in graph.Blocks.Where(b => dominators.IsReachable(b) && dominators.Dominates(mergeBlock, b)))
            foreach (var instruction in graph[block].Instructions)
            {
                for (int i = 0; i < instruction.Operands.Count; i++)
                    if (replacement.TryGetValue(instruction.Operands[i], out var parameter)) instruction.Operands[i] = parameter;
                foreach (var target in instruction.TargetCalls)
                    for (int i = 0; i < target.Arguments.Count; i++)
                        if (replacement.TryGetValue(target.Arguments[i], out var parameter)) target.Arguments[i] = parameter;
            }
    }

    /// <summary>
    /// The portal's entry counts like a <c>Jit.CanEnterJit</c> (<see cref="PortalProtocol"/>): the edges into the
    /// merge block from blocks the loop cannot reach (the way in, not the back edges) go through a new block that
    /// holds a copy of the merge-point call, which <see cref="RewriteSite"/> then weaves as the entry site. Null
    /// when a merge-point variable is defined in the merge block itself (it has no value before it).
    /// </summary>
    private static (Block Block, Instruction Call)? AddEntrySite(FlowGraph graph, Block mergeBlock, Instruction merge)
    {
        var parameters = graph[mergeBlock].Parameters;
        var defined = graph[mergeBlock].Instructions.Where(i => i.Result is not null).Select(i => i.Result!.Value).ToHashSet();
        if (merge.Operands.Any(defined.Contains)) return null;
        var inLoop = new HashSet<Block>();
        var work = new Stack<Block>([mergeBlock]);
        while (work.Count > 0)
            foreach (var next in graph.Successors(work.Pop()))
                if (inLoop.Add(next)) work.Push(next);
        var entry = graph.AddBlock();
        var entryParameters = parameters.Select(p => graph.AddParameter(entry, graph.TypeOf(p))).ToList();
        var operands = merge.Operands.Select(v => parameters.IndexOf(v) is var k and >= 0 ? entryParameters[k] : v).ToArray();
        var call = new Instruction(Opcode.Call, operands) { Method = merge.Method, Location = merge.Location };
        graph.Append(entry, call);
        graph.Append(entry, new Instruction(Opcode.Jump) { Location = merge.Location, Targets = { new BlockCall(mergeBlock, [.. entryParameters]) } });
        bool redirected = false;
        foreach (var block in graph.Blocks.Where(b => b != entry && !inLoop.Contains(b)).ToList())
            foreach (var instruction in graph[block].Instructions)
                for (int t = 0; t < instruction.Targets.Count; t++)
                    if (instruction.Targets[t].Target == mergeBlock)
                    {
                        instruction.Targets[t].Target = entry;
                        redirected = true;
                    }
        return redirected ? (entry, call) : null;
    }

    private static bool IsHint(Instruction instruction, string name) => HintNames.IsJitMethod(instruction.Method, name);

    private static void RewriteSite(FlowGraph graph, Block block, Instruction call, Block mergeBlock, List<Value> mergeVariables,
        List<(int Index, Slot Slot)> slotLoads, int portalId, int greens, (MethodRef CanEnterJit, MethodRef Tables, MethodRef ThrowPending) hooks, Value? implicitThis, MethodRef? resuming, bool onlyEntry = false)
    {
        var (hook, tables, throwPending) = hooks;
        var location = call.Location;
        var instructions = graph[block].Instructions;
        int at = instructions.IndexOf(call);
        // The block's rest moves to a new block, reached when the interpreter goes on as before.
        var rest = graph.AddBlock();
        graph[rest].Try = graph[block].Try;
        graph[rest].HandlerOf = graph[block].HandlerOf;
        graph[rest].Instructions.AddRange(instructions.Skip(at + 1));
        instructions.RemoveRange(at, instructions.Count - at);

        Value Emit(Block target, Instruction instruction, IrType type)
        {
            instruction.Location = location;
            graph.Append(target, instruction, type);
            return instruction.Result!.Value;
        }
        void Append(Block target, Instruction instruction)
        {
            instruction.Location = location;
            graph.Append(target, instruction);
        }
        Value Constant(Block target, int value) => Emit(target, new Instruction(Opcode.Const) { Integer = value }, IrType.I32);

        // The fast path: slot = hash(integer greens); if (--counters[slot] > 0) go on interpreting.
        var hash = Constant(block, PortalProtocol.HashSeed);
        foreach (var green in call.Operands.Take(greens))
        {
            if (HashedGreen(graph, block, green, location) is not { } value) continue;
            var sum = Emit(block, new Instruction(Opcode.Add, hash, value), IrType.I32);
            hash = Emit(block, new Instruction(Opcode.Mul, sum, Constant(block, PortalProtocol.HashMultiplier)), IrType.I32);
        }
        var slot = Emit(block, new Instruction(Opcode.ShrUn, hash, Constant(block, 32 - PortalProtocol.CounterBits)), IrType.I32);
        var slowSlot = slot;
        Block? resumeBlock = null;
        if (resuming is not null)
        {
            // The entry: while a thread resumes at an exit (PortalProtocol), ask the runtime first.
            resumeBlock = graph.AddBlock();
            var countBlock = graph.AddBlock();
            var pending = Emit(block, new Instruction(Opcode.Call) { Method = resuming }, IrType.I32);
            Append(block, new Instruction(Opcode.BrIf, pending) { Targets = { new BlockCall(resumeBlock.Value, []), new BlockCall(countBlock, []) } });
            block = countBlock;
        }
        var intArray = IrType.Class("System.Int32[]");
        var allTables = Emit(block, new Instruction(Opcode.Call) { Method = tables }, IrType.Class("System.Int32[][]"));
        var counters = Emit(block, new Instruction(Opcode.LoadElement, allTables, Constant(block, portalId)) { TypeOperand = intArray }, intArray);
        var count = Emit(block, new Instruction(Opcode.LoadElement, counters, slot) { TypeOperand = IrType.I32 }, IrType.I32);
        var decremented = Emit(block, new Instruction(Opcode.Sub, count, Constant(block, 1)), IrType.I32);
        Append(block, new Instruction(Opcode.StoreElement, counters, slot, decremented) { TypeOperand = IrType.I32 });
        var notYet = Emit(block, new Instruction(Opcode.Cgt, decremented, Constant(block, 0)), IrType.Bool);
        var slow = graph.AddBlock();
        graph[slow].Try = graph[block].Try;
        graph[slow].HandlerOf = graph[block].HandlerOf;
        if (resumeBlock is { } resumeFrom)
        {
            // slow(slot): from the counter, the entry's marked slot; from a resumption, PortalProtocol.ResumeSlot.
            slowSlot = graph.AddParameter(slow, IrType.I32);
            var marked = Emit(block, new Instruction(Opcode.Or, slot, Constant(block, PortalProtocol.EntryFlag | (onlyEntry ? PortalProtocol.OnlyEntryFlag : 0))), IrType.I32);
            Append(block, new Instruction(Opcode.BrIf, notYet) { Targets = { new BlockCall(rest, []), new BlockCall(slow, [marked]) } });
            Append(resumeFrom, new Instruction(Opcode.Jump) { Targets = { new BlockCall(slow, [Constant(resumeFrom, PortalProtocol.ResumeSlot)]) } });
        }
        else
        {
            Append(block, new Instruction(Opcode.BrIf, notYet) { Targets = { new BlockCall(rest, []), new BlockCall(slow, []) } });
        }

        // The slow path: state = new object[n] { box(greens...), box(reds...) }; status = JitHooks.CanEnterJit(id, state, slot)
        var objectArray = IrType.Class("System.Object[]");
        int length = PortalProtocol.StateLength(call.Operands.Count, implicitThis is not null);
        var state = Emit(slow, new Instruction(Opcode.NewArray, Constant(slow, length)) { TypeOperand = IrType.Object }, objectArray);
        if (implicitThis is { } self)
            Append(slow, new Instruction(Opcode.StoreElement, state, Constant(slow, PortalProtocol.ThisIndex(call.Operands.Count)), self) { TypeOperand = IrType.Object });
        for (int i = 0; i < call.Operands.Count; i++)
        {
            var operand = call.Operands[i];
            var type = graph.TypeOf(operand);
            var boxed = type.StackKind == StackKind.Reference ? operand : Emit(slow, new Instruction(Opcode.Box, operand) { TypeOperand = type }, IrType.Object);
            Append(slow, new Instruction(Opcode.StoreElement, state, Constant(slow, i), boxed) { TypeOperand = IrType.Object });
        }
        var status = Emit(slow, new Instruction(Opcode.Call, Constant(slow, portalId), state, slowSlot) { Method = hook }, IrType.I32);

        // Returned: the result is in the state at PortalProtocol.Result. The return is made in the site's regions,
        // so that a finally around it runs once, as when the interpreter returns from there.
        var returned = graph.AddBlock();
        graph[returned].Try = graph[slow].Try;
        graph[returned].HandlerOf = graph[slow].HandlerOf;
        if (graph.ReturnType.Kind == TypeKind.Void)
        {
            Append(returned, new Instruction(Opcode.Return));
        }
        else
        {
            var boxedResult = Emit(returned, new Instruction(Opcode.LoadElement, state, Constant(returned, PortalProtocol.Result)) { TypeOperand = IrType.Object }, IrType.Object);
            Append(returned, new Instruction(Opcode.Return, Unbox(graph, returned, boxedResult, graph.ReturnType, location)));
        }

        // Exited: state holds the merge point's variables where compiled code left; jump to the merge point, from
        // inside the regions around it (leaving those of the site that the merge point is not in).
        var reload = graph.AddBlock();
        graph[reload].Try = graph[mergeBlock].Try;
        var arguments = new List<Value>();
        foreach (var parameter in graph[mergeBlock].Parameters)
        {
            int index = mergeVariables.IndexOf(parameter);
            var type = graph.TypeOf(parameter);
            if (index < 0)
            {
                arguments.Add(Emit(reload, new Instruction(Opcode.Default) { TypeOperand = type }, type));
                continue;
            }
            var element = Emit(reload, new Instruction(Opcode.LoadElement, state, Constant(reload, index)) { TypeOperand = IrType.Object }, IrType.Object);
            arguments.Add(Unbox(graph, reload, element, type, location));
        }
        // A merge-point variable read from a local kept in memory (a slot) is stored there too: the merge block, or the
        // loop after it, reads the slot.
        foreach (var (index, slotOfVariable) in slotLoads)
        {
            var type = graph.TypeOf(mergeVariables[index]);
            var element = Emit(reload, new Instruction(Opcode.LoadElement, state, Constant(reload, index)) { TypeOperand = IrType.Object }, IrType.Object);
            Append(reload, new Instruction(Opcode.StoreSlot, Unbox(graph, reload, element, type, location)) { Slot = slotOfVariable });
        }
        Append(reload, new Instruction(Opcode.Jump) { Targets = { new BlockCall(mergeBlock, arguments) } });

        // Threw: compiled code caught an exception in a step; it is thrown again inside the regions around the merge
        // point, so that the portal's handlers run (once). The merge block's parameters are SSA values no handler
        // reads (a variable a handler reads lives in a slot), so nothing needs reloading first.
        var threw = graph.AddBlock();
        graph[threw].Try = graph[mergeBlock].Try;
        var exception = Emit(threw, new Instruction(Opcode.Call) { Method = throwPending }, IrType.Class("System.Exception"));
        Append(threw, new Instruction(Opcode.Throw, exception));

        var dispatch = new Instruction(Opcode.Switch, status);
        dispatch.Targets.AddRange(PortalProtocol.StatusCases(new BlockCall(rest, []), new BlockCall(returned, []), new BlockCall(reload, []), new BlockCall(threw, [])));
        dispatch.Targets.Add(new BlockCall(rest, [])); // the default, for an answer the hook never gives
        Append(slow, dispatch);
    }

    /// <summary>
    /// <paramref name="green"/> as the <c>int</c> the hash mixes in (<see cref="PortalProtocol.Mix"/>): an integer
    /// widened or folded; null for any other green, which the hash leaves out.
    /// </summary>
    private static Value? HashedGreen(FlowGraph graph, Block block, Value green, SourceLocation location)
    {
        var type = graph.TypeOf(green);
        if (type.Kind == TypeKind.I32) return green;
        Instruction Conv(Value value) => new(Opcode.Conv, value) { Location = location };
        Value Append(Instruction instruction, IrType result)
        {
            instruction.Location = location;
            graph.Append(block, instruction, result);
            return instruction.Result!.Value;
        }
        switch (type.StackKind)
        {
            case StackKind.Int32:
                return Append(Conv(green), IrType.I32);
            case StackKind.Int64:
                var shift = Append(new Instruction(Opcode.Const) { Integer = 32 }, IrType.I32);
                var high = Append(new Instruction(Opcode.ShrUn, green, shift), graph.TypeOf(green));
                return Append(Conv(Append(new Instruction(Opcode.Xor, green, high), graph.TypeOf(green))), IrType.I32);
            default:
                return null;
        }
    }

    private static Value Unbox(FlowGraph graph, Block block, Value element, IrType type, SourceLocation location)
    {
        if (type.Kind == TypeKind.Object) return element;
        var instruction = new Instruction(type.StackKind == StackKind.Reference ? Opcode.CastClass : Opcode.UnboxAny, element)
        {
            TypeOperand = type,
            Location = location,
        };
        graph.Append(block, instruction, type);
        return instruction.Result!.Value;
    }

    /// <summary>Converts the portal afresh (the analysis keeps its own graphs) and rewrites it.</summary>
    public static FlowGraph RewrittenPortal(Mono.Cecil.MethodDefinition portal, int portalId, int greens)
    {
        var conversion = new MethodConverter().Convert(portal);
        var graph = conversion.Graph ?? throw new InvalidOperationException($"{portal.FullName}: {conversion.OpaqueReason}");
        Rewrite(graph, portalId, greens, PortalProtocol.PassesThis(portal.HasThis, portal.DeclaringType.IsValueType) ? graph.Parameters[0] : null);
        return graph;
    }
}

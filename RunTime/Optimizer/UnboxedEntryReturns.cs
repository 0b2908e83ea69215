using PeJit.IR;

namespace PeJit.Optimizer;

/// <summary>
/// A graph compiled alongside its callers (a unit's shaped entry, called by the unit and by itself) whose returns give
/// objects made just to be returned returns their contents instead, and each call makes the object again after it, where
/// allocation removal (and <see cref="SplitJoins"/> at the call's join with the slow paths) takes it apart. A recursive
/// <c>fib</c>'s boxed result is then an integer across the call: the box <see cref="UnboxedEntryArguments"/> left.
/// </summary>
/// <remarks>
/// <para>Rules:</para>
/// <list type="number">
/// <item>The callee's returns are of three kinds: an exit's (its block stores into slot 0 of the exit buffer, the
/// callee's second parameter: the caller tests that slot after the call and ignores the result), a fresh object's (a
/// <c>newobj</c> of a constructor that only stores its one argument into a field, or a <c>box</c>, used by the return
/// alone), and any other value's. At least one is fresh, all fresh ones make the same kind of object, and no non-exit
/// return gives a null constant.</item>
/// <item>The callee returns the fresh object's contents; an exit returns the contents' default. Another value cannot be
/// made again (its identity may matter: an object the caller passed, one read from memory), so the return stores it in
/// slot 1 of the exit buffer and the buffer itself in slot 0, and returns the default: a marker no exit stores (exits store
/// a boxed number), so callers pay for it only on their exit paths.</item>
/// <item>Every call tests slot 0 of the exit buffer right after it (the specializer's direct calls: a load of slot 0 and
/// a branch on it, nothing else in between but constants); the call's result becomes the object made again from the
/// contents on the branch's fall-through edge, and the exit edge first tests for the marker: if it is there, the slot is
/// cleared and the object in slot 1 goes where the result went. A call of another form, or a buffer of fewer than two
/// slots, leaves everything as it was.</item>
/// </list>
/// Strategy: one scan of each graph for the returns and calls, then the rewrite; O(instructions).
/// </remarks>
public static class UnboxedEntryReturns
{
    /// <summary>
    /// The most instructions a call's join region copied for the direct edge may hold: it holds what follows the call, a
    /// next call with its slow paths (the cell's frame, the interpreter's call) among them (<c>fib</c>'s first call: about
    /// 250).
    /// </summary>
    public const int CallJoinRegion = 400;

    /// <summary>
    /// The passes to run again on the graphs after a rewrite (<see cref="Pipeline.RunPasses"/>): allocation removal, the
    /// join split that lets it take the remade object apart on a call's direct edge (with <see cref="CallJoinRegion"/>, and
    /// copies of up to half the graph), and what cleans up after them.
    /// </summary>
    public static IReadOnlyList<Pass> Reoptimization { get; } =
    [
        .. Named("merge", "fold", "cse", "forward", "guards", "params", "virtualize"),
        new("split", "copy the code after a call's join for the call's direct edge, whose result is made again after it", graph => SplitJoins.Run(graph, CallJoinRegion, 2)),
        .. Named("virtualize", "fold", "guards", "merge", "dce", "jumps", "stores"),
    ];

    private static IEnumerable<Pass> Named(params string[] names) => names.Select(name => Pipeline.Passes.First(pass => pass.Name == name));

    /// <summary>
    /// Rewrites <paramref name="callee"/>'s returns and its calls in <paramref name="callers"/> (<paramref name="callee"/>
    /// among them when it calls itself); returns whether anything changed. <paramref name="exitSlots"/>: the fewest slots
    /// any exit buffer passed to the callee has.
    /// </summary>
    public static bool Run(FlowGraph callee, IReadOnlyList<FlowGraph> callers, int exitSlots)
    {
        if (exitSlots < 2 || callee.RegionCount > 0 || !callee.ReturnType.IsReference || callee.Parameters.Count < UnboxedEntryArguments.FixedParameters) return false;
        var exitBuffer = callee.Parameters[1];
        var uses = UseCounts(callee);

        // 1. The returns (rule 1).
        var fresh = new List<(Block Block, Instruction Return, Instruction Made)>();
        var exits = new List<(Block Block, Instruction Return)>();
        var others = new List<(Block Block, Instruction Return)>();
        Instruction? kind = null;
        foreach (var block in callee.Blocks)
        {
            if (callee[block].Terminator is not { Opcode: Opcode.Return } ret || ret.Operands.Count != 1) continue;
            if (StoresSlotZero(callee, block, exitBuffer))
            {
                exits.Add((block, ret));
                continue;
            }
            var value = ret.Operands[0];
            var made = callee[value].DefiningInstruction;
            if (made is { Opcode: Opcode.Null }) return false;
            if (made is not null && IsFresh(made) && uses[value.Index] == 1)
            {
                if (kind is not null && !SameKind(kind, made)) return false;
                kind ??= made;
                fresh.Add((block, ret, made));
            }
            else others.Add((block, ret));
        }
        if (kind is null) return false;
        var contentsType = callee.TypeOf(kind.Operands[0]);
        if (contentsType.StackKind != StackKind.Reference && contentsType.Kind is < TypeKind.Bool or > TypeKind.F64) return false;
        // The remade object's type is the made one's (its class, which class tests fold on), not the declared return type.
        var objectType = kind.Result is { } madeValue ? callee.TypeOf(madeValue) : callee.ReturnType;
        var returnType = callee.ReturnType;

        // 2. The calls, each in rule 3's form; any other form leaves everything as it was.
        var calls = new List<Call>();
        foreach (var graph in callers)
        {
            if (graph.RegionCount > 0) return false;
            foreach (var block in graph.Blocks)
            {
                var instructions = graph[block].Instructions;
                for (int i = 0; i < instructions.Count; i++)
                {
                    var call = instructions[i];
                    if (call.Opcode != Opcode.Call || !ReferenceEquals(call.Method?.Origin, callee)) continue;
                    if (FormOf(graph, block, i) is not { } form) return false;
                    calls.Add(form);
                }
            }
        }
        if (calls.Count == 0) return false;

        // 3. The callee's returns (rule 2).
        callee.ReturnType = contentsType;
        foreach (var (_, ret, made) in fresh) ret.Operands[0] = made.Operands[0];
        foreach (var (block, ret) in exits) ret.Operands[0] = Default(callee, contentsType, callee[block].Instructions, callee[block].Instructions.Count - 1);
        foreach (var (block, ret) in others)
        {
            var instructions = callee[block].Instructions;
            var value = ret.Operands[0];
            var at = instructions.Count - 1;
            var zero = Constant(callee, 0, instructions, ref at);
            var one = Constant(callee, 1, instructions, ref at);
            instructions.Insert(at++, new Instruction(Opcode.StoreElement, exitBuffer, zero, exitBuffer) { TypeOperand = IrType.Object });
            instructions.Insert(at++, new Instruction(Opcode.StoreElement, exitBuffer, one, value) { TypeOperand = IrType.Object });
            ret.Operands[0] = Default(callee, contentsType, instructions, at);
        }

        // 4. The calls (rule 3).
        var reference = calls[0].Instruction.Method!;
        int space = reference.FullName.IndexOf(' ');
        var returning = new MethodRef(contentsType.Name + reference.FullName[space..], hasThis: false, origin: callee);
        foreach (var call in calls) Rewrite(call, returning, kind, objectType, returnType, contentsType);
        return true;
    }

    /// <summary>A call of the callee in rule 3's form: its graph, block, the call, the load of the exit slot and the branch on it.</summary>
    private sealed record Call(FlowGraph Graph, Block Block, Instruction Instruction, Instruction SlotLoad, Instruction Branch);

    /// <summary>The call at <paramref name="index"/> of <paramref name="block"/> when it is in rule 3's form; else null.</summary>
    private static Call? FormOf(FlowGraph graph, Block block, int index)
    {
        var instructions = graph[block].Instructions;
        var call = instructions[index];
        if (call.Result is not { } result || call.Operands.Count < UnboxedEntryArguments.FixedParameters) return null;
        var exitBuffer = call.Operands[1];
        Instruction? load = null;
        for (int i = index + 1; i < instructions.Count - 1; i++)
        {
            var instruction = instructions[i];
            if (instruction.Opcode == Opcode.Const) continue;
            if (load is null && instruction.Opcode == Opcode.LoadElement && instruction.Operands[0] == exitBuffer
                && graph[instruction.Operands[1]].DefiningInstruction is { Opcode: Opcode.Const, Integer: 0 })
            {
                load = instruction;
                continue;
            }
            return null;
        }
        var branch = instructions[^1];
        if (load?.Result is not { } slot || branch.Opcode != Opcode.BrIf || branch.Operands.Count != 1 || branch.Operands[0] != slot
            || branch.Targets.Count != 2 || index == instructions.Count - 1) return null;
        if (branch.Operands[0] == result) return null;
        return new Call(graph, block, call, load, branch);
    }

    /// <summary>Rule 3's rewrite of one call.</summary>
    private static void Rewrite(Call site, MethodRef returning, Instruction kind, IrType objectType, IrType returnType, IrType contentsType)
    {
        var graph = site.Graph;
        var call = site.Instruction;
        var instructions = graph[site.Block].Instructions;
        var contents = call.Result!.Value;
        call.Method = returning;
        // The object made again from the contents, where the old result was: the call's value is now the contents.
        var remade = new Instruction(kind.Opcode) { Method = kind.Method, TypeOperand = kind.TypeOperand, Location = call.Location };
        var remadeValue = graph.SetResult(remade, objectType, graph[contents].Name);
        graph.ReplaceUses(contents, remadeValue);
        graph[contents].Type = contentsType;
        remade.Operands.Add(contents);
        instructions.Insert(instructions.IndexOf(call) + 1, remade);

        // The exit edge tests for the marker first.
        var branch = site.Branch;
        var exitBuffer = call.Operands[1];
        var slot = site.SlotLoad.Result!.Value;
        var exitEdge = branch.Targets[0];
        var through = branch.Targets[1];
        var test = graph.AddBlock();
        var marker = graph.AddBlock();
        var isMarker = new Instruction(Opcode.Ceq, slot, exitBuffer);
        graph.SetResult(isMarker, IrType.Bool);
        graph[test].Instructions.Add(isMarker);
        graph[test].Instructions.Add(new Instruction(Opcode.BrIf, isMarker.Result!.Value)
        {
            Targets = { new BlockCall(marker, []), new BlockCall(exitEdge.Target, exitEdge.Arguments) },
        });
        branch.Targets[0] = new BlockCall(test, []);

        // The marker's way: slot 1's object is the result; the slots are cleared (slot 0 is what callers test).
        var markerCode = graph[marker].Instructions;
        int at = 0;
        var zero = Constant(graph, 0, markerCode, ref at);
        var one = Constant(graph, 1, markerCode, ref at);
        var load = new Instruction(Opcode.LoadElement, exitBuffer, one) { TypeOperand = IrType.Object };
        var loaded = graph.SetResult(load, IrType.Object);
        markerCode.Add(load);
        var cast = new Instruction(Opcode.CastClass, loaded) { TypeOperand = returnType };
        var returned = graph.SetResult(cast, returnType);
        markerCode.Add(cast);
        var nothing = new Instruction(Opcode.Null);
        var nullValue = graph.SetResult(nothing, IrType.Object);
        markerCode.Add(nothing);
        markerCode.Add(new Instruction(Opcode.StoreElement, exitBuffer, zero, nullValue) { TypeOperand = IrType.Object });
        markerCode.Add(new Instruction(Opcode.StoreElement, exitBuffer, one, nullValue) { TypeOperand = IrType.Object });
        var arguments = new List<Value>(through.Arguments.Count);
        foreach (var argument in through.Arguments) arguments.Add(argument == remadeValue ? returned : argument);
        markerCode.Add(new Instruction(Opcode.Jump) { Targets = { new BlockCall(through.Target, arguments) } });
    }

    /// <summary>How many times each value is used (operands and block arguments).</summary>
    private static int[] UseCounts(FlowGraph graph)
    {
        var counts = new int[graph.ValueCount];
        foreach (var block in graph.Blocks)
            foreach (var instruction in graph[block].Instructions)
            {
                foreach (var operand in instruction.Operands) counts[operand.Index]++;
                foreach (var target in instruction.Targets)
                    foreach (var argument in target.Arguments) counts[argument.Index]++;
            }
        return counts;
    }

    /// <summary>Whether <paramref name="block"/> stores into slot 0 of <paramref name="exitBuffer"/> (an exit's block).</summary>
    private static bool StoresSlotZero(FlowGraph graph, Block block, Value exitBuffer)
    {
        foreach (var instruction in graph[block].Instructions)
            if (instruction.Opcode == Opcode.StoreElement && instruction.Operands[0] == exitBuffer
                && graph[instruction.Operands[1]].DefiningInstruction is { Opcode: Opcode.Const, Integer: 0 })
                return true;
        return false;
    }

    /// <summary>A <c>newobj</c> of a constructor that only stores its one argument, or a <c>box</c>.</summary>
    private static bool IsFresh(Instruction made) => made switch
    {
        { Opcode: Opcode.NewObject, Method.StoredFields: { Count: 1 } } when made.Operands.Count == 1 => true,
        { Opcode: Opcode.Box, TypeOperand: not null } when made.Operands.Count == 1 => true,
        _ => false,
    };

    private static bool SameKind(Instruction first, Instruction other) =>
        first.Opcode == other.Opcode && (first.Opcode == Opcode.Box ? first.TypeOperand == other.TypeOperand : first.Method!.FullName == other.Method!.FullName);

    private static Value Constant(FlowGraph graph, long integer, List<Instruction> into, ref int at)
    {
        var constant = new Instruction(Opcode.Const) { Integer = integer };
        into.Insert(at++, constant);
        return graph.SetResult(constant, IrType.I32);
    }

    /// <summary>The default of <paramref name="type"/> (0, 0.0 or null), inserted into <paramref name="into"/> at <paramref name="at"/>.</summary>
    private static Value Default(FlowGraph graph, IrType type, List<Instruction> into, int at)
    {
        var constant = type.StackKind == StackKind.Reference ? new Instruction(Opcode.Null) : new Instruction(Opcode.Const);
        into.Insert(at, constant);
        return graph.SetResult(constant, type);
    }
}

using PeJit.IR;

namespace PeJit.Optimizer;

/// <summary>
/// Calls of a graph compiled alongside its callers (a unit's shaped entry, called by the unit and by itself: the direct
/// self-calls of <c>SelfCallShapes</c>) that pass an object made just for the call pass its contents instead: the
/// callee's parameter becomes one parameter per constructor argument, and the callee makes the object again at its start,
/// where allocation removal takes it apart like any other (made only where it escapes: an exit, a return, a store into a
/// real object). A recursive <c>fib</c>'s boxed <c>n - 1</c> is then an integer across the call.
/// </summary>
/// <remarks>
/// <para>Rules:</para>
/// <list type="number">
/// <item>A parameter of the callee (after its first <see cref="FixedParameters"/>, the constants and exit buffer) is
/// unboxed when every call the callee makes of itself (or, when it makes none, every call) passes there a value made by a
/// <c>newobj</c> of one and the same constructor that only stores its parameters into fields
/// (<see cref="MethodRef.StoredFields"/>: the object is its arguments, nothing else), or a <c>box</c> of one type, and no
/// other call passes an object of another such constructor; the call passes the constructor's arguments (the boxed value)
/// instead.</item>
/// <item>The object must be the callee's alone: no use of it may run after the call (an instruction after the call in its
/// block, or any use in a block reachable from the call's block, the call itself included when it is on a cycle and the
/// object is not made again before it in its block), and the call passes it once. Then the caller never sees its object
/// again, and the object the callee makes is the only one anybody sees: identity is kept. A use before the call (an exit
/// on the way, the slow path that calls through the cell instead) still has the caller's object, made there.</item>
/// <item>The callee makes the object at its start (the same <c>newobj</c> or <c>box</c>) and every use of the parameter
/// uses it: a caller that runs the optimizer again removes the allocation where it does not escape.</item>
/// <item>A call that cannot pass the contents (the unit's own calls, whose argument is also stored into the interpreter's
/// real register array) passes the objects, defaults for the contents, and a flag: the callee's entry branches on it to a
/// copy of its code that takes the objects as they are. The contents' way is the original code, the objects' way the copy
/// (one more copy of the entry's code; without such a call, none). Contents must then be primitives or references.</item>
/// </list>
/// Strategy: one scan of each graph for the calls, a reachability walk per call and parameter (calls are few: a unit's
/// recursive calls), then the rewrite. O(instructions × calls × parameters); the copy, O(instructions).
/// </remarks>
public static class UnboxedEntryArguments
{
    /// <summary>The callee's leading parameters never unboxed: a unit's constants and exit buffer.</summary>
    public const int FixedParameters = 2;

    /// <summary>
    /// The passes to run again on the graphs after a rewrite (a <see cref="Pipeline.Run"/> selection): allocation removal
    /// and what cleans up after it; not the passes that copy loops or speculate, which already ran.
    /// </summary>
    public const string Reoptimization = "merge:fold:cse:forward:guards:params:virtualize:dce:jumps:stores";

    /// <summary>
    /// Rewrites the calls of <paramref name="callee"/> in <paramref name="callers"/> (<paramref name="callee"/> itself among
    /// them when it calls itself) and <paramref name="callee"/>'s parameters; returns whether anything changed (the graphs
    /// should then be optimized again). The calls are those whose <see cref="MethodRef.Origin"/> is <paramref name="callee"/>.
    /// </summary>
    public static bool Run(FlowGraph callee, IReadOnlyList<FlowGraph> callers)
    {
        if (callee.RegionCount > 0) return false;
        var calls = new List<Site>();
        foreach (var graph in callers)
        {
            if (graph.RegionCount > 0) return false;
            foreach (var block in graph.Blocks)
                foreach (var instruction in graph[block].Instructions)
                    if (instruction.Opcode == Opcode.Call && ReferenceEquals(instruction.Method?.Origin, callee)) calls.Add(new Site(graph, block, instruction));
        }
        if (calls.Count == 0) return false;
        var parameters = callee.Parameters;
        // The entry must be entered only from outside: its code moves, and its parameters change.
        foreach (var block in callee.Blocks)
            foreach (var successor in callee.Successors(block))
                if (successor == FlowGraph.Entry) return false;
        foreach (var site in calls)
            if (site.Call.Operands.Count != parameters.Count) return false;

        // 1. Which parameters to unbox (rule 1): those every call of the callee's own passes an object made for (its
        // recursion: where the calls are), or, when it makes none, every call; and which calls pass their contents.
        bool anyOwn = false;
        foreach (var site in calls) anyOwn |= ReferenceEquals(site.Graph, callee);
        var unboxed = new List<int>();
        for (int p = FixedParameters; p < parameters.Count; p++)
        {
            Instruction? first = null;
            bool all = true;
            foreach (var site in calls)
            {
                var made = Allocation(site.Graph, site.Call.Operands[p]);
                if (made is not null && first is not null && !SameAllocation(first, made))
                {
                    all = false;
                    break;
                }
                first ??= made;
                if ((anyOwn && !ReferenceEquals(site.Graph, callee)) || Passes(site, p)) continue;
                all = false;
                break;
            }
            if (all && first is not null && (anyOwn || AllDefaultable(first, calls[0].Graph))) unboxed.Add(p);
        }
        var contentsPassed = new List<Site>();
        var boxedPassed = new List<Site>();
        foreach (var site in calls)
        {
            bool passes = true;
            foreach (int p in unboxed) passes &= Passes(site, p);
            (passes ? contentsPassed : boxedPassed).Add(site);
        }
        // A call that cannot pass the contents passes the objects, and defaults for the contents (rule 4).
        if (boxedPassed.Count > 0)
            unboxed.RemoveAll(p => !AllDefaultable(Allocation(contentsPassed[0].Graph, contentsPassed[0].Call.Operands[p])!, contentsPassed[0].Graph));
        if (unboxed.Count == 0 || contentsPassed.Count == 0) return false;
        bool twoWays = boxedPassed.Count > 0;

        // 2. The callee's new parameters: each unboxed one's contents (and, with two ways in, the object), then the flag.
        var entry = callee[FlowGraph.Entry];
        var oldParameters = new List<Value>(entry.Parameters);
        var model = contentsPassed[0];
        BlockToBlockMap? copies = null;
        ValueToValueMap? copiedValues = null;
        if (twoWays)
        {
            (copies, copiedValues) = CopyAll(callee);
            // The copy's own calls are calls of the callee too, and pass what their originals pass.
            foreach (var site in calls.ToArray())
            {
                if (!ReferenceEquals(site.Graph, callee)) continue;
                int index = callee[site.Block].Instructions.IndexOf(site.Call);
                var copied = new Site(callee, copies[site.Block], callee[copies[site.Block]].Instructions[index]);
                calls.Add(copied);
                (contentsPassed.Contains(site) ? contentsPassed : boxedPassed).Add(copied);
            }
        }
        var newParameters = new List<Value>();
        var typeNames = new List<string>();
        var prologue = new List<Instruction>();
        var replacement = new ValueToValueMap();
        var objects = new ValueToValueMap();
        for (int p = 0; p < oldParameters.Count; p++)
        {
            var parameter = oldParameters[p];
            if (!unboxed.Contains(p))
            {
                newParameters.Add(parameter);
                typeNames.Add(p < FixedParameters ? "System.Object[]" : "a" + p);
                continue;
            }
            var made = Allocation(model.Graph, model.Call.Operands[p])!;
            var remade = new Instruction(made.Opcode) { Method = made.Method, TypeOperand = made.TypeOperand, Location = made.Location };
            for (int o = 0; o < made.Operands.Count; o++)
            {
                var contents = Detached(callee, model.Graph.TypeOf(made.Operands[o]), callee[parameter].Name + "." + o);
                newParameters.Add(contents);
                typeNames.Add("a" + p + "." + o);
                remade.Operands.Add(contents);
            }
            prologue.Add(remade);
            replacement[parameter] = callee.SetResult(remade, model.Graph.TypeOf(model.Call.Operands[p]), callee[parameter].Name);
            if (twoWays)
            {
                var passedObject = Detached(callee, callee.TypeOf(parameter), callee[parameter].Name);
                newParameters.Add(passedObject);
                typeNames.Add("a" + p);
                objects[parameter] = passedObject;
            }
        }
        Value? boxedFlag = null;
        if (twoWays)
        {
            boxedFlag = Detached(callee, IrType.Bool, "boxed");
            newParameters.Add(boxedFlag.Value);
            typeNames.Add("boxed");
        }

        // 3. The callee's entry: with two ways in, its code moves to a block of its own (the contents' way, which makes the
        // objects), and the entry branches on the flag to the copy of the code, which takes the objects passed (rule 4).
        callee.ReplaceUses(replacement);
        for (int p = oldParameters.Count - 1; p >= 0; p--)
            if (replacement.ContainsKey(oldParameters[p])) callee.RemoveParameter(FlowGraph.Entry, p, []);
        if (twoWays)
        {
            var body = callee.AddBlock();
            callee[body].Instructions.AddRange(entry.Instructions);
            callee[body].Instructions.InsertRange(0, prologue);
            entry.Instructions.Clear();
            var copyArguments = new List<Value>(oldParameters.Count);
            foreach (var parameter in oldParameters) copyArguments.Add(objects.TryGetValue(parameter, out var passed) ? passed : parameter);
            entry.Instructions.Add(new Instruction(Opcode.BrIf, boxedFlag!.Value)
            {
                Targets = { new BlockCall(copies![FlowGraph.Entry], copyArguments), new BlockCall(body, []) },
            });
        }
        else entry.Instructions.InsertRange(0, prologue);
        entry.Parameters.Clear();
        entry.Parameters.AddRange(newParameters);

        // 4. Each call passes the contents, through a reference that names the new parameters (the backend finds the
        // method by the reference's origin; the name only has to count them).
        var reference = new MethodRef(callee.ReturnType.Name + " pejit.unit::" + Sanitized(callee.Name) + "(" + string.Join(",", typeNames) + ")",
            hasThis: false, origin: callee);
        foreach (var site in calls)
        {
            bool passesContents = contentsPassed.Contains(site);
            var call = site.Call;
            var before = site.Graph[site.Block].Instructions;
            int at = before.IndexOf(call);
            var arguments = new List<Value>(newParameters.Count);
            for (int p = 0; p < call.Operands.Count; p++)
            {
                if (!unboxed.Contains(p))
                {
                    arguments.Add(call.Operands[p]);
                    continue;
                }
                if (passesContents) arguments.AddRange(Allocation(site.Graph, call.Operands[p])!.Operands);
                else
                    foreach (var operand in Allocation(model.Graph, model.Call.Operands[p])!.Operands)
                        arguments.Add(Default(site.Graph, model.Graph.TypeOf(operand), before, ref at));
                if (twoWays) arguments.Add(passesContents ? Default(site.Graph, callee.TypeOf(objects[oldParameters[p]]), before, ref at) : call.Operands[p]);
            }
            if (twoWays)
            {
                var flag = new Instruction(Opcode.Const) { Integer = passesContents ? 0 : 1 };
                before.Insert(at++, flag);
                arguments.Add(site.Graph.SetResult(flag, IrType.Bool));
            }
            call.Operands.Clear();
            call.Operands.AddRange(arguments);
            call.Method = reference;
        }
        return true;
    }

    /// <summary>A call of the callee: its graph, its block and the call.</summary>
    private sealed record Site(FlowGraph Graph, Block Block, Instruction Call)
    {
        // The record's own equality, written out: the generated one compares the block through EqualityComparer<Block>.Default,
        // a framework generic over PeJit's struct that .NET compiles on the compiling thread. Graphs and instructions are
        // compared by reference, as their default comparers do (neither overrides Equals).
        public bool Equals(Site? other) =>
            other is not null && ReferenceEquals(Graph, other.Graph) && Block.Index == other.Block.Index && ReferenceEquals(Call, other.Call);

        public override int GetHashCode() => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(Call);
    }

    /// <summary>Whether <paramref name="site"/> passes at parameter <paramref name="p"/> an object made only for it (rules 1 and 2).</summary>
    private static bool Passes(Site site, int p) =>
        Allocation(site.Graph, site.Call.Operands[p]) is not null
        && OnlyThisCallSees(site.Graph, site.Block, site.Graph[site.Block].Instructions.IndexOf(site.Call), site.Call.Operands[p]);

    /// <summary>Whether every argument of <paramref name="made"/> has a type whose default a constant makes (a primitive or a reference).</summary>
    private static bool AllDefaultable(Instruction made, FlowGraph graph)
    {
        foreach (var operand in made.Operands)
        {
            var type = graph.TypeOf(operand);
            if (type.StackKind != StackKind.Reference && type.Kind is < TypeKind.Bool or > TypeKind.F64) return false;
        }
        return true;
    }

    /// <summary>The default of <paramref name="type"/> (0, 0.0 or null), inserted into <paramref name="into"/> at <paramref name="at"/>.</summary>
    private static Value Default(FlowGraph graph, IrType type, List<Instruction> into, ref int at)
    {
        var constant = type.StackKind == StackKind.Reference ? new Instruction(Opcode.Null) : new Instruction(Opcode.Const);
        into.Insert(at++, constant);
        return graph.SetResult(constant, type);
    }

    /// <summary>A new parameter of the entry block, not in its list yet (the caller puts the list in order).</summary>
    private static Value Detached(FlowGraph graph, IrType type, string? name)
    {
        var value = graph.AddParameter(FlowGraph.Entry, type, name);
        graph[FlowGraph.Entry].Parameters.RemoveAt(graph[FlowGraph.Entry].Parameters.Count - 1);
        return value;
    }

    /// <summary>Copies every block of <paramref name="graph"/> into it (the copy of the entry an ordinary block with the entry's parameters); returns the copies of the blocks and values.</summary>
    private static (BlockToBlockMap Blocks, ValueToValueMap Values) CopyAll(FlowGraph graph)
    {
        var all = new Block[graph.BlockCount];
        for (int b = 0; b < all.Length; b++) all[b] = new Block(b);
        return BlockCopy.Copy(graph, all);
    }

    /// <summary>A name without the characters a method reference's text gives meaning to.</summary>
    private static string Sanitized(string name)
    {
        var text = new System.Text.StringBuilder(name.Length);
        foreach (char c in name) text.Append(char.IsLetterOrDigit(c) ? c : '_');
        return text.ToString();
    }

    /// <summary>The <c>newobj</c> of a constructor that only stores its arguments, or the <c>box</c>, that makes <paramref name="value"/>; null otherwise.</summary>
    private static Instruction? Allocation(FlowGraph graph, Value value) => graph[value].DefiningInstruction switch
    {
        { Opcode: Opcode.NewObject, Method.StoredFields: { } fields } made when fields.Count == made.Operands.Count => made,
        { Opcode: Opcode.Box, TypeOperand: not null } made => made,
        _ => null,
    };

    /// <summary>Whether two allocations make objects of one kind from arguments of the same types.</summary>
    private static bool SameAllocation(Instruction first, Instruction other)
    {
        if (first.Opcode != other.Opcode || first.Operands.Count != other.Operands.Count) return false;
        if (first.Opcode == Opcode.Box) return first.TypeOperand == other.TypeOperand;
        return first.Method!.FullName == other.Method!.FullName;
    }

    /// <summary>
    /// Whether nothing uses <paramref name="value"/> after the call at <paramref name="position"/> of <paramref name="block"/>
    /// (rule 2), and the call passes it once.
    /// </summary>
    private static bool OnlyThisCallSees(FlowGraph graph, Block block, int position, Value value)
    {
        var instructions = graph[block].Instructions;
        int passed = 0;
        foreach (var operand in instructions[position].Operands)
            if (operand == value) passed++;
        if (passed != 1) return false;
        for (int i = position + 1; i < instructions.Count; i++)
            if (GraphEdits.Uses(instructions[i], value)) return false;
        // Made before the call in its block: a cycle back to the block makes another object before the next call.
        bool madeHere = false;
        for (int i = 0; i < position; i++)
            if (instructions[i].Result == value) madeHere = true;
        var seen = new BlockSet(graph.BlockCount);
        var work = new BlockStack(); // not Stack<Block>, a framework generic over Block (.NET compiles it cold)
        foreach (var successor in graph.Successors(block))
            if (seen.Add(successor)) work.Push(successor);
        while (work.Count > 0)
        {
            var current = work.Pop();
            foreach (var parameter in graph[current].Parameters)
                if (parameter == value) return false;
            foreach (var instruction in graph[current].Instructions)
            {
                if (current == block && madeHere && instruction.Result == value) break;
                if (GraphEdits.Uses(instruction, value)) return false;
            }
            if (current == block && madeHere) continue;
            foreach (var successor in graph.Successors(current))
                if (seen.Add(successor)) work.Push(successor);
        }
        return true;
    }
}

using PeJit.IR;

namespace PeJit.Specializer.Engine;

/// <summary>
/// A typed unit's direct self-calls that pass objects made just for the call (the interpreter's callee frame, its
/// operand stack or register array, the values stored in them) pass what is in them instead: the unit gets a second
/// entry, <see cref="Unit.ShapedEntry"/>, whose parameters are the call's leaves (the values that are neither made at
/// the call nor constants), and which makes the objects from them before running a copy of the unit's code (PyPy's
/// virtuals passed across a <c>call_assembler</c>). Allocation removal then takes the objects apart in both: in the
/// caller nothing uses them but their stores; in the entry they are made only where they escape (an exit to the
/// interpreter gets the object the interpreter would have built, with what the callee did to it).
/// </summary>
/// <remarks>
/// <para>Rules:</para>
/// <list type="number">
/// <item>A call's red is made for the call (a <em>fresh</em> object) when it is an <c>allocate</c> or a <c>newarr</c> of a
/// constant length in the block that branches to the call (where <see cref="UnitSpecializer"/> puts the stack check
/// before it), and every use of it is there (a field or element store into it at a constant index, a load from it,
/// or being stored into one other fresh object), the call itself, or the call's slow paths (the cell's state, the
/// portal call). Its shape is its class or element type and length, and the last value each store put in it. Any
/// other red, or a value stored into a fresh object that is not fresh itself, is a leaf (passed as it is: a real
/// object stays shared), or a constant when a <c>const</c> or <c>null</c> makes it.</item>
/// <item>Whatever the callee does with its reds starts after the call, so the caller's object is never seen again
/// on the direct path: the slow paths, where the interpreter or the cell takes real objects, make their own from
/// the same leaves at their start (they take it as the interpreter would have: fresh, with those contents; a
/// resumption at an exit ignores the portal call's arguments).</item>
/// <item>The calls whose shapes are the most common one (all of a function's recursive calls, usually) call the
/// shaped entry; a call of another shape calls the unit as before. One shaped entry per unit.</item>
/// <item>The shaped entry is a copy of the unit, made after the calls are rewritten: its own recursive calls of the
/// shape call itself. Its exits are the unit's (same numbers, same exit buffer), so a direct call that leaves at an
/// exit goes on as before (<see cref="CallCell.Resume"/>).</item>
/// </list>
/// Strategy: one scan for the uses of every value, a shape per call site (a tree, compared by its printed form), the
/// rewrite of the chosen sites, then the copy. O(instructions).
/// </remarks>
internal static class SelfCallShapes
{
    /// <summary>A direct self-call as <see cref="UnitSpecializer"/> emits it: the call, and the two blocks of its slow paths that take the callee's reds.</summary>
    internal sealed record Site(Instruction Call, Block ViaCell, Block Fallback);

    private abstract record Node;

    /// <summary>A value passed as it is: a parameter of the shaped entry.</summary>
    private sealed record Leaf(Value Value, IrType Type) : Node;

    /// <summary>A constant, made again where the shape is made.</summary>
    private sealed record Constant(Instruction Definition, IrType Type) : Node;

    /// <summary>An object made for the call: its allocation and the last value of each field or element stored.</summary>
    private sealed record Fresh(Value Value, Instruction Allocation, IrType Type, long Length, List<(Instruction Store, Node Stored)> Stores) : Node;

    private readonly record struct Use(Block Block, Instruction? Instruction, int Position);

    /// <summary>
    /// Rewrites the sites of <paramref name="graph"/> (a typed unit's residual graph, whose parameters are
    /// <c>(constants, exit, red...)</c>) that pass fresh objects, and returns the shaped entry they now call; null when
    /// no site passes one (the graph is unchanged).
    /// </summary>
    public static FlowGraph? Split(FlowGraph graph, IReadOnlyList<Site> sites, IReadOnlyList<int> stateIndices)
    {
        if (graph.RegionCount > 0 || sites.Count == 0) return null;
        ForwardFreshLoads(graph);
        var uses = Uses(graph, out var blockOf);
        var predecessors = new Dictionary<Block, List<Block>>();
        foreach (var block in graph.Blocks)
            foreach (var successor in graph.Successors(block))
            {
                if (!predecessors.TryGetValue(successor, out var list)) predecessors[successor] = list = [];
                list.Add(block);
            }

        // 1. The shape of each site's reds.
        var shaped = new List<(Site Site, List<Node> Reds, string Signature, HashSet<Block> Before)>();
        foreach (var site in sites)
        {
            if (!blockOf.TryGetValue(site.Call, out var callBlock)) continue;
            var before = Before(graph, callBlock, predecessors);
            var reds = new List<Node>();
            var taken = new HashSet<Value>();
            bool aliased = false;
            for (int i = 2; i < site.Call.Operands.Count; i++)
                reds.Add(Describe(graph, site.Call.Operands[i], null, site, before, uses, blockOf, taken, ref aliased));
            if (aliased || !reds.Any(r => r is Fresh) || FallbackStates(graph, site, before) is not { } jumps || NestedInFallback(graph, site, reds)
                || jumps.Any(j => j.State is null && StoredAfter(graph, j.Jump, reds, before))) continue;
            shaped.Add((site, reds, string.Join(", ", reds.Select(r => Print(graph, r))), before));
        }
        if (shaped.Count == 0) return null;
        var chosen = shaped.GroupBy(s => s.Signature).OrderByDescending(g => g.Count()).First().ToList();

        // 2. The shaped entry's reference, its parameters the leaves of the shape.
        var leafTypes = Leaves(chosen[0].Reds).Select(l => l.Type).ToList();
        var entry = new FlowGraph(graph.Name + " shaped", graph.ReturnType) { SourceDocument = graph.SourceDocument };
        var parameterTypes = new List<string> { "System.Object[]", "System.Object[]" };
        parameterTypes.AddRange(leafTypes.Select((_, i) => $"l{i}"));
        var reference = new MethodRef($"{graph.ReturnType.Name} pejit.unit::shaped({string.Join(",", parameterTypes)})", hasThis: false, origin: entry);

        // 3. The sites call it with their leaves; their slow paths make the objects again.
        foreach (var (site, reds, _, before) in chosen)
        {
            var call = site.Call;
            var arguments = new List<Value> { call.Operands[0], call.Operands[1] };
            arguments.AddRange(Leaves(reds).Select(l => l.Value));
            call.Operands.Clear();
            call.Operands.AddRange(arguments);
            call.Method = reference;
            MakeAgain(graph, site.ViaCell, reds);
            TakeFromState(graph, site, reds, stateIndices, before);
        }

        // 4. The copy: an entry block that makes the reds from the leaves, then the unit's blocks.
        for (int s = 0; s < graph.SlotCount; s++) entry.AddSlot(graph[new Slot(s)].Type, graph[new Slot(s)].Name);
        var start = entry.AddBlock();
        var constants = entry.AddParameter(start, graph.TypeOf(graph.Parameters[0]), "constants");
        var exit = entry.AddParameter(start, graph.TypeOf(graph.Parameters[1]), "exit");
        var leafParameters = leafTypes.Select((t, i) => entry.AddParameter(start, t, $"leaf{i}")).ToList();
        int next = 0;
        var made = new List<Value>();
        var prologue = entry[start].Instructions;
        foreach (var red in chosen[0].Reds) made.Add(Make(entry, graph, red, _ => leafParameters[next++], prologue, new Dictionary<Value, Value>()));
        var copied = Copy(graph, entry);
        prologue.Add(new Instruction(Opcode.Jump) { Targets = { new BlockCall(copied, [constants, exit, .. made]) } });
        return entry;
    }

    /// <summary>
    /// A reference loaded from a field or constant-index element of an object allocated in the same block, after a
    /// store there and before any call, is the value stored: its uses use that value (the interpreter's
    /// <c>callee.Locals[i] = x</c> stores through <c>ldfld Locals</c> of the frame it just made). Without this, a store
    /// through the loaded reference would be a store into a fresh object that its shape does not see.
    /// </summary>
    private static void ForwardFreshLoads(FlowGraph graph)
    {
        var replacement = new Dictionary<Value, Value>();
        var incoming = new Dictionary<Block, List<Block>>();
        foreach (var block in graph.Blocks)
            foreach (var successor in graph.Successors(block))
            {
                if (!incoming.TryGetValue(successor, out var list)) incoming[successor] = list = [];
                list.Add(block);
            }
        // What holds at the end of each block, for a block whose only predecessor it is (nothing runs between).
        var atEnd = new Dictionary<Block, (Dictionary<(Value Owner, string Field), Value> Known, HashSet<Value> Allocated, HashSet<Value> Reachable)>();
        foreach (var block in graph.Blocks)
        {
            var known = new Dictionary<(Value Owner, string Field), Value>();
            var allocated = new HashSet<Value>();
            // Objects a callee may reach (passed, stored into a real object, or stored into one it may reach): their fields may change at a call.
            var reachable = new HashSet<Value>();
            if (incoming.TryGetValue(block, out var into) && into.Count == 1 && atEnd.TryGetValue(into[0], out var carried))
            {
                known = new(carried.Known);
                allocated = [.. carried.Allocated];
                reachable = [.. carried.Reachable];
            }
            void Reach(Value value)
            {
                if (!allocated.Contains(value) || !reachable.Add(value)) return;
                foreach (var ((owner, _), stored) in known.ToList())
                    if (owner == value) Reach(stored);
            }
            foreach (var instruction in graph[block].Instructions)
            {
                var operands = instruction.Operands.Select(Resolve).ToList();
                switch (instruction.Opcode)
                {
                    case Opcode.Allocate or Opcode.NewArray:
                        allocated.Add(instruction.Result!.Value);
                        continue;
                    case Opcode.StoreField when allocated.Contains(operands[0]):
                        known[(operands[0], instruction.Field!.FullName)] = operands[1];
                        if (reachable.Contains(operands[0])) Reach(operands[1]);
                        continue;
                    case Opcode.StoreElement when allocated.Contains(operands[0]):
                        if (IntegerConstant(graph, instruction.Operands[1]) is { } stored) known[(operands[0], "[" + stored + "]")] = operands[2];
                        else foreach (var key in known.Keys.Where(k => k.Owner == operands[0]).ToList()) known.Remove(key);
                        if (reachable.Contains(operands[0])) Reach(operands[2]);
                        continue;
                    case Opcode.LoadField when graph.TypeOf(instruction.Result!.Value).IsReference
                        && known.TryGetValue((operands[0], instruction.Field!.FullName), out var field):
                        replacement[instruction.Result.Value] = field;
                        continue;
                    case Opcode.LoadElement when graph.TypeOf(instruction.Result!.Value).IsReference && IntegerConstant(graph, instruction.Operands[1]) is { } index
                        && known.TryGetValue((operands[0], "[" + index + "]"), out var element):
                        replacement[instruction.Result.Value] = element;
                        continue;
                    case Opcode.LoadField or Opcode.LoadElement or Opcode.ArrayLength:
                        continue;
                }
                // Anything else may hand its operands on: a callee may then store into them, and at a call into any it reaches.
                foreach (var operand in operands) Reach(operand);
                // An object passed on a jump gets another name there: treated as reached.
                foreach (var target in instruction.Targets)
                    foreach (var argument in target.Arguments) Reach(Resolve(argument));
                if (instruction.Opcode is Opcode.Call or Opcode.CallVirt or Opcode.ConstrainedCall or Opcode.NewObject)
                    foreach (var key in known.Keys.Where(k => reachable.Contains(k.Owner)).ToList()) known.Remove(key);
            }
            if (allocated.Count > 0) atEnd[block] = (known, allocated, reachable);
        }
        Value Resolve(Value value) => replacement.TryGetValue(value, out var forwarded) ? forwarded : value;
        if (replacement.Count > 0) graph.ReplaceUses(replacement);
    }

    /// <summary>
    /// The blocks that run just before the call's, each the only way into the next: the stack check's, and before it
    /// the tests of a callee green guessed to be the unit's own (<c>UnitSpecializer</c>), where the reds were made.
    /// </summary>
    /// <summary>How far back from the call the blocks that make its reds may start (a constructor's green branches leave a chain of jumps).</summary>
    private const int MaxChain = 64;

    private static HashSet<Block> Before(FlowGraph graph, Block callBlock, Dictionary<Block, List<Block>> predecessors)
    {
        var before = new HashSet<Block>();
        var block = callBlock;
        for (int steps = 0; steps < MaxChain && predecessors.TryGetValue(block, out var into) && into.Count == 1 && into[0] != FlowGraph.Entry; steps++)
        {
            block = into[0];
            if (!before.Add(block)) break;
        }
        if (predecessors.TryGetValue(block, out var last) && last.Count == 1 && last[0] == FlowGraph.Entry) before.Add(FlowGraph.Entry);
        return before;
    }

    /// <summary>Where each value is used (operands and jump arguments), and the block of each instruction.</summary>
    private static Dictionary<Value, List<Use>> Uses(FlowGraph graph, out Dictionary<Instruction, Block> blockOf)
    {
        var uses = new Dictionary<Value, List<Use>>();
        blockOf = new Dictionary<Instruction, Block>(ReferenceEqualityComparer.Instance);
        void Add(Value value, Use use)
        {
            if (!uses.TryGetValue(value, out var list)) uses[value] = list = [];
            list.Add(use);
        }
        foreach (var block in graph.Blocks)
            foreach (var instruction in graph[block].Instructions)
            {
                blockOf[instruction] = block;
                for (int i = 0; i < instruction.Operands.Count; i++) Add(instruction.Operands[i], new Use(block, instruction, i));
                foreach (var target in instruction.Targets)
                    foreach (var argument in target.Arguments) Add(argument, new Use(block, null, -1));
            }
        return uses;
    }

    /// <summary>The shape of <paramref name="value"/> at the call (<paramref name="parent"/>: the fresh object it is stored into, if any).</summary>
    private static Node Describe(FlowGraph graph, Value value, Value? parent, Site site, HashSet<Block> before, Dictionary<Value, List<Use>> uses,
        Dictionary<Instruction, Block> blockOf, HashSet<Value> taken, ref bool aliased)
    {
        var type = graph.TypeOf(value);
        var definition = graph[value].DefiningInstruction;
        if (definition is { Opcode: Opcode.Const or Opcode.Null }) return new Constant(definition, type);
        var leaf = new Leaf(value, type);
        if (definition is null || !blockOf.TryGetValue(definition, out var home)) return leaf;
        bool allocation = definition.Opcode == Opcode.Allocate
            || (definition.Opcode == Opcode.NewArray && IntegerConstant(graph, definition.Operands[0]) is >= 0);
        if (!allocation || !before.Contains(home)) return leaf;
        // Every use: in its block (stores into it, loads, being stored into the parent once), the call, the slow paths.
        int storedIntoParent = 0, passed = 0;
        var stores = new List<Instruction>();
        foreach (var use in uses.GetValueOrDefault(value) ?? [])
        {
            if (use.Instruction is not { } instruction) return leaf;
            if (ReferenceEquals(instruction, site.Call)) passed++;
            else if (use.Block == site.ViaCell || use.Block == site.Fallback) continue;
            else if (!before.Contains(use.Block)) return leaf;
            else if (use.Position == 0 && instruction.Opcode is Opcode.LoadField or Opcode.LoadElement or Opcode.ArrayLength)
            {
                // A reference loaded and used (not forwarded to the value stored) may be a fresh object's alias: not followed.
                if (graph.TypeOf(instruction.Result!.Value).IsReference && uses.ContainsKey(instruction.Result.Value)) return leaf;
            }
            else if (use.Position == 0 && instruction.Opcode == Opcode.StoreField && definition.Opcode == Opcode.Allocate) stores.Add(instruction);
            else if (use.Position == 0 && instruction.Opcode == Opcode.StoreElement && definition.Opcode == Opcode.NewArray
                && IntegerConstant(graph, instruction.Operands[1]) is >= 0) stores.Add(instruction);
            else if (parent is { } p && instruction.Operands[0] == p
                && ((instruction.Opcode == Opcode.StoreField && use.Position == 1) || (instruction.Opcode == Opcode.StoreElement && use.Position == 2))) storedIntoParent++;
            else return leaf;
        }
        if (passed != (parent is null ? 1 : 0) || storedIntoParent != (parent is null ? 0 : 1)) return leaf;
        if (!taken.Add(value))
        {
            aliased = true;
            return leaf;
        }
        // The last value of each field or element, in the order the stores first wrote them.
        var last = new List<(string Key, Instruction Store)>();
        // The chain's blocks are in the order they run: each one's only predecessor is the one before it.
        var order = before.OrderBy(b => Distance(graph, b, home, before)).ToList();
        foreach (var store in order.SelectMany(b => graph[b].Instructions).Where(i => stores.Contains(i)))
        {
            string key = store.Opcode == Opcode.StoreField ? store.Field!.FullName : "[" + IntegerConstant(graph, store.Operands[1]) + "]";
            int index = last.FindIndex(l => l.Key == key);
            if (index >= 0) last[index] = (key, store);
            else last.Add((key, store));
        }
        var shaped = new List<(Instruction, Node)>();
        foreach (var (_, store) in last)
        {
            var stored = store.Operands[store.Opcode == Opcode.StoreField ? 1 : 2];
            shaped.Add((store, Describe(graph, stored, value, site, before, uses, blockOf, taken, ref aliased)));
        }
        long length = definition.Opcode == Opcode.NewArray ? IntegerConstant(graph, definition.Operands[0])!.Value : -1;
        return new Fresh(value, definition, type, length, shaped);
    }

    /// <summary>How many jumps from <paramref name="from"/> reach <paramref name="block"/> along the chain (a large number when it is before).</summary>
    private static int Distance(FlowGraph graph, Block block, Block from, HashSet<Block> chain)
    {
        var current = from;
        for (int steps = 0; steps <= chain.Count; steps++)
        {
            if (current == block) return steps;
            var next = graph.Successors(current).Where(chain.Contains).ToList();
            if (next.Count != 1) break;
            current = next[0];
        }
        return int.MaxValue;
    }

    private static long? IntegerConstant(FlowGraph graph, Value value) =>
        graph[value].DefiningInstruction is { Opcode: Opcode.Const } constant && graph.TypeOf(value).Kind is >= TypeKind.Bool and <= TypeKind.NUInt
            ? constant.Integer : null;

    /// <summary>The shape printed: two sites share a shaped entry when they print the same.</summary>
    private static string Print(FlowGraph graph, Node node) => node switch
    {
        Leaf leaf => leaf.Type.ToString(),
        Constant constant => $"{constant.Definition.Opcode} {constant.Type} {constant.Definition.Integer} {BitConverter.DoubleToInt64Bits(constant.Definition.Float)}",
        Fresh fresh => $"{fresh.Allocation.Opcode} {fresh.Type} {fresh.Allocation.TypeOperand} {fresh.Length} {{"
            + string.Join("; ", fresh.Stores.Select(s => (s.Store.Opcode == Opcode.StoreField ? s.Store.Field!.FullName
                : $"[{IntegerConstant(graph, s.Store.Operands[1])}] {s.Store.TypeOperand}") + " = " + Print(graph, s.Stored))) + "}",
        _ => throw new InvalidOperationException(node.ToString()),
    };

    /// <summary>The leaves, depth first: the shaped entry's parameters after <c>(constants, exit)</c>.</summary>
    private static IEnumerable<Leaf> Leaves(IEnumerable<Node> nodes)
    {
        foreach (var node in nodes)
        {
            if (node is Leaf leaf) yield return leaf;
            else if (node is Fresh fresh)
                foreach (var inner in Leaves(fresh.Stores.Select(s => s.Stored))) yield return inner;
        }
    }

    /// <summary>
    /// Makes the value <paramref name="node"/> describes in <paramref name="target"/>, appending to <paramref name="into"/>
    /// (leaves depth first from <paramref name="leaf"/>); <paramref name="made"/> maps each fresh object of the shape to the one made.
    /// </summary>
    private static Value Make(FlowGraph target, FlowGraph source, Node node, Func<Leaf, Value> leaf, List<Instruction> into, Dictionary<Value, Value> made)
    {
        switch (node)
        {
            case Leaf l:
                return leaf(l);
            case Constant constant:
            {
                var copy = new Instruction(constant.Definition.Opcode) { Integer = constant.Definition.Integer, Float = constant.Definition.Float, Location = constant.Definition.Location };
                into.Add(copy);
                return target.SetResult(copy, constant.Type);
            }
            case Fresh fresh:
            {
                var allocation = new Instruction(fresh.Allocation.Opcode) { TypeOperand = fresh.Allocation.TypeOperand, Location = fresh.Allocation.Location };
                if (fresh.Allocation.Opcode == Opcode.NewArray)
                {
                    var length = new Instruction(Opcode.Const) { Integer = fresh.Length, Location = fresh.Allocation.Location };
                    into.Add(length);
                    allocation.Operands.Add(target.SetResult(length, source.TypeOf(fresh.Allocation.Operands[0])));
                }
                into.Add(allocation);
                var result = target.SetResult(allocation, fresh.Type, source[fresh.Value].Name);
                made[fresh.Value] = result;
                foreach (var (store, stored) in fresh.Stores)
                {
                    var value = Make(target, source, stored, leaf, into, made);
                    if (store.Opcode == Opcode.StoreField)
                    {
                        into.Add(new Instruction(Opcode.StoreField, result, value) { Field = store.Field, Location = store.Location });
                        continue;
                    }
                    var index = new Instruction(Opcode.Const) { Integer = IntegerConstant(source, store.Operands[1])!.Value, Location = store.Location };
                    into.Add(index);
                    into.Add(new Instruction(Opcode.StoreElement, result, target.SetResult(index, source.TypeOf(store.Operands[1])), value) { TypeOperand = store.TypeOperand, Location = store.Location });
                }
                return result;
            }
            default:
                throw new InvalidOperationException(node.ToString());
        }
    }

    /// <summary>The cell's path, which takes the callee's reds into the state it enters with, makes them again at its start from the same leaves.</summary>
    private static void MakeAgain(FlowGraph graph, Block block, List<Node> reds)
    {
        var fresh = new HashSet<Value>();
        void Collect(Node node)
        {
            if (node is not Fresh f) return;
            fresh.Add(f.Value);
            foreach (var (_, stored) in f.Stores) Collect(stored);
        }
        foreach (var red in reds) Collect(red);
        var instructions = graph[block].Instructions;
        if (!instructions.Any(i => i.Operands.Any(fresh.Contains) || i.Targets.Any(t => t.Arguments.Any(fresh.Contains)))) return;
        var prologue = new List<Instruction>();
        var made = new Dictionary<Value, Value>();
        foreach (var red in reds) Make(graph, graph, red, l => l.Value, prologue, made);
        foreach (var instruction in instructions)
        {
            for (int i = 0; i < instruction.Operands.Count; i++)
                if (made.TryGetValue(instruction.Operands[i], out var again)) instruction.Operands[i] = again;
            foreach (var target in instruction.Targets)
                for (int i = 0; i < target.Arguments.Count; i++)
                    if (made.TryGetValue(target.Arguments[i], out var again)) target.Arguments[i] = again;
        }
        instructions.InsertRange(0, prologue);
    }

    /// <summary>
    /// The jumps into the site's portal call and the state array each passed to the runtime: the portal call follows a
    /// failed <see cref="CallCell.Enter"/> (the cell's state) or <see cref="CallCell.Resume"/> (the resumption's state);
    /// null when some jump is not one of those.
    /// </summary>
    private static List<(BlockCall Jump, Value? State)>? FallbackStates(FlowGraph graph, Site site, HashSet<Block> before)
    {
        var found = new List<(BlockCall, Value?)>();
        foreach (var block in graph.Blocks)
            foreach (var instruction in graph[block].Instructions)
                foreach (var target in instruction.Targets)
                {
                    if (target.Target != site.Fallback) continue;
                    if (instruction.Opcode != Opcode.BrIf || target.Arguments.Count > 0) return null;
                    if (graph[instruction.Operands[0]].DefiningInstruction is not { Opcode: Opcode.Call } call)
                    {
                        if (!before.Contains(block)) return null;
                        found.Add((target, null));
                        continue;
                    }
                    if (call.Method == CallCell.EnterMethod) found.Add((target, call.Operands[1]));
                    else if (call.Method == CallCell.ResumeMethod) found.Add((target, call.Operands[2]));
                    // A wrong guess of the callee before the call: the reds are as the shape says, untouched.
                    else if (before.Contains(block)) found.Add((target, null));
                    else return null;
                }
        return found;
    }

    /// <summary>
    /// Whether a store into one of the reds' fresh objects runs after the block that jumps by <paramref name="jump"/>
    /// (a wrong guess of the callee): the objects made on that edge must be what they are there, from values made by then.
    /// </summary>
    private static bool StoredAfter(FlowGraph graph, BlockCall jump, List<Node> reds, HashSet<Block> before)
    {
        var fresh = new HashSet<Value>();
        void Collect(Node node)
        {
            if (node is not Fresh f) return;
            fresh.Add(f.Value);
            foreach (var (_, stored) in f.Stores) Collect(stored);
        }
        foreach (var red in reds) Collect(red);
        var from = graph.Blocks.First(b => graph[b].Terminator?.Targets.Contains(jump) ?? false);
        var current = from;
        for (int steps = 0; steps <= before.Count; steps++)
        {
            var next = graph.Successors(current).Where(before.Contains).ToList();
            if (next.Count != 1) return false;
            current = next[0];
            if (graph[current].Instructions.Any(i => i.Opcode is Opcode.StoreField or Opcode.StoreElement && fresh.Contains(i.Operands[0]))) return true;
        }
        return false;
    }

    /// <summary>Whether the portal call takes an object made inside a red (only the reds themselves are in the state).</summary>
    private static bool NestedInFallback(FlowGraph graph, Site site, List<Node> reds)
    {
        var nested = new HashSet<Value>();
        void Collect(Node node, bool top)
        {
            if (node is not Fresh f) return;
            if (!top) nested.Add(f.Value);
            foreach (var (_, stored) in f.Stores) Collect(stored, false);
        }
        foreach (var red in reds) Collect(red, true);
        return graph[site.Fallback].Instructions.Any(i => i.Operands.Any(nested.Contains) || i.Targets.Any(t => t.Arguments.Any(nested.Contains)));
    }

    /// <summary>
    /// The portal call takes each red made for the call from the state the runtime was given: after a failed
    /// <see cref="CallCell.Enter"/> with no unit, the object the cell's path made; after an exit, the object the
    /// callee left with, which the portal resumes on (as the interpreter's frame it passed in was, before).
    /// </summary>
    private static void TakeFromState(FlowGraph graph, Site site, List<Node> reds, IReadOnlyList<int> stateIndices, HashSet<Block> before)
    {
        var jumps = FallbackStates(graph, site, before)!;
        var replaced = new Dictionary<Value, int>();
        for (int i = 0; i < reds.Count; i++)
            if (reds[i] is Fresh fresh) replaced[fresh.Value] = stateIndices[i];
        var instructions = graph[site.Fallback].Instructions;
        if (!instructions.Any(i => i.Operands.Any(replaced.ContainsKey) || i.Targets.Any(t => t.Arguments.Any(replaced.ContainsKey)))) return;
        var stateType = graph.TypeOf(jumps.First(j => j.State is not null).State!.Value);
        var state = graph.AddParameter(site.Fallback, stateType, "state");
        foreach (var (jump, passed) in jumps)
        {
            if (passed is { } given)
            {
                jump.Arguments.Add(given);
                continue;
            }
            // A wrong guess: a block on the edge makes the reds again and a state holding them.
            var edge = graph.AddBlock();
            var into = graph[edge].Instructions;
            var length = new Instruction(Opcode.Const) { Integer = replaced.Values.Max() + 1 };
            into.Add(length);
            var array = new Instruction(Opcode.NewArray, graph.SetResult(length, IrType.I32)) { TypeOperand = IrType.Object };
            into.Add(array);
            var made = graph.SetResult(array, stateType);
            var again = new Dictionary<Value, Value>();
            for (int i = 0; i < reds.Count; i++)
            {
                var red = Make(graph, graph, reds[i], l => l.Value, into, again);
                if (reds[i] is not Fresh) continue;
                var position = new Instruction(Opcode.Const) { Integer = stateIndices[i] };
                into.Add(position);
                into.Add(new Instruction(Opcode.StoreElement, made, graph.SetResult(position, IrType.I32), red) { TypeOperand = IrType.Object });
            }
            into.Add(new Instruction(Opcode.Jump) { Targets = { new BlockCall(site.Fallback, [made]) } });
            jump.Target = edge;
        }
        var prologue = new List<Instruction>();
        var taken = new Dictionary<Value, Value>();
        foreach (var (value, index) in replaced)
        {
            var position = new Instruction(Opcode.Const) { Integer = index };
            prologue.Add(position);
            var element = new Instruction(Opcode.LoadElement, state, graph.SetResult(position, IrType.I32)) { TypeOperand = IrType.Object };
            prologue.Add(element);
            var cast = new Instruction(Opcode.CastClass, graph.SetResult(element, IrType.Object)) { TypeOperand = graph.TypeOf(value) };
            prologue.Add(cast);
            taken[value] = graph.SetResult(cast, graph.TypeOf(value));
        }
        foreach (var instruction in instructions)
        {
            for (int i = 0; i < instruction.Operands.Count; i++)
                if (taken.TryGetValue(instruction.Operands[i], out var again)) instruction.Operands[i] = again;
            foreach (var target in instruction.Targets)
                for (int i = 0; i < target.Arguments.Count; i++)
                    if (taken.TryGetValue(target.Arguments[i], out var again)) target.Arguments[i] = again;
        }
        instructions.InsertRange(0, prologue);
    }

    /// <summary>Copies every block of <paramref name="source"/> into <paramref name="target"/>; returns the copy of its entry.</summary>
    private static Block Copy(FlowGraph source, FlowGraph target)
    {
        var blocks = new Dictionary<Block, Block>();
        var values = new Dictionary<Value, Value>();
        foreach (var block in source.Blocks)
        {
            var copy = target.AddBlock();
            blocks[block] = copy;
            foreach (var parameter in source[block].Parameters)
                values[parameter] = target.AddParameter(copy, source.TypeOf(parameter), source[parameter].Name);
        }
        var copies = new List<(Instruction Original, Instruction Copy)>();
        foreach (var block in source.Blocks)
            foreach (var instruction in source[block].Instructions)
            {
                var copy = new Instruction(instruction.Opcode)
                {
                    Integer = instruction.Integer, Float = instruction.Float, Text = instruction.Text, TypeOperand = instruction.TypeOperand,
                    Field = instruction.Field, Method = instruction.Method, Slot = instruction.Slot, Location = instruction.Location,
                    OperandVariables = instruction.OperandVariables is null ? null : [.. instruction.OperandVariables],
                };
                target[blocks[block]].Instructions.Add(copy);
                if (instruction.Result is { } result) values[result] = target.SetResult(copy, source.TypeOf(result), source[result].Name);
                copies.Add((instruction, copy));
            }
        foreach (var (original, copy) in copies)
        {
            copy.Operands.AddRange(original.Operands.Select(o => values[o]));
            foreach (var call in original.Targets) copy.Targets.Add(new BlockCall(blocks[call.Target], [.. call.Arguments.Select(a => values[a])]));
        }
        return blocks[FlowGraph.Entry];
    }
}

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
/// object stays shared), or a constant when a <c>const</c> or <c>null</c> makes it. A fresh object may be met more than
/// once (a red that is also stored in another red: the callee's register array and its frame's field): it is one node,
/// and the shape must hold every reference to it its uses make, else the site is not shaped. A leaf stored into an array
/// of references is passed as the array's element type.</item>
/// <item>Before the shapes are taken, <c>Array.Fill</c> and <c>Array.Copy</c> into an array made with a constant length,
/// at constant indices within it, become the element loads and stores they do (<c>SelfCallShapes.ArrayHelpers.cs</c>):
/// an interpreter's constructor that fills the callee's registers and the copy of the arguments into them are then
/// stores into a fresh object.</item>
/// <item>Whatever the callee does with its reds starts after the call, so the caller's object is never seen again
/// on the direct path: the slow paths, where the interpreter or the cell takes real objects, make their own from
/// the same leaves at their start (they take it as the interpreter would have: fresh, with those contents; a
/// resumption at an exit ignores the portal call's arguments).</item>
/// <item>The calls whose shapes are the most common one (all of a function's recursive calls, usually) call the
/// shaped entry; a call of another shape calls the unit as before. One shaped entry per unit. Shapes are compared
/// without their constants' values: a constant the chosen sites differ in (the register a call's result goes to) is a
/// leaf of the entry, each site passing its own.</item>
/// <item>In the caller, the objects made for a rewritten call that nothing else uses (their stores, and loads whose
/// results are unused) are removed: allocation removal cannot take apart an array stored into with a value of a
/// subclass of its element type.</item>
/// <item>The shaped entry is a copy of the unit, made after the calls are rewritten: its own recursive calls of the
/// shape call itself. Its exits are the unit's (same numbers, same exit buffer), so a direct call that leaves at an
/// exit goes on as before (<see cref="CallCell.Resume"/>).</item>
/// </list>
/// Strategy: one scan for the uses of every value, a shape per call site (a graph without cycles, compared by its printed
/// form without constants' values), the rewrite of the chosen sites, then the copy. O(instructions).
/// <para>It runs on the first function unit's path, so it keeps to the IR's collections and to framework collections over
/// references, without LINQ over <see cref="Value"/> or <see cref="Block"/> or tuples (Optimizer/README.md, "Warm-up":
/// .NET compiles each such instantiation in every process).</para>
/// </remarks>
internal static partial class SelfCallShapes
{
    /// <summary>A direct self-call as <see cref="UnitSpecializer"/> emits it: the call, and the two blocks of its slow paths that take the callee's reds.</summary>
    internal sealed record Site(Instruction Call, Block ViaCell, Block Fallback);

    private abstract record Node;

    /// <summary>A value passed as it is: a parameter of the shaped entry.</summary>
    private sealed record Leaf(Value Value, IrType Type) : Node;

    /// <summary>A constant, made again where the shape is made.</summary>
    private sealed record Constant(Instruction Definition, IrType Type) : Node;

    /// <summary>An object made for the call: its allocation and the last value of each field or element stored.</summary>
    private sealed record Fresh(Value Value, Instruction Allocation, IrType Type, long Length, List<StoredValue> Stores) : Node;

    /// <summary>A store into a fresh object, and the shape of the value it stores.</summary>
    private sealed record StoredValue(Instruction Store, Node Stored);

    /// <summary>A use of a value: an operand (<paramref name="Instruction"/>, its position) or a jump argument (no instruction).</summary>
    private sealed record Use(Block Block, Instruction? Instruction, int Position);

    /// <summary>A site whose reds have a shape.</summary>
    private sealed record ShapedSite(Site Site, List<Node> Reds, string Signature, BlockSet Before);

    /// <summary>A jump into a site's portal call, and the state array passed to the runtime on its way (null: none, a wrong guess).</summary>
    private sealed record FallbackJump(BlockCall Jump, Value? State);

    /// <summary>
    /// Rewrites the sites of <paramref name="graph"/> (a typed unit's residual graph, whose parameters are
    /// <c>(constants, exit, red...)</c>) that pass fresh objects, and returns the shaped entry they now call; null when
    /// no site passes one (the graph then only has its array helpers into fresh arrays expanded and loads of what was
    /// just stored into a fresh object forwarded, both equivalent).
    /// </summary>
    public static FlowGraph? Split(FlowGraph graph, IReadOnlyList<Site> sites, IReadOnlyList<int> stateIndices)
    {
        if (graph.RegionCount > 0 || sites.Count == 0) return null;
        ForwardFreshLoads(graph);
        ExpandArrayHelpers(graph);
        var uses = Uses(graph, out var blockOf);
        var predecessors = new BlockMap<List<Block>>(graph.BlockCount);
        foreach (var block in graph.Blocks)
            foreach (var successor in graph.Successors(block))
            {
                if (!predecessors.TryGetValue(successor, out var list)) predecessors[successor] = list = [];
                list.Add(block);
            }

        // 1. The shape of each site's reds.
        var shaped = new List<ShapedSite>();
        foreach (var site in sites)
        {
            if (!blockOf.TryGetValue(site.Call, out int callBlock)) continue;
            var before = Before(graph, new Block(callBlock), predecessors);
            var reds = new List<Node>();
            var described = new Described();
            bool aliased = false, anyFresh = false;
            for (int i = 2; i < site.Call.Operands.Count; i++)
            {
                var red = Describe(graph, site.Call.Operands[i], site, before, uses, blockOf, described, ref aliased);
                anyFresh |= red is Fresh;
                reds.Add(red);
            }
            if (aliased || !anyFresh || !described.EveryReferenceInShape(reds) || FallbackStates(graph, site, before) is not { } jumps || NestedInFallback(graph, site, reds)) continue;
            // A wrong guess whose portal call takes none of the reds (the guess tested before the portal's entry, which made
            // them) needs none made on its edge, so it does not matter what is stored into them after it.
            bool storedAfter = false, fallbackTakesReds = UsesAny(graph[site.Fallback].Instructions, FreshValues(reds));
            foreach (var jump in jumps) storedAfter |= jump.State is null && fallbackTakesReds && StoredAfter(graph, jump.Jump, reds, before);
            if (storedAfter) continue;
            shaped.Add(new ShapedSite(site, reds, Print(graph, reds, exact: false), before));
        }
        if (shaped.Count == 0) return null;
        var chosen = MostCommon(shaped);
        var template = Template(graph, chosen);

        // 2. The shaped entry's reference, its parameters the leaves of the shape.
        var leaves = new List<Leaf>();
        Leaves(template, leaves);
        var entry = new FlowGraph(graph.Name + " shaped", graph.ReturnType) { SourceDocument = graph.SourceDocument };
        var parameterTypes = new System.Text.StringBuilder("System.Object[],System.Object[]");
        for (int i = 0; i < leaves.Count; i++) parameterTypes.Append(",l").Append(i);
        var reference = new MethodRef(graph.ReturnType.Name + " pejit.unit::shaped(" + parameterTypes + ")", hasThis: false, origin: entry);

        // 3. The sites call it with their leaves; their slow paths make the objects again.
        foreach (var shapedSite in chosen)
        {
            var call = shapedSite.Site.Call;
            var arguments = new List<Value> { call.Operands[0], call.Operands[1] };
            var visited = new ValueSet();
            for (int i = 0; i < template.Count; i++) Arguments(template[i], shapedSite.Reds[i], arguments, visited);
            call.Operands.Clear();
            call.Operands.AddRange(arguments);
            call.Method = reference;
            MakeAgain(graph, shapedSite.Site.ViaCell, shapedSite.Reds);
            TakeFromState(graph, shapedSite.Site, shapedSite.Reds, stateIndices, shapedSite.Before);
        }

        RemoveUnusedFresh(graph, chosen);

        // 4. The copy: an entry block that makes the reds from the leaves, then the unit's blocks.
        for (int s = 0; s < graph.SlotCount; s++) entry.AddSlot(graph[new Slot(s)].Type, graph[new Slot(s)].Name);
        var start = entry.AddBlock();
        var constants = entry.AddParameter(start, graph.TypeOf(graph.Parameters[0]), "constants");
        var exit = entry.AddParameter(start, graph.TypeOf(graph.Parameters[1]), "exit");
        var leafParameters = new List<Value>(leaves.Count);
        for (int i = 0; i < leaves.Count; i++) leafParameters.Add(entry.AddParameter(start, leaves[i].Type, "leaf" + i));
        int next = 0;
        var made = new List<Value> { constants, exit };
        var prologue = entry[start].Instructions;
        var madeObjects = new ValueToValueMap();
        foreach (var red in template) made.Add(Make(entry, graph, red, _ => leafParameters[next++], prologue, madeObjects));
        var copied = Copy(graph, entry);
        prologue.Add(new Instruction(Opcode.Jump) { Targets = { new BlockCall(copied, made) } });
        return entry;
    }

    /// <summary>
    /// After the chosen sites are rewritten, the objects made for them are used by nothing on the direct path but their own
    /// stores and loads whose results nothing uses (the slow paths make their own, rule 2): they are removed with those
    /// stores and loads. Allocation removal would take most apart too, but not an array it cannot prove a store into
    /// cannot fail (a value of a subclass of the element type). An object something else still uses stays, with what
    /// is stored into it.
    /// </summary>
    private static void RemoveUnusedFresh(FlowGraph graph, List<ShapedSite> chosen)
    {
        var candidates = new ValueSet();
        foreach (var site in chosen)
            foreach (var value in FreshValues(site.Reds)) candidates.Add(value);
        var uses = Uses(graph, out _);
        bool changed = true;
        while (changed)
        {
            changed = false;
            var dropped = new List<Value>();
            foreach (var value in candidates)
                if (!OnlyStoredIntoOrLoaded(graph, value, uses, candidates)) dropped.Add(value);
            foreach (var value in dropped) changed |= candidates.Remove(value);
        }
        if (candidates.Count == 0) return;
        foreach (var block in graph.Blocks)
            graph[block].Instructions.RemoveAll(instruction => instruction.Result is { } result && candidates.Contains(result)
                ? true
                : instruction.Opcode is Opcode.StoreField or Opcode.StoreElement or Opcode.LoadField or Opcode.LoadElement or Opcode.ArrayLength
                    && candidates.Contains(instruction.Operands[0]));
    }

    /// <summary>Whether every use of <paramref name="value"/> is a store into it, a load from it within bounds whose result is unused, or a store of it into one of <paramref name="removable"/>.</summary>
    private static bool OnlyStoredIntoOrLoaded(FlowGraph graph, Value value, ValueMap<List<Use>> uses, ValueSet removable)
    {
        long length = graph[value].DefiningInstruction is { Opcode: Opcode.NewArray } array ? IntegerConstant(graph, array.Operands[0]) ?? -1 : -1;
        foreach (var use in uses.GetValueOrDefault(value) ?? NoUses)
        {
            if (use.Instruction is not { } instruction) return false;
            bool ok = (instruction.Opcode, use.Position) switch
            {
                (Opcode.StoreField, 0) => true,
                (Opcode.StoreElement, 0) => IntegerConstant(graph, instruction.Operands[1]) is { } index && index >= 0 && index < length,
                (Opcode.StoreField, 1) or (Opcode.StoreElement, 2) => removable.Contains(instruction.Operands[0]),
                (Opcode.LoadField, 0) => !uses.ContainsKey(instruction.Result!.Value),
                (Opcode.LoadElement, 0) => !uses.ContainsKey(instruction.Result!.Value)
                    && IntegerConstant(graph, instruction.Operands[1]) is { } index && index >= 0 && index < length,
                (Opcode.ArrayLength, 0) => !uses.ContainsKey(instruction.Result!.Value),
                _ => false,
            };
            if (!ok) return false;
        }
        return true;
    }

    /// <summary>The sites of the signature most of them share (the first such, in the order of the sites, on a tie).</summary>
    private static List<ShapedSite> MostCommon(List<ShapedSite> shaped)
    {
        var counts = new Dictionary<string, int>();
        string? best = null;
        foreach (var site in shaped)
        {
            int count = counts.GetValueOrDefault(site.Signature) + 1;
            counts[site.Signature] = count;
        }
        // The first signature (in site order) with the highest count: what a stable descending sort of the groups takes first.
        foreach (var site in shaped)
            if (best is null || counts[site.Signature] > counts[best]) best = site.Signature;
        var chosen = new List<ShapedSite>();
        foreach (var site in shaped)
            if (site.Signature == best) chosen.Add(site);
        return chosen;
    }

    /// <summary>
    /// A reference loaded from a field or constant-index element of an object allocated in the same block, after a
    /// store there and before any call, is the value stored: its uses use that value (the interpreter's
    /// <c>callee.Locals[i] = x</c> stores through <c>ldfld Locals</c> of the frame it just made). Without this, a store
    /// through the loaded reference would be a store into a fresh object that its shape does not see.
    /// </summary>
    private static void ForwardFreshLoads(FlowGraph graph)
    {
        var replacement = new ValueToValueMap();
        var incoming = new BlockMap<List<Block>>(graph.BlockCount);
        foreach (var block in graph.Blocks)
            foreach (var successor in graph.Successors(block))
            {
                if (!incoming.TryGetValue(successor, out var list)) incoming[successor] = list = [];
                list.Add(block);
            }
        // What holds at the end of each block, for a block whose only predecessor it is (nothing runs between).
        var atEnd = new BlockMap<FreshStores>(graph.BlockCount);
        var operands = new List<Value>();
        foreach (var block in graph.Blocks)
        {
            var state = incoming.TryGetValue(block, out var into) && into.Count == 1 && atEnd.TryGetValue(into[0], out var carried)
                ? carried.Clone() : new FreshStores();
            foreach (var instruction in graph[block].Instructions)
            {
                operands.Clear();
                foreach (var operand in instruction.Operands) operands.Add(Resolve(operand));
                switch (instruction.Opcode)
                {
                    case Opcode.Allocate or Opcode.NewArray:
                        state.Allocated.Add(instruction.Result!.Value);
                        continue;
                    case Opcode.StoreField when state.Allocated.Contains(operands[0]):
                        state.Set(operands[0], instruction.Field!.FullName, operands[1]);
                        if (state.Reachable.Contains(operands[0])) state.Reach(operands[1]);
                        continue;
                    case Opcode.StoreElement when state.Allocated.Contains(operands[0]):
                        if (IntegerConstant(graph, instruction.Operands[1]) is { } stored) state.Set(operands[0], "[" + stored + "]", operands[2]);
                        else state.Forget(operands[0]);
                        if (state.Reachable.Contains(operands[0])) state.Reach(operands[2]);
                        continue;
                    case Opcode.LoadField when graph.TypeOf(instruction.Result!.Value).IsReference
                        && state.TryGet(operands[0], instruction.Field!.FullName, out var field):
                        replacement[instruction.Result.Value] = field;
                        continue;
                    case Opcode.LoadElement when graph.TypeOf(instruction.Result!.Value).IsReference && IntegerConstant(graph, instruction.Operands[1]) is { } index
                        && state.TryGet(operands[0], "[" + index + "]", out var element):
                        replacement[instruction.Result.Value] = element;
                        continue;
                    case Opcode.LoadField or Opcode.LoadElement or Opcode.ArrayLength:
                        continue;
                }
                // Anything else may hand its operands on: a callee may then store into them, and at a call into any it reaches.
                foreach (var operand in operands) state.Reach(operand);
                // An object passed on a jump gets another name there: treated as reached.
                foreach (var target in instruction.Targets)
                    foreach (var argument in target.Arguments) state.Reach(Resolve(argument));
                if (instruction.Opcode is Opcode.Call or Opcode.CallVirt or Opcode.ConstrainedCall or Opcode.NewObject) state.ForgetReachable();
            }
            if (state.Allocated.Count > 0) atEnd[block] = state;
        }
        Value Resolve(Value value) => replacement.TryGetValue(value, out var forwarded) ? forwarded : value;
        if (replacement.Count > 0) graph.ReplaceUses(replacement);
    }

    /// <summary>
    /// What <see cref="ForwardFreshLoads"/> knows at a point: the objects allocated so far on the block chain, those a callee
    /// may reach (passed, stored into a real object, or stored into one it may reach: their fields may change at a call), and
    /// the last value stored into each field or constant-index element of an allocated object (by value indexes: no
    /// framework collection over <see cref="Value"/>).
    /// </summary>
    private sealed class FreshStores
    {
        public ValueSet Allocated { get; private init; } = new();
        public ValueSet Reachable { get; private init; } = new();
        private Dictionary<int, Dictionary<string, int>> stores = [];

        public FreshStores Clone()
        {
            var copy = new FreshStores { Allocated = new ValueSet(), Reachable = new ValueSet() };
            copy.Allocated.UnionWith(Allocated);
            copy.Reachable.UnionWith(Reachable);
            foreach (var (owner, fields) in stores) copy.stores[owner] = new Dictionary<string, int>(fields);
            return copy;
        }

        public void Set(Value owner, string key, Value stored)
        {
            if (!stores.TryGetValue(owner.Index, out var fields)) stores[owner.Index] = fields = [];
            fields[key] = stored.Index;
        }

        public bool TryGet(Value owner, string key, out Value stored)
        {
            stored = default;
            if (!stores.TryGetValue(owner.Index, out var fields) || !fields.TryGetValue(key, out int index)) return false;
            stored = new Value(index);
            return true;
        }

        /// <summary>Forgets every store into <paramref name="owner"/> (one at an index not known).</summary>
        public void Forget(Value owner) => stores.Remove(owner.Index);

        /// <summary>Forgets the stores into every object a callee may reach (at a call).</summary>
        public void ForgetReachable()
        {
            List<int>? reached = null;
            foreach (var owner in stores.Keys)
                if (Reachable.Contains(new Value(owner))) (reached ??= []).Add(owner);
            if (reached is not null) foreach (int owner in reached) stores.Remove(owner);
        }

        /// <summary>Marks an allocated object as one a callee may reach, and what is stored in it.</summary>
        public void Reach(Value value)
        {
            if (!Allocated.Contains(value) || !Reachable.Add(value)) return;
            if (!stores.TryGetValue(value.Index, out var fields)) return;
            var stored = new List<int>(fields.Values);
            foreach (int index in stored) Reach(new Value(index));
        }
    }

    /// <summary>
    /// The blocks that run just before the call's, each the only way into the next: the stack check's, and before it
    /// the tests of a callee green guessed to be the unit's own (<c>UnitSpecializer</c>), where the reds were made.
    /// </summary>
    /// <summary>How far back from the call the blocks that make its reds may start (a constructor's green branches leave a chain of jumps).</summary>
    private const int MaxChain = 64;

    private static BlockSet Before(FlowGraph graph, Block callBlock, BlockMap<List<Block>> predecessors)
    {
        var before = new BlockSet(graph.BlockCount);
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
    private static ValueMap<List<Use>> Uses(FlowGraph graph, out Dictionary<Instruction, int> blockOf)
    {
        var uses = new ValueMap<List<Use>>(graph.ValueCount);
        // The block of each instruction, by its index (a framework map from references to ints is precompiled).
        blockOf = new Dictionary<Instruction, int>(ReferenceEqualityComparer.Instance);
        void Add(Value value, Use use)
        {
            if (!uses.TryGetValue(value, out var list)) uses[value] = list = [];
            list.Add(use);
        }
        foreach (var block in graph.Blocks)
            foreach (var instruction in graph[block].Instructions)
            {
                blockOf[instruction] = block.Index;
                for (int i = 0; i < instruction.Operands.Count; i++) Add(instruction.Operands[i], new Use(block, instruction, i));
                foreach (var target in instruction.Targets)
                    foreach (var argument in target.Arguments) Add(argument, new Use(block, null, -1));
            }
        return uses;
    }

    /// <summary>
    /// The shape of <paramref name="value"/> at the call. A fresh object met again (the callee's register array, passed as a
    /// red and stored in the callee's frame) is the same node: the shape is a graph without cycles, and
    /// <see cref="Described.EveryReferenceInShape"/> checks that it holds every reference to each of its objects.
    /// </summary>
    private static Node Describe(FlowGraph graph, Value value, Site site, BlockSet before, ValueMap<List<Use>> uses,
        Dictionary<Instruction, int> blockOf, Described described, ref bool aliased)
    {
        var type = graph.TypeOf(value);
        var definition = graph[value].DefiningInstruction;
        if (definition is { Opcode: Opcode.Const or Opcode.Null }) return new Constant(definition, type);
        var leaf = new Leaf(value, type);
        if (described.Nodes.TryGetValue(value, out var met)) return met;
        if (definition is null || !blockOf.TryGetValue(definition, out int homeIndex)) return leaf;
        var home = new Block(homeIndex);
        bool allocation = definition.Opcode == Opcode.Allocate
            || (definition.Opcode == Opcode.NewArray && IntegerConstant(graph, definition.Operands[0]) is >= 0);
        if (!allocation || !before.Contains(home)) return leaf;
        // Every use: in its block (stores into it, loads, being stored into another object made there), the call, the slow paths.
        int references = 0;
        var stores = new List<Instruction>();
        foreach (var use in uses.GetValueOrDefault(value) ?? NoUses)
        {
            if (use.Instruction is not { } instruction) return leaf;
            if (ReferenceEquals(instruction, site.Call)) references++;
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
            else if (((instruction.Opcode == Opcode.StoreField && use.Position == 1) || (instruction.Opcode == Opcode.StoreElement && use.Position == 2))
                && instruction.Operands[0] != value && IsAllocation(graph, instruction.Operands[0])) references++;
            else return leaf;
        }
        if (references == 0) return leaf;
        if (!described.InProgress.Add(value))
        {
            // Stored into itself, or into an object stored into it: not a shape.
            aliased = true;
            return leaf;
        }
        // The last value of each field or element, in the order the stores first wrote them.
        var lastKeys = new List<string>();
        var lastStores = new List<Instruction>();
        // The chain's blocks from the allocation's on, in the order they run: each one's only predecessor is the one before
        // it (the stores into the object are all in them, as it is made in the first).
        foreach (var block in ChainFrom(graph, home, before))
            foreach (var store in graph[block].Instructions)
            {
                if (!stores.Contains(store)) continue;
                string key = store.Opcode == Opcode.StoreField ? store.Field!.FullName : "[" + IntegerConstant(graph, store.Operands[1]) + "]";
                int index = lastKeys.IndexOf(key);
                if (index >= 0) lastStores[index] = store;
                else
                {
                    lastKeys.Add(key);
                    lastStores.Add(store);
                }
            }
        var shaped = new List<StoredValue>();
        foreach (var store in lastStores)
        {
            var stored = store.Operands[store.Opcode == Opcode.StoreField ? 1 : 2];
            var node = Describe(graph, stored, site, before, uses, blockOf, described, ref aliased);
            // A leaf stored into an array of references is passed as the element type: the shaped entry's store then has a
            // value of exactly the array's element type, which allocation removal needs to take the array apart.
            if (node is Leaf leafNode && store.Opcode == Opcode.StoreElement && store.TypeOperand is { IsReference: true } element
                && leafNode.Type.IsReference && !leafNode.Type.Equals(element)) node = leafNode with { Type = element };
            shaped.Add(new StoredValue(store, node));
        }
        long length = definition.Opcode == Opcode.NewArray ? IntegerConstant(graph, definition.Operands[0])!.Value : -1;
        var fresh = new Fresh(value, definition, type, length, shaped);
        described.Add(fresh, references);
        return fresh;
    }

    /// <summary>An <c>allocate</c> or a <c>newarr</c> of a constant length: what may be a fresh object.</summary>
    private static bool IsAllocation(FlowGraph graph, Value value) => graph[value].DefiningInstruction is { } definition
        && (definition.Opcode == Opcode.Allocate || (definition.Opcode == Opcode.NewArray && IntegerConstant(graph, definition.Operands[0]) is >= 0));

    /// <summary>The fresh objects of one site's shape so far, how many references to each its uses make, and those being described.</summary>
    private sealed class Described
    {
        public ValueMap<Fresh> Nodes { get; } = new();
        public ValueSet InProgress { get; } = new();
        private readonly List<Fresh> all = [];
        private readonly List<int> references = [];

        public void Add(Fresh fresh, int referenceCount)
        {
            Nodes[fresh.Value] = fresh;
            InProgress.Remove(fresh.Value);
            all.Add(fresh);
            references.Add(referenceCount);
        }

        /// <summary>
        /// Whether the shape holds every reference to each of its objects that its uses make: each time it is passed to the
        /// call is a red, each store of it into another object the last store of a field of a fresh object of the shape.
        /// Otherwise one is stored where the shape does not see it (a field written twice, an object left out), and the
        /// objects made again from the shape would not be the ones the callee would have been given.
        /// </summary>
        public bool EveryReferenceInShape(List<Node> reds)
        {
            var counted = new ValueMap<int>();
            void Count(Node node)
            {
                if (node is Fresh fresh) counted[fresh.Value] = counted.GetValueOrDefault(fresh.Value) + 1;
            }
            foreach (var red in reds) Count(red);
            foreach (var fresh in all)
                foreach (var store in fresh.Stores) Count(store.Stored);
            for (int i = 0; i < all.Count; i++)
                if (counted.GetValueOrDefault(all[i].Value) != references[i]) return false;
            return true;
        }
    }

    private static readonly List<Use> NoUses = [];

    /// <summary>
    /// The blocks of <paramref name="chain"/> from <paramref name="from"/> on, each the only successor in the chain of the one
    /// before it, in the order they run; then the chain's other blocks.
    /// </summary>
    private static List<Block> ChainFrom(FlowGraph graph, Block from, BlockSet chain)
    {
        var order = new List<Block>();
        var seen = new BlockSet(graph.BlockCount);
        var current = from;
        for (int steps = 0; steps <= chain.Count; steps++)
        {
            if (!seen.Add(current)) break;
            order.Add(current);
            if (OnlySuccessorIn(graph, current, chain) is not { } next) break;
            current = next;
        }
        // The chain's other blocks (before the allocation's, or past a fork) last, as they hold none of its stores.
        foreach (var block in chain)
            if (seen.Add(block)) order.Add(block);
        return order;
    }

    /// <summary>The one successor of <paramref name="block"/> in <paramref name="set"/>; null when none or several jumps go there.</summary>
    private static Block? OnlySuccessorIn(FlowGraph graph, Block block, BlockSet set)
    {
        Block? only = null;
        int count = 0;
        foreach (var successor in graph.Successors(block))
            if (set.Contains(successor))
            {
                only = successor;
                count++;
            }
        return count == 1 ? only : null;
    }

    private static long? IntegerConstant(FlowGraph graph, Value value) =>
        graph[value].DefiningInstruction is { Opcode: Opcode.Const } constant && graph.TypeOf(value).Kind is >= TypeKind.Bool and <= TypeKind.NUInt
            ? constant.Integer : null;

    /// <summary>
    /// The shape of a site's reds printed: two sites share a shaped entry when they print the same without their constants'
    /// values (<paramref name="exact"/> false; <see cref="Template"/> makes the constants they differ in leaves). A fresh object
    /// met again prints as <c>#n</c>, the order it was first met in.
    /// </summary>
    private static string Print(FlowGraph graph, List<Node> reds, bool exact)
    {
        var text = new System.Text.StringBuilder();
        var seen = new ValueMap<int>();
        foreach (var red in reds) text.Append(text.Length == 0 ? "" : ", ").Append(Print(graph, red, exact, seen));
        return text.ToString();
    }

    private static string Print(FlowGraph graph, Node node, bool exact, ValueMap<int> seen) => node switch
    {
        Leaf leaf => leaf.Type.ToString(),
        Constant constant when !exact => $"{constant.Definition.Opcode} {constant.Type}",
        Constant constant => $"{constant.Definition.Opcode} {constant.Type} {constant.Definition.Integer} {BitConverter.DoubleToInt64Bits(constant.Definition.Float)}",
        Fresh fresh when seen.TryGetValue(fresh.Value, out int ordinal) => "#" + ordinal,
        Fresh fresh => PrintFresh(graph, fresh, exact, seen),
        _ => throw new InvalidOperationException(node.ToString()),
    };

    private static string PrintFresh(FlowGraph graph, Fresh fresh, bool exact, ValueMap<int> seen)
    {
        seen[fresh.Value] = seen.Count;
        var text = new System.Text.StringBuilder();
        text.Append(fresh.Allocation.Opcode).Append(' ').Append(fresh.Type).Append(' ').Append(fresh.Allocation.TypeOperand).Append(' ').Append(fresh.Length).Append(" {");
        for (int i = 0; i < fresh.Stores.Count; i++)
        {
            var store = fresh.Stores[i].Store;
            if (i > 0) text.Append("; ");
            if (store.Opcode == Opcode.StoreField) text.Append(store.Field!.FullName);
            else text.Append('[').Append(IntegerConstant(graph, store.Operands[1])).Append("] ").Append(store.TypeOperand);
            text.Append(" = ").Append(Print(graph, fresh.Stores[i].Stored, exact, seen));
        }
        return text.Append('}').ToString();
    }

    /// <summary>The leaves, depth first (a fresh object met again left out): the shaped entry's parameters after <c>(constants, exit)</c>.</summary>
    private static void Leaves(List<Node> nodes, List<Leaf> into)
    {
        var visited = new ValueSet();
        foreach (var node in nodes) Leaves(node, into, visited);
    }

    private static void Leaves(Node node, List<Leaf> into, ValueSet visited)
    {
        if (node is Leaf leaf) into.Add(leaf);
        else if (node is Fresh fresh && visited.Add(fresh.Value))
            foreach (var store in fresh.Stores) Leaves(store.Stored, into, visited);
    }

    /// <summary>
    /// The shape the chosen sites share: the first site's, where a constant that differs between them (the register a
    /// call's result goes to) is a leaf. Their shapes print the same without constants' values, so they are the same graph.
    /// </summary>
    private static List<Node> Template(FlowGraph graph, List<ShapedSite> chosen)
    {
        var unified = new ValueMap<Fresh>();
        var template = new List<Node>();
        var nodes = new List<Node>(chosen.Count);
        for (int i = 0; i < chosen[0].Reds.Count; i++)
        {
            nodes.Clear();
            foreach (var site in chosen) nodes.Add(site.Reds[i]);
            template.Add(Unify(graph, nodes, unified));
        }
        return template;
    }

    private static Node Unify(FlowGraph graph, List<Node> nodes, ValueMap<Fresh> unified)
    {
        switch (nodes[0])
        {
            case Constant constant:
            {
                var seen = new ValueMap<int>();
                string text = Print(graph, constant, exact: true, seen);
                foreach (var other in nodes)
                    if (Print(graph, other, exact: true, seen) != text) return new Leaf(constant.Definition.Result!.Value, constant.Type);
                return constant;
            }
            case Fresh fresh:
            {
                if (unified.TryGetValue(fresh.Value, out var done)) return done;
                var stores = new List<StoredValue>(fresh.Stores.Count);
                var result = fresh with { Stores = stores };
                unified[fresh.Value] = result;
                var children = new List<Node>(nodes.Count);
                for (int s = 0; s < fresh.Stores.Count; s++)
                {
                    children.Clear();
                    foreach (var node in nodes) children.Add(((Fresh)node).Stores[s].Stored);
                    stores.Add(new StoredValue(fresh.Stores[s].Store, Unify(graph, children, unified)));
                }
                return result;
            }
            default:
                return nodes[0];
        }
    }

    /// <summary>What a site passes for each leaf of <paramref name="template"/>: its own leaf there, or its constant where the template has a leaf.</summary>
    private static void Arguments(Node template, Node site, List<Value> into, ValueSet visited)
    {
        switch (template)
        {
            case Leaf:
                into.Add(site is Constant constant ? constant.Definition.Result!.Value : ((Leaf)site).Value);
                break;
            case Fresh fresh when visited.Add(fresh.Value):
                for (int s = 0; s < fresh.Stores.Count; s++) Arguments(fresh.Stores[s].Stored, ((Fresh)site).Stores[s].Stored, into, visited);
                break;
        }
    }

    /// <summary>
    /// Makes the value <paramref name="node"/> describes in <paramref name="target"/>, appending to <paramref name="into"/>
    /// (leaves depth first from <paramref name="leaf"/>); <paramref name="made"/> maps each fresh object of the shape to the one made.
    /// </summary>
    private static Value Make(FlowGraph target, FlowGraph source, Node node, Func<Leaf, Value> leaf, List<Instruction> into, ValueToValueMap made)
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
            case Fresh fresh when made.TryGetValue(fresh.Value, out var madeBefore):
                return madeBefore;
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

    /// <summary>The fresh objects of <paramref name="reds"/>' shapes (nested ones too, or, when <paramref name="nestedOnly"/>, only those that are no red themselves).</summary>
    private static ValueSet FreshValues(List<Node> reds, bool nestedOnly = false)
    {
        var fresh = new ValueSet();
        var top = new ValueSet();
        void Collect(Node node)
        {
            if (node is not Fresh f || !fresh.Add(f.Value)) return;
            foreach (var store in f.Stores) Collect(store.Stored);
        }
        foreach (var red in reds)
        {
            Collect(red);
            if (red is Fresh f) top.Add(f.Value);
        }
        if (!nestedOnly) return fresh;
        var nested = new ValueSet();
        foreach (var value in fresh)
            if (!top.Contains(value)) nested.Add(value);
        return nested;
    }

    /// <summary>Whether an instruction of <paramref name="instructions"/> has one of <paramref name="values"/> as an operand or jump argument.</summary>
    private static bool UsesAny(List<Instruction> instructions, ValueSet values)
    {
        foreach (var instruction in instructions)
        {
            foreach (var operand in instruction.Operands)
                if (values.Contains(operand)) return true;
            foreach (var target in instruction.Targets)
                foreach (var argument in target.Arguments)
                    if (values.Contains(argument)) return true;
        }
        return false;
    }

    /// <summary>The cell's path, which takes the callee's reds into the state it enters with, makes them again at its start from the same leaves.</summary>
    private static void MakeAgain(FlowGraph graph, Block block, List<Node> reds)
    {
        var instructions = graph[block].Instructions;
        if (!UsesAny(instructions, FreshValues(reds))) return;
        var prologue = new List<Instruction>();
        var made = new ValueToValueMap();
        foreach (var red in reds) Make(graph, graph, red, l => l.Value, prologue, made);
        UseInstead(instructions, made, prologue);
    }

    /// <summary>
    /// In <paramref name="instructions"/> (one block's), every use of a key of <paramref name="replacement"/> uses its value
    /// instead, and <paramref name="prologue"/>, which makes those values, goes first. Only that block: the values replaced
    /// stay as they are elsewhere (<see cref="FlowGraph.ReplaceUses(ValueToValueMap)"/> would rename them everywhere).
    /// </summary>
    private static void UseInstead(List<Instruction> instructions, ValueToValueMap replacement, List<Instruction> prologue)
    {
        foreach (var instruction in instructions)
        {
            for (int i = 0; i < instruction.Operands.Count; i++)
                if (replacement.TryGetValue(instruction.Operands[i], out var again)) instruction.Operands[i] = again;
            foreach (var target in instruction.Targets)
                for (int i = 0; i < target.Arguments.Count; i++)
                    if (replacement.TryGetValue(target.Arguments[i], out var again)) target.Arguments[i] = again;
        }
        instructions.InsertRange(0, prologue);
    }

    /// <summary>
    /// The jumps into the site's portal call and the state array each passed to the runtime: the portal call follows a
    /// failed <see cref="CallCell.Enter"/> or <see cref="CallCell.EnterAfterEntry"/> (the cell's state) or <see cref="CallCell.Resume"/> (the resumption's state);
    /// null when some jump is not one of those.
    /// </summary>
    private static List<FallbackJump>? FallbackStates(FlowGraph graph, Site site, BlockSet before)
    {
        var found = new List<FallbackJump>();
        foreach (var block in graph.Blocks)
            foreach (var instruction in graph[block].Instructions)
                foreach (var target in instruction.Targets)
                {
                    if (target.Target != site.Fallback) continue;
                    if (instruction.Opcode != Opcode.BrIf || target.Arguments.Count > 0) return null;
                    if (graph[instruction.Operands[0]].DefiningInstruction is not { Opcode: Opcode.Call } call)
                    {
                        if (!before.Contains(block)) return null;
                        found.Add(new FallbackJump(target, null));
                        continue;
                    }
                    if (call.Method == CallCell.EnterMethod || call.Method == CallCell.EnterAfterEntryMethod) found.Add(new FallbackJump(target, call.Operands[1]));
                    else if (call.Method == CallCell.ResumeMethod) found.Add(new FallbackJump(target, call.Operands[2]));
                    // A wrong guess of the callee before the call: the reds are as the shape says, untouched.
                    else if (before.Contains(block)) found.Add(new FallbackJump(target, null));
                    else return null;
                }
        return found;
    }

    /// <summary>
    /// Whether a store into one of the reds' fresh objects runs after the block that jumps by <paramref name="jump"/>
    /// (a wrong guess of the callee): the objects made on that edge must be what they are there, from values made by then.
    /// </summary>
    private static bool StoredAfter(FlowGraph graph, BlockCall jump, List<Node> reds, BlockSet before)
    {
        var fresh = FreshValues(reds);
        Block? from = null;
        foreach (var block in graph.Blocks)
            if (graph[block].Terminator?.Targets.Contains(jump) ?? false)
            {
                from = block;
                break;
            }
        if (from is null) throw new InvalidOperationException("a jump into the portal call is in no block's terminator");
        // The chain from the jump's block on, itself left out.
        var current = from.Value;
        for (int steps = 0; steps <= before.Count; steps++)
        {
            if (OnlySuccessorIn(graph, current, before) is not { } next) return false;
            current = next;
            foreach (var instruction in graph[current].Instructions)
                if (instruction.Opcode is Opcode.StoreField or Opcode.StoreElement && fresh.Contains(instruction.Operands[0])) return true;
        }
        return false;
    }

    /// <summary>Whether the portal call takes an object made inside a red (only the reds themselves are in the state).</summary>
    private static bool NestedInFallback(FlowGraph graph, Site site, List<Node> reds)
    {
        return UsesAny(graph[site.Fallback].Instructions, FreshValues(reds, nestedOnly: true));
    }

    /// <summary>
    /// The portal call takes each red made for the call from the state the runtime was given: after a failed
    /// <see cref="CallCell.Enter"/> with no unit, the object the cell's path made; after an exit, the object the
    /// callee left with, which the portal resumes on (as the interpreter's frame it passed in was, before).
    /// </summary>
    private static void TakeFromState(FlowGraph graph, Site site, List<Node> reds, IReadOnlyList<int> stateIndices, BlockSet before)
    {
        var jumps = FallbackStates(graph, site, before)!;
        // The fresh reds, in the order of the reds, and the index of each in the state.
        var replacedValues = new List<Value>();
        var replacedIndices = new List<int>();
        var replaced = new ValueSet();
        int maxIndex = -1;
        for (int i = 0; i < reds.Count; i++)
            if (reds[i] is Fresh fresh && replaced.Add(fresh.Value))
            {
                replacedValues.Add(fresh.Value);
                replacedIndices.Add(stateIndices[i]);
                maxIndex = Math.Max(maxIndex, stateIndices[i]);
            }
        var instructions = graph[site.Fallback].Instructions;
        if (!UsesAny(instructions, replaced)) return;
        Value? someState = null;
        foreach (var jump in jumps)
            if (jump.State is { } given)
            {
                someState = given;
                break;
            }
        var stateType = graph.TypeOf(someState ?? throw new InvalidOperationException("no jump into the portal call passes a state"));
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
            var length = new Instruction(Opcode.Const) { Integer = maxIndex + 1 };
            into.Add(length);
            var array = new Instruction(Opcode.NewArray, graph.SetResult(length, IrType.I32)) { TypeOperand = IrType.Object };
            into.Add(array);
            var made = graph.SetResult(array, stateType);
            var again = new ValueToValueMap();
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
        var taken = new ValueToValueMap();
        for (int r = 0; r < replacedValues.Count; r++)
        {
            var value = replacedValues[r];
            int index = replacedIndices[r];
            var position = new Instruction(Opcode.Const) { Integer = index };
            prologue.Add(position);
            var element = new Instruction(Opcode.LoadElement, state, graph.SetResult(position, IrType.I32)) { TypeOperand = IrType.Object };
            prologue.Add(element);
            var cast = new Instruction(Opcode.CastClass, graph.SetResult(element, IrType.Object)) { TypeOperand = graph.TypeOf(value) };
            prologue.Add(cast);
            taken[value] = graph.SetResult(cast, graph.TypeOf(value));
        }
        UseInstead(instructions, taken, prologue);
    }

    /// <summary>Copies every block of <paramref name="source"/> into <paramref name="target"/>; returns the copy of its entry.</summary>
    private static Block Copy(FlowGraph source, FlowGraph target)
    {
        var blocks = new BlockToBlockMap(source.BlockCount);
        var values = new ValueToValueMap(source.ValueCount);
        foreach (var block in source.Blocks)
        {
            var copy = target.AddBlock();
            blocks[block] = copy;
            foreach (var parameter in source[block].Parameters)
                values[parameter] = target.AddParameter(copy, source.TypeOf(parameter), source[parameter].Name);
        }
        var originals = new List<Instruction>();
        var copies = new List<Instruction>();
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
                originals.Add(instruction);
                copies.Add(copy);
            }
        for (int i = 0; i < copies.Count; i++)
        {
            var (original, copy) = (originals[i], copies[i]);
            foreach (var operand in original.Operands) copy.Operands.Add(values[operand]);
            foreach (var call in original.Targets)
            {
                var arguments = new List<Value>(call.Arguments.Count);
                foreach (var argument in call.Arguments) arguments.Add(values[argument]);
                copy.Targets.Add(new BlockCall(blocks[call.Target], arguments));
            }
        }
        return blocks[FlowGraph.Entry];
    }
}

using PeJit.IR;
using PeJit.IR.Graphs;
using PeJit.IR.Transforms;

namespace PeJit.Optimizer;

/// <summary>
/// <c>Nullable&lt;T&gt;</c> temporaries in SSA values: an interpreter's <c>double?</c> or <c>bool?</c> result (a type
/// test that may fail: <c>x.AsNumber()</c>, <c>a.LessThan(b)</c>) is made with <c>new T?(x)</c> or <c>default</c>, passed
/// through block parameters where the paths join, stored into a stack slot and read back through its address by
/// <c>HasValue</c> and <c>GetValueOrDefault()</c>, base-library calls the residual code cannot look into. Where every
/// value stored into such a slot is one the graph builds, the slot and its calls go: each value is its two fields
/// (<c>hasValue</c>, <c>value</c>), a parameter carrying one carries its two fields instead, and the calls read them.
/// </summary>
/// <remarks>
/// <para>Rules:</para>
/// <list type="number">
/// <item>Known values: <c>newobj Nullable`1&lt;T&gt;::.ctor(x)</c> is (true, x); <c>default</c> of a <c>Nullable`1</c> is
/// (false, default T); a block parameter (not the entry's) of a <c>Nullable`1</c> type is known when every jump passes it
/// a known value and it is used only as such a jump's argument or by a store into a slot this pass rewrites
/// (greatest fixed point).</item>
/// <item>A slot of a <c>Nullable`1</c> type is rewritten when every store into it stores a known value, it is never
/// loaded, and its address is only the receiver of <c>get_HasValue()</c> and <c>GetValueOrDefault()</c> (not
/// <c>get_Value</c>, which throws): each call is the field's value where it runs (SSA construction over the stores;
/// before the first store the slot holds <c>default</c>).</item>
/// <item>A known parameter becomes one parameter per field; what is left of the constructions (their results unused)
/// is dead code (<see cref="IsConstruction"/>).</item>
/// </list>
/// Cost: linear in the graph: one scan for the candidates, a fixed point over the parameters (each dropped once), one
/// rewrite with an <see cref="SsaUpdater"/> per field of each slot.
/// </remarks>
internal static class NullableValues
{
    private const string Nullable = "System.Nullable`1<";

    /// <summary>True for <c>newobj Nullable`1&lt;T&gt;::.ctor(T)</c>: a value type made from its value, with no effect (dead code when unused).</summary>
    public static bool IsConstruction(FlowGraph graph, Instruction instruction) =>
        instruction.Opcode == Opcode.NewObject && instruction.Operands.Count == 1 && instruction.Result is { } result
        && IsNullable(graph.TypeOf(result)) && instruction.Method!.Name == ".ctor";

    private static bool IsNullable(IrType type) => type.Kind == TypeKind.ValueType && type.Name.StartsWith(Nullable, StringComparison.Ordinal);

    public static void Run(FlowGraph graph)
    {
        if (graph.RegionCount > 0) return;
        bool any = false;
        for (int s = 0; s < graph.SlotCount; s++) any |= IsNullable(graph[new Slot(s)].Type); // not LINQ over slots, which .NET compiles
        if (any) Rewrite(graph);
    }

    /// <summary>
    /// The pass proper, for a graph with a slot of a <c>Nullable`1</c> type. A method of its own, never inlined: a
    /// precompiled method's first call loads every type it names (here some 150: the dictionaries, sets, tuples and
    /// closures below), so a graph without nullables, most graphs, would pay them in every process's first unit for a
    /// scan of its slots (Docs/PERFORMANCE.md, "One record per green key, and first times counted by stage").
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void Rewrite(FlowGraph graph)
    {
        // 1. The type inside each Nullable type, from what the graph builds or reads.
        var inner = new Dictionary<IrType, IrType>();
        // The IR's comparers for keys of Value and Slot, and loops rather than LINQ over values: the default comparers and
        // LINQ's generics over PeJit's structs are code .NET compiles on the first unit's thread (Docs/PERFORMANCE.md, warm-up).
        var uses = new Dictionary<Value, List<(Instruction Instruction, Block Block)>>(ValueComparer.Instance);
        var slotUses = new Dictionary<Slot, List<Instruction>>(SlotComparer.Instance);
        foreach (var block in graph.Blocks)
            foreach (var instruction in graph[block].Instructions)
            {
                if (IsConstruction(graph, instruction)) inner.TryAdd(graph.TypeOf(instruction.Result!.Value), graph.TypeOf(instruction.Operands[0]));
                foreach (var operand in instruction.Operands) AddUse(operand, instruction, block);
                foreach (var target in instruction.Targets)
                    foreach (var argument in target.Arguments) AddUse(argument, instruction, block);
                if (instruction.Opcode is Opcode.StoreSlot or Opcode.LoadSlot or Opcode.SlotAddr && instruction.Slot is var slot && IsNullable(graph[slot].Type))
                {
                    if (!slotUses.TryGetValue(slot, out var list)) slotUses[slot] = list = [];
                    list.Add(instruction);
                }
            }
        if (slotUses.Count == 0) return;
        void AddUse(Value operand, Instruction instruction, Block block)
        {
            if (!uses.TryGetValue(operand, out var list)) uses[operand] = list = [];
            list.Add((instruction, block));
        }
        List<(Instruction Instruction, Block Block)> UsesOf(Value value) => uses.TryGetValue(value, out var list) ? list : [];

        // 2. Candidate slots: stores, and addresses read only by HasValue and GetValueOrDefault.
        var slots = new HashSet<Slot>(SlotComparer.Instance);
        foreach (var (slot, list) in slotUses)
        {
            if (!inner.ContainsKey(graph[slot].Type)) continue;
            bool ok = list.All(i => i.Opcode == Opcode.StoreSlot || (i.Opcode == Opcode.SlotAddr && OnlyRead(i.Result!.Value)));
            if (ok) slots.Add(slot);
        }
        bool OnlyRead(Value address)
        {
            foreach (var (user, _) in UsesOf(address))
                if (IsRead(user) is null || user.Operands.Count != 1) return false;
            return true;
        }
        // 3. Known values: constructions, defaults, parameters of known values (greatest fixed point together with the slots).
        var parameters = new ValueSet();
        for (int b = 1; b < graph.BlockCount; b++)
            foreach (var parameter in graph[new Block(b)].Parameters)
                if (IsNullable(graph.TypeOf(parameter)) && inner.ContainsKey(graph.TypeOf(parameter))) parameters.Add(parameter);
        var incoming = Predecessors.Compute(graph);
        bool Known(Value value) => parameters.Contains(value) || graph[value].DefiningInstruction is { } d
            && (IsConstruction(graph, d) || (d.Opcode == Opcode.Default && IsNullable(d.TypeOperand!)));
        bool changed = true;
        while (changed)
        {
            changed = false;
            var slotsNow = new Slot[slots.Count];
            slots.CopyTo(slotsNow);
            foreach (var slot in slotsNow)
                if (slotUses[slot].Any(i => i.Opcode == Opcode.StoreSlot && !Known(i.Operands[0])))
                {
                    slots.Remove(slot);
                    changed = true;
                }
            foreach (var parameter in parameters.ToList())
            {
                var block = graph[parameter].ParameterOf!.Value;
                int index = GraphEdits.IndexOf(graph[block].Parameters, parameter);
                if (PassedKnown(block, index) && UsedKnown(parameter)) continue;
                parameters.Remove(parameter);
                changed = true;
            }
        }
        bool PassedKnown(Block block, int index)
        {
            var edges = incoming.EdgesInto(block);
            for (int e = 0; e < edges.Count; e++)
                if (!Known(edges[e].Call.Arguments[index])) return false;
            return edges.Count > 0;
        }
        bool UsedKnown(Value parameter)
        {
            foreach (var (user, _) in UsesOf(parameter))
            {
                if (user.Opcode == Opcode.StoreSlot)
                {
                    if (!slots.Contains(user.Slot!)) return false;
                    continue;
                }
                if (!user.IsTerminator || GraphEdits.IndexOf(user.Operands, parameter) >= 0) return false;
                foreach (var target in user.Targets)
                    for (int k = 0; k < target.Arguments.Count; k++)
                        if (target.Arguments[k] == parameter && !parameters.Contains(graph[target.Target].Parameters[k])) return false;
            }
            return true;
        }
        if (slots.Count == 0) return;

        // 4. A known parameter's fields are parameters of its block; each jump passes the fields of its argument,
        //    made before the jump's terminator when the argument is a construction or a default.
        var fields = new Dictionary<Value, (Value HasValue, Value Value)>(ValueComparer.Instance);
        var split = parameters.ToList(); // in index order
        foreach (var parameter in split)
        {
            var block = graph[parameter].ParameterOf!.Value;
            fields[parameter] = (graph.AddParameter(block, IrType.Bool, graph[parameter].Name), graph.AddParameter(block, inner[graph.TypeOf(parameter)], graph[parameter].Name));
        }
        (Value, Value) FieldsOf(Value value, List<Instruction> into, int position, SourceLocation location)
        {
            if (fields.TryGetValue(value, out var known)) return known;
            var definition = graph[value].DefiningInstruction!;
            var type = inner[graph.TypeOf(value)];
            var hasValue = new Instruction(Opcode.Const) { Integer = IsConstruction(graph, definition) ? 1 : 0, Location = location };
            graph.SetResult(hasValue, IrType.Bool);
            into.Insert(position, hasValue);
            if (IsConstruction(graph, definition)) return (hasValue.Result!.Value, definition.Operands[0]);
            var zero = type.IsReference ? new Instruction(Opcode.Null) : type.IsPrimitive ? new Instruction(Opcode.Const) : new Instruction(Opcode.Default) { TypeOperand = type };
            zero.Location = location;
            graph.SetResult(zero, type);
            into.Insert(position + 1, zero);
            return (hasValue.Result!.Value, zero.Result!.Value);
        }
        foreach (var parameter in split)
        {
            var block = graph[parameter].ParameterOf!.Value;
            int index = GraphEdits.IndexOf(graph[block].Parameters, parameter);
            var (hasIndex, valueIndex) = (GraphEdits.IndexOf(graph[block].Parameters, fields[parameter].HasValue), GraphEdits.IndexOf(graph[block].Parameters, fields[parameter].Value));
            foreach (var edge in incoming.EdgesInto(block))
            {
                var instructions = graph[edge.Source].Instructions;
                var (h, v) = FieldsOf(edge.Call.Arguments[index], instructions, instructions.Count - 1, instructions[^1].Location);
                while (edge.Call.Arguments.Count <= valueIndex) edge.Call.Arguments.Add(h);
                edge.Call.Arguments[hasIndex] = h;
                edge.Call.Arguments[valueIndex] = v;
            }
        }

        // 5. The slots: each store defines its fields, each call reads them where it runs.
        var hasValues = new Dictionary<Slot, SsaUpdater>(SlotComparer.Instance);
        var values = new Dictionary<Slot, SsaUpdater>(SlotComparer.Instance);
        var entry = graph[FlowGraph.Entry].Instructions;
        foreach (var slot in slots)
        {
            var type = inner[graph[slot].Type];
            hasValues[slot] = new SsaUpdater(graph, IrType.Bool, graph[slot].Name, incoming.EdgesInto);
            values[slot] = new SsaUpdater(graph, type, graph[slot].Name, incoming.EdgesInto);
            var initial = new Instruction(Opcode.Default) { TypeOperand = graph[slot].Type };
            graph.SetResult(initial, graph[slot].Type);
            entry.Insert(0, initial);
            var (h, v) = FieldsOf(initial.Result!.Value, entry, 1, initial.Location);
            hasValues[slot].DefineAtStart(FlowGraph.Entry, h);
            values[slot].DefineAtStart(FlowGraph.Entry, v);
        }
        var storedFields = new Dictionary<Instruction, (Value, Value)>(ReferenceEqualityComparer.Instance);
        foreach (var block in graph.Blocks)
        {
            var instructions = graph[block].Instructions;
            for (int i = 0; i < instructions.Count; i++)
            {
                var store = instructions[i];
                if (store.Opcode != Opcode.StoreSlot || !slots.Contains(store.Slot!)) continue;
                int before = instructions.Count;
                var made = FieldsOf(store.Operands[0], instructions, i, store.Location);
                i += instructions.Count - before;
                storedFields[store] = made;
                hasValues[store.Slot!].DefineAtEnd(block, made.Item1);
                values[store.Slot!].DefineAtEnd(block, made.Item2);
            }
        }
        var replacement = new ValueToValueMap();
        foreach (var block in graph.Blocks)
        {
            var current = new Dictionary<Slot, (Value HasValue, Value Value)>(SlotComparer.Instance);
            (Value HasValue, Value Value) Current(Slot slot) => current.TryGetValue(slot, out var known) ? known
                : current[slot] = (hasValues[slot].ReadAtStart(block), values[slot].ReadAtStart(block));
            var addresses = new Dictionary<Value, Slot>(ValueComparer.Instance);
            var kept = new List<Instruction>();
            foreach (var instruction in graph[block].Instructions)
            {
                if (instruction.Opcode == Opcode.StoreSlot && storedFields.TryGetValue(instruction, out var made))
                {
                    current[instruction.Slot!] = made;
                    continue;
                }
                if (instruction.Opcode == Opcode.SlotAddr && slots.Contains(instruction.Slot!))
                {
                    addresses[instruction.Result!.Value] = instruction.Slot!;
                    continue;
                }
                if (IsRead(instruction) is { } hasValue && instruction.Operands.Count == 1 && FindAddress(instruction.Operands[0]) is { } read)
                {
                    var now = Current(read);
                    replacement[instruction.Result!.Value] = hasValue ? now.HasValue : now.Value;
                    continue;
                }
                kept.Add(instruction);
            }
            graph[block].Instructions.Clear();
            graph[block].Instructions.AddRange(kept);

            Slot? FindAddress(Value address)
            {
                if (addresses.TryGetValue(address, out var slot)) return slot;
                // An address made in another block (the slot's address taken once, read in a successor).
                return graph[address].DefiningInstruction is { Opcode: Opcode.SlotAddr, Slot: var other } && slots.Contains(other) ? other : null;
            }
        }
        graph.ReplaceUses(replacement);
        foreach (var parameter in split)
        {
            var block = graph[parameter].ParameterOf!.Value;
            graph.RemoveParameter(block, GraphEdits.IndexOf(graph[block].Parameters, parameter));
        }
        // A hasValue every jump passes the same constant (true from every construction) is that constant, so the
        // branch on it is decided (guards).
        foreach (var (hasValue, _) in fields.Values)
        {
            var block = graph[hasValue].ParameterOf!.Value;
            int index = GraphEdits.IndexOf(graph[block].Parameters, hasValue);
            var edges = incoming.EdgesInto(block);
            if (edges.Count == 0) continue;
            bool same = true;
            long first = 0;
            for (int e = 0; e < edges.Count && same; e++)
            {
                if (graph[edges[e].Call.Arguments[index]].DefiningInstruction is not { Opcode: Opcode.Const } passed) same = false;
                else if (e == 0) first = passed.Integer;
                else same = passed.Integer == first;
            }
            if (!same) continue;
            var constant = new Instruction(Opcode.Const) { Integer = first };
            graph.SetResult(constant, IrType.Bool);
            graph[block].Instructions.Insert(0, constant);
            graph.ReplaceUses(hasValue, constant.Result!.Value);
        }
        TrivialParameters.Remove(graph);
        graph.Compact();
    }

    /// <summary>True for <c>get_HasValue()</c>, false for <c>GetValueOrDefault()</c>, null for anything else.</summary>
    private static bool? IsRead(Instruction instruction)
    {
        if (instruction.Opcode is not (Opcode.Call or Opcode.CallVirt) || !instruction.Method!.DeclaringTypeName.StartsWith("System.Nullable`1", StringComparison.Ordinal)) return null;
        return instruction.Method.Name switch
        {
            "get_HasValue" => true,
            "GetValueOrDefault" when instruction.Method.ParameterCount == 0 => false,
            _ => null,
        };
    }
}

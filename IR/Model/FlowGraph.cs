
namespace PeJit.IR;

/// <summary>
/// A function in SSA form: blocks with parameters (no phi nodes), instructions, values, stack slots and
/// exception regions. Entities are dense indices into the tables here; <c>block0</c> is the entry, and
/// its parameters are the function's arguments (<c>this</c> first for an instance method).
/// </summary>
public sealed class FlowGraph
{
    private readonly List<ValueData> values = [];
    private readonly List<BlockData> blocks = [];
    private readonly List<RegionData> regions = [];
    private readonly List<SlotData> slots = [];

    /// <summary>Creates an empty graph.</summary>
    /// <param name="name">The function's name: Cecil's full name of the method it came from.</param>
    /// <param name="returnType">The return type.</param>
    public FlowGraph(string name, IrType returnType)
    {
        Name = name;
        ReturnType = returnType;
    }

    /// <summary>The function's name (Cecil's full method name).</summary>
    public string Name { get; set; }

    /// <summary>The return type; <see cref="IrType.Void"/> for none.</summary>
    public IrType ReturnType { get; set; }

    /// <summary>What the producer built the graph from (the frontend: its Cecil method definition), opaque to the IR.</summary>
    public object? Origin { get; set; }

    /// <summary>
    /// True when the method or its declaring type has generic parameters: its types are known only once
    /// instantiated, so the graph evaluator calls the real method instead.
    /// </summary>
    public bool IsGeneric { get; set; }

    /// <summary>The source file the PDB names for this method, when there is one.</summary>
    public string? SourceDocument { get; set; }

    /// <summary>
    /// The arguments of one entry seen at run time, by entry parameter (null where not known), or null: a profile
    /// the optimizer may guess from, always behind a test in the code it makes (a loop-invariant divisor). Not part
    /// of the graph's meaning or of its text form: the graph computes the same with or without it.
    /// </summary>
    public IReadOnlyList<object?>? SampleArguments { get; set; }

    /// <summary>
    /// The run-time members the graph names, while a runtime optimizes it in the process that will run it, or null: lets
    /// the optimizer ask what the text form does not say (whether an object of one class is an instance of another). Not
    /// part of the graph's meaning or of its text form: without it the optimizer assumes less, never something else.
    /// </summary>
    public Semantics.IMemberResolver? Members { get; set; }

    /// <summary>
    /// The elements of the array the entry's first parameter is on every run, or null: a runtime's unit constants (green
    /// objects the residual code reads from that array), set while the runtime optimizes the graph. Unlike
    /// <see cref="SampleArguments"/>, a fact, not a profile: the optimizer may decide what they are (their classes) without
    /// a test. Not part of the text form.
    /// </summary>
    public IReadOnlyList<object?>? Constants { get; set; }

    /// <summary>
    /// The interpreter's <c>[Virtualizable]</c> frame classes (<see cref="VirtualizableFrame"/>), on a residual graph of a
    /// portal that declares some: what tells the optimizer which memory only frames reach. Printed as <c>virtualizable</c>
    /// lines before the slots, so a file test can state it. Empty for none.
    /// </summary>
    public IReadOnlyList<VirtualizableFrame> Virtualizables { get; set; } = [];

    /// <summary>The entry block.</summary>
    public static Block Entry => new(0);

    /// <summary>Number of values.</summary>
    public int ValueCount => values.Count;

    /// <summary>Number of blocks.</summary>
    public int BlockCount => blocks.Count;

    /// <summary>All blocks in layout (index) order.</summary>
    public BlockRange Blocks => new(blocks.Count);

    /// <summary>
    /// The number of instructions in all blocks: a unit's size (the code cache's cost, the passes' budgets). Counted on each
    /// call (linear in the blocks), with a loop: not LINQ's <c>Sum</c>, which .NET would compile in the first unit.
    /// </summary>
    public int InstructionCount()
    {
        int count = 0;
        foreach (var block in blocks) count += block.Instructions.Count;
        return count;
    }

    /// <summary>All values in index order.</summary>
    public IEnumerable<Value> Values => Enumerable.Range(0, values.Count).Select(i => new Value(i));

    /// <summary>All exception regions in index order.</summary>
    public RegionRange Regions => new(regions.Count);

    /// <summary>The number of exception regions (<see cref="Regions"/>).</summary>
    public int RegionCount => regions.Count;

    /// <summary>The number of stack slots (<see cref="Slots"/>).</summary>
    public int SlotCount => slots.Count;

    /// <summary>All stack slots in index order.</summary>
    public IEnumerable<Slot> Slots => Enumerable.Range(0, slots.Count).Select(i => new Slot(i));

    /// <summary>The entry block's parameters: the function's arguments.</summary>
    public IReadOnlyList<Value> Parameters => blocks.Count == 0 ? [] : blocks[0].Parameters;

    /// <summary>
    /// How many times code looked at a block: its data (<c>graph[block]</c>), its successors, or a visit of a
    /// whole-graph rewrite (<see cref="ReplaceUses(IReadOnlyDictionary{Value, Value})"/>, <see cref="Compact"/>).
    /// An operation count, not used to decide anything: tests compare it across graph sizes to check that the
    /// optimizer's passes do work proportional to the graph, which wall-clock times on a shared machine cannot.
    /// </summary>
    public long BlockVisits { get; set; }

    /// <summary>Data of a block.</summary>
    public BlockData this[Block block]
    {
        get
        {
            BlockVisits++;
            return blocks[block.Index];
        }
    }

    /// <summary>Data of a value.</summary>
    public ValueData this[Value value] => values[value.Index];

    /// <summary>Data of a region.</summary>
    public RegionData this[Region region] => regions[region.Index];

    /// <summary>Data of a slot.</summary>
    public SlotData this[Slot slot] => slots[slot.Index];

    /// <summary>The type of a value.</summary>
    public IrType TypeOf(Value value) => values[value.Index].Type;

    /// <summary>True when the index names an existing value.</summary>
    public bool IsValid(Value value) => value.Index >= 0 && value.Index < values.Count;

    /// <summary>True when the index names an existing block.</summary>
    public bool IsValid(Block block) => block.Index >= 0 && block.Index < blocks.Count;

    /// <summary>Adds an empty block at the end of the layout.</summary>
    public Block AddBlock()
    {
        blocks.Add(new BlockData());
        return new Block(blocks.Count - 1);
    }

    /// <summary>Adds a parameter to a block.</summary>
    public Value AddParameter(Block block, IrType type, string? name = null)
    {
        var value = NewValue(type, name);
        values[value.Index].ParameterOf = block;
        blocks[block.Index].Parameters.Add(value);
        return value;
    }

    /// <summary>Adds a stack slot.</summary>
    public Slot AddSlot(IrType type, string? name = null)
    {
        slots.Add(new SlotData(type, name));
        return new Slot(slots.Count - 1);
    }

    /// <summary>Adds an exception region.</summary>
    public Region AddRegion(RegionData data)
    {
        regions.Add(data);
        return new Region(regions.Count - 1);
    }

    /// <summary>Appends an instruction to a block; when <paramref name="resultType"/> is given, defines its result.</summary>
    public Instruction Append(Block block, Instruction instruction, IrType? resultType = null, string? resultName = null)
    {
        if (resultType is not null) SetResult(instruction, resultType, resultName);
        blocks[block.Index].Instructions.Add(instruction);
        return instruction;
    }

    /// <summary>Defines a new value as the result of <paramref name="instruction"/>.</summary>
    public Value SetResult(Instruction instruction, IrType type, string? name = null)
    {
        var value = NewValue(type, name);
        values[value.Index].DefiningInstruction = instruction;
        instruction.Result = value;
        return value;
    }

    private Value NewValue(IrType type, string? name)
    {
        values.Add(new ValueData(type) { Name = name });
        return new Value(values.Count - 1);
    }

    /// <summary>The successors of a block: its terminator's targets, in order (duplicates kept).</summary>
    public TargetBlocks Successors(Block block)
    {
        BlockVisits++;
        return new(blocks[block.Index].Terminator?.TargetsIfMade);
    }

    /// <summary>
    /// Blocks an exception raised in <paramref name="block"/> may reach first: the filter or handler entry of
    /// each region on its protection chain.
    /// </summary>
    public IEnumerable<Block> ExceptionalSuccessors(Block block)
    {
        BlockVisits++;
        return ExceptionalSuccessorsOf(blocks[block.Index]);
    }

    private IEnumerable<Block> ExceptionalSuccessorsOf(BlockData block)
    {
        for (var region = block.Try; region is { } r; region = regions[r.Index].Parent)
        {
            var data = regions[r.Index];
            if (data.Filter is { } filter) yield return filter;
            yield return data.Handler;
        }
    }

    /// <summary>Replaces every use of <paramref name="from"/> (operands and block arguments) by <paramref name="to"/>.</summary>
    public void ReplaceUses(Value from, Value to)
    {
        BlockVisits += blocks.Count;
        foreach (var block in blocks)
            foreach (var instruction in block.Instructions)
            {
                for (int i = 0; i < instruction.Operands.Count; i++)
                    if (instruction.Operands[i] == from) instruction.Operands[i] = to;
                foreach (var target in instruction.TargetCalls)
                    for (int i = 0; i < target.Arguments.Count; i++)
                        if (target.Arguments[i] == from) target.Arguments[i] = to;
            }
    }

    /// <summary>
    /// Replaces every use (operands and block arguments) of a key of <paramref name="replacement"/> by its
    /// value, following the map to its end: a value replaced by one that is itself replaced ends as the last.
    /// </summary>
    public void ReplaceUses(IReadOnlyDictionary<Value, Value> replacement)
    {
        if (replacement.Count == 0) return;
        var map = new ValueToValueMap(ValueCount);
        foreach (var (from, to) in replacement) map[from] = to;
        ReplaceUses(map);
    }

    /// <summary>
    /// Replaces every use of a key of <paramref name="replacement"/> as <see cref="ReplaceUses(IReadOnlyDictionary{Value, Value})"/>
    /// does: the IR's own map, which ReadyToRun precompiles (a <c>Dictionary&lt;Value, Value&gt;</c> is compiled by .NET
    /// on the first unit's path).
    /// </summary>
    public void ReplaceUses(ValueToValueMap replacement)
    {
        if (replacement.Count == 0) return;
        Value Find(Value v)
        {
            while (replacement.TryGetValue(v, out var next)) v = next;
            return v;
        }
        BlockVisits += blocks.Count;
        // Written only where a use changes: most operands are no key (a fold pass replaces a few values per block).
        foreach (var block in blocks)
            foreach (var instruction in block.Instructions)
            {
                var operands = instruction.Operands;
                for (int i = 0; i < operands.Count; i++)
                    if (replacement.ContainsKey(operands[i])) operands[i] = Find(operands[i]);
                foreach (var target in instruction.TargetCalls)
                {
                    var arguments = target.Arguments;
                    for (int i = 0; i < arguments.Count; i++)
                        if (replacement.ContainsKey(arguments[i])) arguments[i] = Find(arguments[i]);
                }
            }
    }

    /// <summary>
    /// Removes parameter <paramref name="index"/> of <paramref name="block"/> and the matching argument of
    /// <paramref name="jumps"/>, which must be every jump to the block (a caller that knows them saves the scan
    /// of the whole graph).
    /// </summary>
    public void RemoveParameter(Block block, int index, IEnumerable<BlockCall> jumps)
    {
        var removed = blocks[block.Index].Parameters[index];
        blocks[block.Index].Parameters.RemoveAt(index);
        values[removed.Index].ParameterOf = null;
        foreach (var jump in jumps) jump.Arguments.RemoveAt(index);
    }

    /// <summary>Removes parameter <paramref name="index"/> of <paramref name="block"/> and the matching argument of every jump to it.</summary>
    public void RemoveParameter(Block block, int index)
    {
        BlockVisits += blocks.Count;
        var removed = blocks[block.Index].Parameters[index];
        blocks[block.Index].Parameters.RemoveAt(index);
        values[removed.Index].ParameterOf = null;
        foreach (var other in blocks)
            if (other.Terminator is { } terminator)
                foreach (var target in terminator.Targets.Where(t => t.Target == block))
                    target.Arguments.RemoveAt(index);
    }

    /// <summary>
    /// Renumbers values densely in layout order (each block's parameters, then its instruction results) and
    /// drops values nothing defines any more (removed parameters), so printed graphs read top to bottom.
    /// </summary>
    public void Compact()
    {
        if (IsCompact()) return;
        // New index + 1 per old index, 0 for a value not renumbered yet: an array, not a dictionary, since
        // every method converted is compacted.
        var map = new int[values.Count];
        var kept = new List<ValueData>(values.Count);
        BlockVisits += 2 * blocks.Count;
        Value Renumber(Value old)
        {
            if (map[old.Index] == 0)
            {
                kept.Add(values[old.Index]);
                map[old.Index] = kept.Count;
            }
            return new Value(map[old.Index] - 1);
        }
        foreach (var block in blocks)
        {
            for (int i = 0; i < block.Parameters.Count; i++) block.Parameters[i] = Renumber(block.Parameters[i]);
            foreach (var instruction in block.Instructions)
                if (instruction.Result is { } result) instruction.Result = Renumber(result);
        }
        foreach (var block in blocks)
            foreach (var instruction in block.Instructions)
            {
                for (int i = 0; i < instruction.Operands.Count; i++)
                    instruction.Operands[i] = Mapped(instruction.Operands[i]);
                foreach (var target in instruction.TargetCalls)
                    for (int i = 0; i < target.Arguments.Count; i++)
                        target.Arguments[i] = Mapped(target.Arguments[i]);
            }
        values.Clear();
        values.AddRange(kept);

        // A value nothing defines keeps its number (the verifier reports it).
        Value Mapped(Value old) => old.Index >= 0 && old.Index < map.Length && map[old.Index] != 0 ? new Value(map[old.Index] - 1) : old;
    }

    /// <summary>
    /// Whether values are numbered densely in layout order already, each defined once, none left over: then
    /// <see cref="Compact"/> would map every value to itself, and it skips the rewrite (passes call it after every
    /// edit, most of which remove nothing).
    /// </summary>
    private bool IsCompact()
    {
        BlockVisits += blocks.Count;
        int next = 0;
        foreach (var block in blocks)
        {
            foreach (var parameter in block.Parameters)
                if (parameter.Index != next++) return false;
            foreach (var instruction in block.Instructions)
                if (instruction.Result is { } result && result.Index != next++) return false;
        }
        return next == values.Count;
    }

    /// <summary>
    /// Removes the blocks <paramref name="remove"/> selects (no kept block may jump to one), renumbering the
    /// rest in layout order, then renumbers values (<see cref="Compact"/>). The entry cannot be removed.
    /// </summary>
    public void RemoveBlocks(Func<Block, bool> remove)
    {
        BlockVisits += blocks.Count;
        var map = new Dictionary<int, int>();
        var kept = new List<BlockData>();
        for (int i = 0; i < blocks.Count; i++)
        {
            if (i != 0 && remove(new Block(i))) continue;
            map[i] = kept.Count;
            kept.Add(blocks[i]);
        }
        Block Remap(Block b) => map.TryGetValue(b.Index, out int n)
            ? new Block(n)
            : throw new InvalidOperationException($"{b} is removed but still jumped to");
        foreach (var block in kept)
            foreach (var instruction in block.Instructions)
                foreach (var target in instruction.TargetCalls) target.Target = Remap(target.Target);
        foreach (var region in regions)
        {
            region.Handler = Remap(region.Handler);
            if (region.Filter is { } filter) region.Filter = Remap(filter);
        }
        blocks.Clear();
        blocks.AddRange(kept);
        for (int i = 0; i < blocks.Count; i++)
            foreach (var parameter in blocks[i].Parameters) values[parameter.Index].ParameterOf = new Block(i);
        Compact();
    }

    /// <summary>
    /// Makes sure values 0..<paramref name="count"/>-1 exist; new ones are placeholders of type void with no
    /// definition, for the parser, which keeps the value numbers it reads.
    /// </summary>
    internal void ReserveValues(int count)
    {
        if (values.Capacity < count) values.Capacity = count;
        while (values.Count < count) values.Add(new ValueData(IrType.Void));
    }

    /// <summary>Room for <paramref name="count"/> blocks in all, for a reader that knows how many it adds (no list grown and dropped on the way).</summary>
    internal void ReserveBlocks(int count)
    {
        if (blocks.Capacity < count) blocks.Capacity = count;
    }

    /// <summary>Makes an existing (reserved) value a parameter of <paramref name="block"/>.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    internal void DefineParameter(Block block, Value value, IrType type, string? name)
    {
        var data = values[value.Index];
        data.Type = type;
        data.Name = name;
        data.ParameterOf = block;
        blocks[block.Index].Parameters.Add(value);
    }

    /// <summary>Makes an existing (reserved) value the result of <paramref name="instruction"/>.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    internal void DefineResult(Instruction instruction, Value value, IrType type, string? name)
    {
        var data = values[value.Index];
        data.Type = type;
        data.Name = name;
        data.DefiningInstruction = instruction;
        instruction.Result = value;
    }

    /// <inheritdoc/>
    public override string ToString() => Text.IrPrinter.Print(this);
}

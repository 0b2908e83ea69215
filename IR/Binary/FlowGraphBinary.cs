using System.Runtime.CompilerServices;

namespace PeJit.IR.Binary;

/// <summary>
/// A flow graph in the compact binary form (<see cref="CompactWriter"/>, <see cref="CompactReader"/>), with a
/// binding time per defined value: what the text form (<see cref="Text.IrPrinter"/> with annotations,
/// <see cref="Text.IrParser.ParseAnnotated"/>) keeps, read back without parsing text. The stored extension program
/// holds its graphs this way, so a fresh process preparing a portal decodes numbers instead of lines
/// (Docs/PERFORMANCE.md, "Cold warm-up"); the text form stays what dumps and tests show.
/// </summary>
/// <remarks>
/// The form: the name, return type and value count; the slots (type, name); the regions (kind, catch type, filter,
/// handler, parent); per block its parameters (definitions), try and handler regions and instructions. A definition
/// is the value's index, type, name and a red flag; an instruction its opcode, result definition, the immediates
/// its <see cref="OpcodeInfo.Immediates"/> name (as the text form prints them), operands, targets and location.
/// Optional numbers (a block, a region) are stored plus one, 0 for none. What the text form does not print
/// (<see cref="Instruction.OperandVariables"/>, origins) is not stored either, so both read back alike.
/// </remarks>
public static class FlowGraphBinary
{
    /// <summary>Writes <paramref name="graph"/>, each defined value marked red when <paramref name="isRed"/> says so.</summary>
    public static void Write(FlowGraph graph, Func<Value, bool> isRed, CompactWriter output)
    {
        output.String(graph.Name);
        output.Type(graph.ReturnType);
        output.Number(graph.ValueCount);
        output.Number(graph.SlotCount);
        foreach (var slot in graph.Slots)
        {
            output.Type(graph[slot].Type);
            output.String(graph[slot].Name);
        }
        output.Number(graph.RegionCount);
        foreach (var region in graph.Regions)
        {
            var data = graph[region];
            output.Byte((byte)data.Kind);
            output.Type(data.Kind == RegionKind.Catch ? data.CatchType : null);
            output.Number(data.Kind == RegionKind.Filter && data.Filter is { } filter ? filter.Index + 1 : 0);
            output.Number(data.Handler.Index);
            output.Number(data.Parent is { } parent ? parent.Index + 1 : 0);
        }
        output.Number(graph.BlockCount);
        foreach (var block in graph.Blocks)
        {
            var data = graph[block];
            output.Number(data.Parameters.Count);
            foreach (var parameter in data.Parameters) Definition(graph, parameter, isRed, output);
            output.Number(data.Try is { } tryRegion ? tryRegion.Index + 1 : 0);
            output.Number(data.HandlerOf is { } handler ? handler.Index + 1 : 0);
            output.Number(data.Instructions.Count);
            foreach (var instruction in data.Instructions) WriteInstruction(graph, instruction, isRed, output);
        }
    }

    private static void Definition(FlowGraph graph, Value value, Func<Value, bool> isRed, CompactWriter output)
    {
        output.Number(value.Index);
        output.Type(graph.TypeOf(value));
        output.String(graph[value].Name);
        output.Byte(isRed(value) ? (byte)1 : (byte)0);
    }

    private static void WriteInstruction(FlowGraph graph, Instruction instruction, Func<Value, bool> isRed, CompactWriter output)
    {
        output.Number((int)instruction.Opcode);
        if (instruction.Result is { } result)
        {
            output.Byte(1);
            Definition(graph, result, isRed, output);
        }
        else output.Byte(0);
        var immediates = instruction.Info.Immediates;
        if ((immediates & ImmediateKinds.Type) != 0) output.Type(instruction.TypeOperand);
        if ((immediates & ImmediateKinds.Member) != 0)
        {
            // As the text form: a type if there is one, else a field, else a method.
            if (instruction.TypeOperand is { } type)
            {
                output.Byte(0);
                output.Type(type);
            }
            else if (instruction.Field is { } field)
            {
                output.Byte(1);
                output.String(field.FullName);
            }
            else
            {
                output.Byte(2);
                WriteMethod(instruction.Method!, output);
            }
        }
        if ((immediates & ImmediateKinds.Method) != 0) WriteMethod(instruction.Method!, output);
        if ((immediates & ImmediateKinds.Field) != 0) output.String(instruction.Field!.FullName);
        if ((immediates & ImmediateKinds.Slot) != 0) output.Number(instruction.Slot.Index);
        if ((immediates & ImmediateKinds.Text) != 0) output.String(instruction.Text ?? "");
        if ((immediates & ImmediateKinds.Number) != 0)
        {
            if (IsFloat(graph, instruction)) output.Float(instruction.Float);
            else output.Signed(instruction.Integer);
        }
        output.Number(instruction.Operands.Count);
        foreach (var operand in instruction.Operands) output.Number(operand.Index);
        output.Number(instruction.TargetCalls.Length);
        foreach (var target in instruction.TargetCalls)
        {
            output.Number(target.Target.Index);
            output.Number(target.Arguments.Count);
            foreach (var argument in target.Arguments) output.Number(argument.Index);
        }
        output.Signed(instruction.Location.ILOffset);
        output.Signed(instruction.Location.Line);
    }

    private static bool IsFloat(FlowGraph graph, Instruction instruction) =>
        instruction.Result is { } result && graph.TypeOf(result).StackKind == StackKind.Float;

    private const byte Pure = 1, Instance = 2, Stores = 4, ReadsOnlyFlag = 8;

    private static void WriteMethod(MethodRef method, CompactWriter output)
    {
        output.Byte((byte)((method.IsPure ? Pure : 0) | (method.HasThis ? Instance : 0) | (method.StoredFields is null ? 0 : Stores)
            | (method.ReadsOnly ? ReadsOnlyFlag : 0)));
        output.String(method.FullName);
        if (method.StoredFields is { } stored)
        {
            output.Number(stored.Count);
            foreach (var field in stored) output.String(field.FullName);
        }
    }

    /// <summary>
    /// Reads a graph <see cref="Write"/> wrote; <paramref name="red"/> gets, per value, whether it was written red
    /// (false for a value no definition names).
    /// </summary>
    /// <exception cref="FormatException">The bytes are not a graph in this form.</exception>
    public static FlowGraph Read(CompactReader input, out bool[] red) => Read(input, out red, out _);

    /// <summary>
    /// As <see cref="Read(CompactReader, out bool[])"/>, with each value's type too (<see cref="IrType.Void"/> for a value no
    /// definition names, as <see cref="FlowGraph.TypeOf"/> has it): a reader laying out the graph per value takes them from
    /// the array rather than calling into the graph once per value.
    /// </summary>
    /// <remarks>
    /// One loop over the blocks and instructions with the per-value and per-instruction reads inlined (<see cref="CompactReader"/>'s
    /// remarks: a precompiled method called 300 times in a JIT-enabled process is compiled again by .NET, twice), so that reading
    /// a stored graph of 1,000 instructions calls a few methods per instruction at most: the rare immediates (methods, floats).
    /// </remarks>
    /// <exception cref="FormatException">The bytes are not a graph in this form.</exception>
    public static FlowGraph Read(CompactReader input, out bool[] red, out IrType[] types)
    {
        var graph = new FlowGraph(input.Text(), input.RequiredType());
        int values = input.Count();
        graph.ReserveValues(values);
        red = new bool[values];
        types = new IrType[values];
        Array.Fill(types, IrType.Void);
        int slots = input.Count();
        var slotTypes = new IrType[slots];
        var slotNames = new string?[slots];
        for (int s = 0; s < slots; s++)
        {
            slotTypes[s] = input.RequiredType();
            slotNames[s] = input.String();
        }
        int regions = input.Count();
        var regionData = new RegionData[regions];
        for (int r = 0; r < regions; r++)
        {
            var data = new RegionData { Kind = (RegionKind)input.Byte(), CatchType = input.Type() };
            int filter = input.Number();
            if (filter > 0) data.Filter = new Block(filter - 1);
            data.Handler = new Block(input.Number());
            int parent = input.Number();
            if (parent > 0) data.Parent = new Region(parent - 1);
            regionData[r] = data;
        }
        int blocks = input.Count();
        graph.ReserveBlocks(blocks);
        for (int b = 0; b < blocks; b++) graph.AddBlock();
        for (int s = 0; s < slots; s++) graph.AddSlot(slotTypes[s], slotNames[s]);
        for (int r = 0; r < regions; r++)
        {
            var data = regionData[r];
            if (data.Handler.Index >= blocks || data.Filter is { } filter && filter.Index >= blocks || data.Parent is { } parent && parent.Index >= regions)
                throw input.Malformed($"region{r} names a block or region the graph does not have");
            graph.AddRegion(data);
        }
        for (int b = 0; b < blocks; b++)
        {
            var block = new Block(b);
            var data = graph[block];
            int parameters = input.Count();
            if (parameters > 0) data.Parameters.Capacity = parameters;
            for (int p = 0; p < parameters; p++)
            {
                var value = ReadDefinition(input, values, red, types, out var type, out string? name);
                graph.DefineParameter(block, value, type, name);
            }
            data.Try = OptionalRegion(input, regions);
            data.HandlerOf = OptionalRegion(input, regions);
            int instructions = input.Count();
            var list = data.Instructions;
            list.Capacity = instructions;
            for (int i = 0; i < instructions; i++) list.Add(ReadInstruction(graph, input, values, blocks, red, types));
        }
        return graph;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Region? OptionalRegion(CompactReader input, int regions)
    {
        int index = input.Number();
        if (index == 0) return null;
        return index <= regions ? new Region(index - 1) : throw input.Malformed($"region{index - 1} is not in the graph");
    }

    // Out parameters rather than a tuple: a ValueTuple over the IR's Value is half a dozen more type loads in a fresh process.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Value ReadDefinition(CompactReader input, int values, bool[] red, IrType[] types, out IrType type, out string? name)
    {
        var value = ReadValue(input, values);
        type = input.RequiredType();
        name = input.String();
        red[value.Index] = input.Byte() != 0;
        types[value.Index] = type;
        return value;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Value ReadValue(CompactReader input, int values)
    {
        int index = input.Number();
        if ((uint)index >= (uint)values) ThrowBeyond(input, index, values);
        return new Value(index);
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void ThrowBeyond(CompactReader input, int index, int values) =>
        throw input.Malformed($"v{index} is beyond the graph's {values} values");

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Instruction ReadInstruction(FlowGraph graph, CompactReader input, int values, int blocks, bool[] red, IrType[] types)
    {
        int opcode = input.Number();
        if (!OpcodeInfo.IsDefined(opcode)) throw input.Malformed($"opcode {opcode} is unknown");
        var instruction = new Instruction((Opcode)opcode, operandCapacity: 0);
        bool hasResult = input.Byte() != 0;
        IrType? resultType = null;
        string? resultName = null;
        var result = hasResult ? ReadDefinition(input, values, red, types, out resultType, out resultName) : default;
        var immediates = instruction.Info.Immediates;
        if ((immediates & ImmediateKinds.Type) != 0) instruction.TypeOperand = input.Type();
        if ((immediates & ImmediateKinds.Member) != 0)
        {
            switch (input.Byte())
            {
                case 0: instruction.TypeOperand = input.Type(); break;
                case 1: instruction.Field = new FieldRef(input.Text()); break;
                default: instruction.Method = ReadMethod(input); break;
            }
        }
        if ((immediates & ImmediateKinds.Method) != 0) instruction.Method = ReadMethod(input);
        if ((immediates & ImmediateKinds.Field) != 0) instruction.Field = new FieldRef(input.Text());
        if ((immediates & ImmediateKinds.Slot) != 0) instruction.Slot = new Slot(input.Number());
        if ((immediates & ImmediateKinds.Text) != 0) instruction.Text = input.Text();
        if ((immediates & ImmediateKinds.Number) != 0)
        {
            if (resultType is { StackKind: StackKind.Float }) instruction.Float = input.Float();
            else instruction.Integer = input.Signed();
        }
        int operands = input.Count();
        // Of the exact size: growing from 4 (List's first) made a throw-away array for every instruction of more operands, and
        // a loaded graph's lists live as long as its portal.
        var operandList = instruction.Operands;
        if (operands > 0) operandList.Capacity = operands;
        for (int o = 0; o < operands; o++) operandList.Add(ReadValue(input, values));
        int targets = input.Count();
        for (int t = 0; t < targets; t++)
        {
            int target = input.Number();
            if (target >= blocks) throw input.Malformed($"block{target} is not in the graph");
            int count = input.Count();
            var arguments = new List<Value>(count);
            for (int a = 0; a < count; a++) arguments.Add(ReadValue(input, values));
            instruction.Targets.Add(new BlockCall(new Block(target), arguments, adopt: true));
        }
        instruction.Location = new SourceLocation((int)input.Signed(), (int)input.Signed());
        if (hasResult) graph.DefineResult(instruction, result, resultType!, resultName);
        return instruction;
    }

    private static MethodRef ReadMethod(CompactReader input)
    {
        byte flags = input.Byte();
        string name = input.Text();
        List<FieldRef>? stored = null;
        if ((flags & Stores) != 0)
        {
            int count = input.Count();
            stored = new List<FieldRef>(count);
            for (int f = 0; f < count; f++) stored.Add(new FieldRef(input.Text()));
        }
        return new MethodRef(name, (flags & Instance) != 0) { IsPure = (flags & Pure) != 0, ReadsOnly = (flags & ReadsOnlyFlag) != 0, StoredFields = stored };
    }
}

using PeJit.IR;
using PeJit.IR.Binary;

namespace PeJit.Specializer.Extension;

/// <summary>
/// The stored form <c>pejit build</c> writes since the compact binary form: the same contents as the text form
/// (<see cref="ExtensionSerializer"/>: the portal's shape, the member table, each graph's flow graph with binding
/// times and its ops' stored fields), as numbers and table indexes (<see cref="CompactWriter"/>), so that preparing a
/// portal in a fresh process decodes bytes instead of parsing lines. The text form stays what dumps, file tests and
/// <see cref="ExtensionProgram.Print"/> show; a program read from either prints the same (<c>ExtensionStorageTests</c>).
/// </summary>
/// <remarks>
/// The form: <see cref="Magic"/>, the string and type tables, then the outline (portal line, member table, each graph's
/// name and byte length), then each graph: its flow graph (<see cref="FlowGraphBinary"/>) and, per block and
/// instruction, its op (kind, then a mask of the <see cref="ExtensionOpFields"/> present, in that table's order, then
/// their values). Graphs other than the portal's are decoded when first needed, as with the text form.
/// <para>To store a new op field: add it to <see cref="ExtensionOpFields.All"/> (the text form) and here, with the next
/// bit (<see cref="WriteOp"/>, <see cref="ReadOp"/>); <c>ExtensionStorageTests</c> fails until both forms agree.</para>
/// </remarks>
public static class ExtensionBinary
{
    /// <summary>The first bytes of the form; the text form starts with <c>pejit-extension</c>, so the two cannot be confused.</summary>
    private static ReadOnlySpan<byte> Magic => "\0PJX"u8;

    /// <summary>
    /// The version of the form. Enums are stored by number (<see cref="Opcode"/>, <see cref="ExtensionOpKind"/>,
    /// <see cref="GreenOperation"/>, <see cref="CallTreatment"/>, <see cref="TypeKind"/>, <see cref="RegionKind"/>), so a
    /// change to any of them must come with a new version, which makes a run time refuse programs an older
    /// <c>pejit build</c> stored (the portal is interpreted and the log says to build again) rather than misread them:
    /// <c>ExtensionBinaryTests</c> checks <see cref="EnumLayout"/> against the enums and fails until both are updated.
    /// Version 4: a member table's type names may carry the type's metadata token (<see cref="MemberTable.WithToken"/>),
    /// which a version-3 run time would take for part of the name.
    /// </summary>
    public const int Version = 4;

    /// <summary>A hash of the names of the enums stored by number, in order, for the version in force (see <see cref="Version"/>).</summary>
    public const string EnumLayout = "7E63A5C9F1E1B494";

    /// <summary>True when <paramref name="stored"/> (decompressed) is in this form rather than text.</summary>
    public static bool IsBinary(byte[] stored) => stored.AsSpan().StartsWith(Magic);

    /// <summary>The stored form of <paramref name="program"/> with the member table <paramref name="members"/>.</summary>
    public static byte[] Write(ExtensionProgram program, MemberTable members)
    {
        var outline = new CompactWriter();
        var parts = new List<byte[]>();
        foreach (var graph in program.Graphs)
        {
            var part = outline.Part();
            FlowGraphBinary.Write(graph.Graph, v => graph.RedValues[v.Index], part);
            foreach (var block in graph.Blocks)
                foreach (var op in block) WriteOp(op, program.Graphs, part);
            parts.Add(part.Bytes);
        }

        var shape = program.Shape;
        outline.Number(Version);
        outline.String(shape.Name);
        outline.String(shape.FullName);
        outline.Number(shape.MergeBlock.Index);
        outline.Number(program.Portal.Graph[shape.MergeBlock].Instructions.IndexOf(shape.MergePoint));
        Values(shape.MergeVariables, outline);
        outline.Number(shape.GreenCount);
        Values(shape.ImplicitReds, outline);
        outline.Number(shape.Virtualizables.Count);
        foreach (var frame in shape.Virtualizables)
        {
            outline.String(frame.ClassName);
            outline.Number(frame.Sealed ? 1 : 0);
            Strings(frame.Supertypes, outline);
            Strings(frame.Fields, outline);
            Strings(frame.Arrays, outline);
        }

        outline.Number(members.Types.Count);
        foreach (var (name, qualified) in members.Types.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            outline.String(name);
            outline.String(qualified);
        }
        outline.Number(members.Fields.Count);
        foreach (var (name, field) in members.Fields.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            outline.String(name);
            outline.String(field.DeclaringType);
            outline.String(field.Name);
        }
        outline.Number(members.Methods.Count);
        foreach (var (name, method) in members.Methods.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            outline.String(name);
            outline.String(method.DeclaringType);
            outline.String(method.Name);
            outline.String(method.Signature);
            outline.Number(method.GenericArguments.Count);
            foreach (string argument in method.GenericArguments) outline.String(argument);
        }

        outline.Number(parts.Count);
        for (int g = 0; g < parts.Count; g++)
        {
            outline.String(program.Graphs[g].Name);
            outline.Number(parts[g].Length);
        }
        foreach (var part in parts) outline.Raw(part);

        var stored = new MemoryStream();
        stored.Write(Magic);
        stored.Write(outline.ToArray());
        return stored.ToArray();
    }

    private static void Values(IReadOnlyList<Value> values, CompactWriter output)
    {
        output.Number(values.Count);
        foreach (var value in values) output.Number(value.Index);
    }

    // One bit per stored field, in the order of ExtensionOpFields.All (its test checks the count).
    private const int GreenBit = 1 << 0, TreatmentBit = 1 << 1, CalleesBit = 1 << 2, CalleeMethodsBit = 1 << 3, ConstantBit = 1 << 4,
        IntegerBit = 1 << 5, FloatBit = 1 << 6, ConversionBit = 1 << 7, Int32Bit = 1 << 8, RedSlotBit = 1 << 9, PartialSlotBit = 1 << 10,
        MessageBit = 1 << 11, AccessBit = 1 << 12, AccessorBit = 1 << 13;

    /// <summary>How many op fields this form stores: <see cref="ExtensionOpFields.All"/> must have as many.</summary>
    internal const int StoredFields = 14;

    private static void WriteOp(ExtensionOp op, IReadOnlyList<ExtensionGraph> graphs, CompactWriter output)
    {
        // The same defaults as ExtensionOpFields: a field at its default value is left out.
        int mask = (op.Green != GreenOperation.CannotRun ? GreenBit : 0)
            | (op.Treatment is not null ? TreatmentBit : 0)
            | (op.Callees.Length > 0 ? CalleesBit : 0)
            | (op.CalleeMethods.Length > 0 ? CalleeMethodsBit : 0)
            | (op.ConstantObject is not null ? ConstantBit : 0)
            | (op.ConstantInteger != 0 ? IntegerBit : 0)
            | (BitConverter.DoubleToInt64Bits(op.ConstantFloat) != 0 ? FloatBit : 0)
            | (op.ConversionKind != default ? ConversionBit : 0)
            | (op.Int32Operands ? Int32Bit : 0)
            | (op.RedSlot ? RedSlotBit : 0)
            | (op.PartialSlot ? PartialSlotBit : 0)
            | (op.Message is not null ? MessageBit : 0)
            | (op.AccessName is not null ? AccessBit : 0)
            | (op.AccessMethod is not null ? AccessorBit : 0);
        output.Byte((byte)op.Kind);
        output.Number(mask);
        if ((mask & GreenBit) != 0) output.Byte((byte)op.Green);
        if ((mask & TreatmentBit) != 0) output.Number((int)op.Treatment!.Value);
        if ((mask & CalleesBit) != 0)
        {
            output.Number(op.Callees.Length);
            foreach (var callee in op.Callees)
            {
                int index = -1;
                for (int g = 0; g < graphs.Count && index < 0; g++)
                    if (ReferenceEquals(graphs[g], callee)) index = g;
                if (index < 0) throw new InvalidOperationException($"callee {callee.Name} is not a graph of the program");
                output.Number(index);
            }
        }
        if ((mask & CalleeMethodsBit) != 0)
        {
            output.Number(op.CalleeMethods.Length);
            foreach (var method in op.CalleeMethods)
            {
                output.Byte(method.HasThis ? (byte)1 : (byte)0);
                output.String(method.FullName);
            }
        }
        if ((mask & ConstantBit) != 0) WriteConstant(op.ConstantObject!, output);
        if ((mask & IntegerBit) != 0) output.Signed(op.ConstantInteger);
        if ((mask & FloatBit) != 0) output.Float(op.ConstantFloat);
        if ((mask & ConversionBit) != 0) output.Number((int)op.ConversionKind);
        if ((mask & MessageBit) != 0) output.String(op.Message);
        if ((mask & AccessBit) != 0) output.String(op.AccessName);
        if ((mask & AccessorBit) != 0) output.String(op.AccessMethod);
    }

    private static void WriteConstant(object value, CompactWriter output)
    {
        switch (value)
        {
            case int i: output.Byte(0); output.Signed(i); break;
            case long l: output.Byte(1); output.Signed(l); break;
            case nint n: output.Byte(2); output.Signed(n); break;
            case float f: output.Byte(3); output.Signed(BitConverter.SingleToInt32Bits(f)); break;
            case double d: output.Byte(4); output.Float(d); break;
            case string s: output.Byte(5); output.String(s); break;
            default: throw new NotSupportedException($"a constant of type {value.GetType()} cannot be stored; the extension compiler makes only primitives and strings constants");
        }
    }

    /// <summary>Reads a stored program back, unlinked, with its member table, every graph loaded.</summary>
    /// <exception cref="FormatException">The bytes are not in the form.</exception>
    public static (ExtensionProgram Program, MemberTable Members) Read(byte[] stored)
    {
        var (program, members) = ReadLazily(stored);
        foreach (var graph in program.Graphs) _ = graph.Blocks;
        return (program, members);
    }

    /// <summary>
    /// Reads a stored program back, unlinked, with its member table, loading only the portal's graph; every other
    /// graph is decoded when something first asks for its contents (as <see cref="ExtensionSerializer.ReadLazily"/>).
    /// </summary>
    /// <exception cref="FormatException">The outline or the portal's graph is malformed; a graph decoded later throws when it is loaded.</exception>
    public static (ExtensionProgram Program, MemberTable Members) ReadLazily(byte[] stored)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        if (!IsBinary(stored)) throw Error("it does not start as the compact binary form does");
        try
        {
            var input = new CompactReader(stored, Magic.Length);
            int version = input.Number();
            if (version != Version) throw Error($"it is version {version} of the form; this run time reads version {Version}");
            string name = input.Text(), fullName = input.Text();
            int mergeBlock = input.Number(), mergeIndex = input.Number();
            var variables = ReadValues(input);
            int greens = input.Number();
            var implicitReds = ReadValues(input);
            var virtualizables = new VirtualizableFrame[input.Count()];
            for (int v = 0; v < virtualizables.Length; v++)
                virtualizables[v] = new VirtualizableFrame(input.Text(), input.Number() != 0, ReadStrings(input), ReadStrings(input), ReadStrings(input));

            // The types at once (preparation looks through them: MemberTableResolver.NamesTypesToParse); the fields and methods
            // when a lookup first names one (StoredMembers: most belong to graphs other than the portal's).
            int typeCount = input.Count();
            var typeKeys = new string[typeCount];
            var typeNames = new string[typeCount];
            for (int i = 0; i < typeCount; i++)
            {
                typeKeys[i] = input.Text();
                typeNames[i] = input.Text();
            }
            var members = new MemberTable(new StoredMembers(input));
            members.Types.EnsureCapacity(typeCount);
            for (int i = 0; i < typeCount; i++) members.Types[typeKeys[i]] = typeNames[i];

            var graphs = new ExtensionGraph[input.Count()];
            if (graphs.Length == 0) throw Error("it has no graph; the portal's comes first");
            // Per graph, its name's index in the string table and where its part starts: one name source and one loader serve
            // them all (ExtensionGraph.StoredIndex), and a graph no run needs costs its object and two numbers.
            var names = new int[graphs.Length];
            var starts = new int[graphs.Length];
            for (int g = 0; g < graphs.Length; g++)
            {
                names[g] = input.TextIndex();
                starts[g] = input.Number();
            }
            int offset = input.Position;
            for (int g = 0; g < graphs.Length; g++)
            {
                int length = starts[g];
                starts[g] = offset;
                offset += length;
            }
            if (offset != stored.Length) throw Error($"its graphs end at byte {offset} of {stored.Length}");
            ExtensionProgram? program = null;
            Func<int, string> nameOf = g => input.StringAt(names[g]);
            Action<ExtensionGraph> load = graph =>
            {
                var loading = System.Diagnostics.Stopwatch.StartNew();
                LoadGraph(graph, input.At(starts[graph.StoredIndex]), graphs);
                program?.AddLoadTime(loading.Elapsed);
            };
            for (int g = 0; g < graphs.Length; g++) graphs[g] = new ExtensionGraph(g, nameOf, load);
            var portal = graphs[0];
            var flow = portal.Graph; // the portal's graph is needed at once; a malformed one is reported before its shape
            if (mergeBlock >= flow.BlockCount || mergeIndex >= flow[new Block(mergeBlock)].Instructions.Count)
                throw Error($"its merge point {mergeBlock}.{mergeIndex} is not an instruction of {portal.Name}");
            var shape = new PortalShape(name, fullName, flow[new Block(mergeBlock)].Instructions[mergeIndex], new Block(mergeBlock), variables, greens, implicitReds)
                { Virtualizables = virtualizables };
            program = new ExtensionProgram(portal, shape, graphs, 0, clock.Elapsed);
            return (program, members);
        }
        catch (FormatException e) when (!e.Message.StartsWith(ErrorStart, StringComparison.Ordinal))
        {
            throw Error(e.Message);
        }
    }

    private static void Strings(IReadOnlyList<string> strings, CompactWriter output)
    {
        output.Number(strings.Count);
        foreach (string text in strings) output.String(text);
    }

    private static string[] ReadStrings(CompactReader input)
    {
        var strings = new string[input.Count()];
        for (int i = 0; i < strings.Length; i++) strings[i] = input.Text();
        return strings;
    }

    private static List<Value> ReadValues(CompactReader input)
    {
        var values = new List<Value>(input.Count());
        for (int i = values.Capacity; i > 0; i--) values.Add(new Value(input.Number()));
        return values;
    }

    private static void LoadGraph(ExtensionGraph graph, CompactReader input, ExtensionGraph[] graphs)
    {
        try
        {
            var flow = FlowGraphBinary.Read(input, out bool[] red, out IrType[] types);
            ExtensionLayout.Load(graph, flow, red, types);
            var blocks = graph.Blocks;
            for (int b = 0; b < flow.BlockCount; b++)
            {
                var instructions = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(flow[new Block(b)].Instructions);
                var ops = new ExtensionOp[instructions.Length];
                for (int i = 0; i < ops.Length; i++) ops[i] = ReadOp(graph, instructions[i], input, graphs);
                blocks[b] = ops;
            }
        }
        catch (FormatException e) when (!e.Message.StartsWith(ErrorStart, StringComparison.Ordinal))
        {
            throw Error($"graph {graph.Name}: {e.Message}");
        }
    }

    // Inlined into LoadGraph's loop over ops, as its per-op steps are (ExtensionLayout's remarks).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static ExtensionOp ReadOp(ExtensionGraph graph, Instruction instruction, CompactReader input, ExtensionGraph[] graphs)
    {
        var op = ExtensionLayout.Op(graph, instruction);
        op.Kind = (ExtensionOpKind)input.Byte();
        int mask = input.Number();
        if ((mask & GreenBit) != 0) op.Green = (GreenOperation)input.Byte();
        if ((mask & TreatmentBit) != 0) op.Treatment = (CallTreatment)input.Number();
        if ((mask & CalleesBit) != 0)
        {
            var callees = new ExtensionGraph[input.Count()];
            for (int c = 0; c < callees.Length; c++)
            {
                int index = input.Number();
                callees[c] = index < graphs.Length ? graphs[index] : throw input.Malformed($"graph {index} is not in the program ({graphs.Length} graphs)");
            }
            op.Callees = callees;
        }
        if ((mask & CalleeMethodsBit) != 0)
        {
            var methods = new MethodRef[input.Count()];
            for (int m = 0; m < methods.Length; m++)
            {
                bool instance = input.Byte() != 0;
                methods[m] = new MethodRef(input.Text(), instance);
            }
            op.CalleeMethods = methods;
        }
        if ((mask & ConstantBit) != 0) op.ConstantObject = ReadConstant(input);
        if ((mask & IntegerBit) != 0) op.ConstantInteger = input.Signed();
        if ((mask & FloatBit) != 0) op.ConstantFloat = input.Float();
        if ((mask & ConversionBit) != 0) op.ConversionKind = (TypeKind)input.Number();
        if ((mask & Int32Bit) != 0) op.Int32Operands = true;
        if ((mask & RedSlotBit) != 0) op.RedSlot = true;
        if ((mask & PartialSlotBit) != 0) op.PartialSlot = true;
        if ((mask & MessageBit) != 0) op.Message = input.Text();
        if ((mask & AccessBit) != 0) op.AccessName = input.Text();
        if ((mask & AccessorBit) != 0) op.AccessMethod = input.Text();
        ExtensionLayout.Finish(graph, op);
        return op;
    }

    private static object ReadConstant(CompactReader input) => input.Byte() switch
    {
        0 => (int)input.Signed(),
        1 => input.Signed(),
        2 => (nint)input.Signed(),
        3 => BitConverter.Int32BitsToSingle((int)input.Signed()),
        4 => input.Float(),
        5 => input.Text(),
        var tag => throw input.Malformed($"constant tag {tag} is unknown"),
    };

    private const string ErrorStart = "the stored extension program (compact binary form)";

    private static FormatException Error(string what) =>
        new($"{ErrorStart} cannot be read: {what}. Build the assembly again with this version of pejit build.");
}

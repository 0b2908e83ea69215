using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using PeJit.IR;

namespace PeJit.Specializer.Extension;

/// <summary>
/// The parts of an extension program that follow from its flow graphs and binding times alone: register
/// classes and numbers, each op's operands, result and targets, the constant-like definitions. The build-time
/// compiler and the reader of the stored form (<see cref="ExtensionSerializer"/>) both lay graphs out here, so
/// the stored form holds only what the analysis decided and this cannot disagree with it.
/// </summary>
/// <remarks>
/// This runs per value and per op of a graph as a JIT-enabled process prepares its portal, so it reads the graph's tables
/// directly while they are filled (<see cref="ExtensionGraph.TypesWhileLaidOut"/> and the like, not the getters that load a
/// stored graph first) and its per-op steps are inlined into the reader's loop: .NET compiles again, twice, every precompiled
/// method a JIT-enabled process calls 300 times (<c>PeJit.IR.Binary.CompactReader</c>'s remarks).
/// </remarks>
internal static class ExtensionLayout
{
    /// <summary>The register class of a value of <paramref name="type"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static RegisterClass ClassOf(IrType type) => type.StackKind switch
    {
        StackKind.Int32 or StackKind.Int64 or StackKind.NativeInt => RegisterClass.Int,
        StackKind.Float => RegisterClass.Float,
        _ => RegisterClass.Ref,
    };

    /// <summary>A graph with its values' registers assigned (dense per class, in value order) and no ops yet.</summary>
    public static ExtensionGraph Graph(FlowGraph flow, string name, Func<Value, bool> isRed)
    {
        var graph = new ExtensionGraph(flow, name);
        AssignRegisters(graph, flow, isRed);
        return graph;
    }

    /// <summary>Fills in a graph being loaded from the stored form (<see cref="ExtensionGraph.Initialize(FlowGraph)"/>): its registers, no ops yet.</summary>
    public static void Load(ExtensionGraph graph, FlowGraph flow, Func<Value, bool> isRed)
    {
        graph.Initialize(flow);
        AssignRegisters(graph, flow, isRed);
    }

    /// <summary>
    /// As <see cref="Load(ExtensionGraph, FlowGraph, Func{Value, bool})"/>, with each value's binding time and type as the
    /// binary reader read them (<see cref="PeJit.IR.Binary.FlowGraphBinary.Read(PeJit.IR.Binary.CompactReader, out bool[], out IrType[])"/>):
    /// no delegate and no call into the graph per value.
    /// </summary>
    /// <remarks>The graph adopts <paramref name="red"/> and <paramref name="types"/> as its own tables: the caller must not change them.</remarks>
    public static void Load(ExtensionGraph graph, FlowGraph flow, bool[] red, IrType[] types)
    {
        graph.Initialize(flow, types, red);
        AssignRegisters(graph, flow, types, red);
    }

    private static void AssignRegisters(ExtensionGraph graph, FlowGraph flow, Func<Value, bool> isRed)
    {
        int count = flow.ValueCount;
        var types = new IrType[count];
        var red = new bool[count];
        for (int v = 0; v < count; v++)
        {
            types[v] = flow.TypeOf(new Value(v));
            red[v] = isRed(new Value(v));
        }
        AssignRegisters(graph, flow, types, red);
    }

    private static void AssignRegisters(ExtensionGraph graph, FlowGraph flow, IrType[] valueTypes, bool[] valueRed)
    {
        int ints = 0, floats = 0, refs = 0;
        var types = graph.TypesWhileLaidOut;
        var classes = graph.ClassesWhileLaidOut;
        var registers = graph.RegistersWhileLaidOut;
        var red = graph.RedValuesWhileLaidOut;
        for (int v = 0; v < types.Length; v++)
        {
            var type = valueTypes[v];
            var registerClass = ClassOf(type);
            types[v] = type; // the same array when the graph adopted the reader's (Load)
            classes[v] = registerClass;
            registers[v] = registerClass switch { RegisterClass.Int => ints++, RegisterClass.Float => floats++, _ => refs++ };
            red[v] = valueRed[v];
        }
        graph.IntCount = ints;
        graph.FloatCount = floats;
        graph.RefCount = refs;
        var parameters = flow.Parameters;
        var indexes = new int[parameters.Count];
        for (int i = 0; i < indexes.Length; i++) indexes[i] = parameters[i].Index;
        graph.Parameters = indexes;
        graph.HasRegions = flow.RegionCount > 0;
    }

    /// <summary>An op for <paramref name="instruction"/> with its operands and result filled in.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ExtensionOp Op(ExtensionGraph graph, Instruction instruction)
    {
        var operands = CollectionsMarshal.AsSpan(instruction.Operands);
        var valueTypes = graph.TypesWhileLaidOut;
        var valueRegisters = graph.RegistersWhileLaidOut;
        // Equal operand types and registers share one array (OperandArrays): they live as long as the portal. Gathered in
        // scratch arrays first, so that an op whose arrays were seen before allocates none. The value indexes are copied: they
        // rarely repeat (Lua's portal: 606 distinct among 665 ops with operands), and interning them grew the table more than
        // it saved.
        var shared = graph.Layout ??= new OperandArrays();
        shared.Scratch(operands.Length, out var indexes, out var registers, out var types);
        for (int i = 0; i < operands.Length; i++)
        {
            int index = operands[i].Index;
            indexes[i] = index;
            types[i] = valueTypes[index];
            registers[i] = valueRegisters[index];
        }
        var op = new ExtensionOp(instruction)
        {
            Operands = Copy(indexes, operands.Length),
            OperandTypes = shared.InternTypes(types, operands.Length),
            OperandRegisters = shared.InternNumbers(registers, operands.Length),
        };
        if (instruction.Result is { } result)
        {
            op.Result = result.Index;
            op.ResultType = valueTypes[result.Index];
            op.ResultIsGreen = !graph.RedValuesWhileLaidOut[result.Index];
        }
        return op;
    }

    /// <summary>Once <paramref name="op"/>'s kind is known: its targets, and its place among the graph's constant-like definitions.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Finish(ExtensionGraph graph, ExtensionOp op)
    {
        if (op.Kind is ExtensionOpKind.Jump or ExtensionOpKind.Leave or ExtensionOpKind.Branch or ExtensionOpKind.Switch)
            op.Targets = Targets(graph, op.Instruction.TargetCalls);
        if (ExtensionLinker.IsConstantLike(op.Instruction) && op.Instruction.Result is { } defined) graph.DefinitionsWhileLaidOut[defined.Index] = op;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int[] Copy(int[] gathered, int length)
    {
        if (length == 0) return [];
        var copy = new int[length];
        for (int i = 0; i < length; i++) copy[i] = gathered[i];
        return copy;
    }

    // One call per branching op, its targets in a loop (a block's ops end in one; a switch has many targets). A target's
    // parameters and their binding times are the target block's, one pair of arrays per block; its arguments are interned as
    // operand registers are (OperandArrays: Lua's portal has 37 distinct argument lists among 208 targets). Loops rather than LINQ: this runs when a portal is first prepared, and every LINQ method
    // instantiated over the IR's Value (a struct) is one more method .NET compiles then (ReadyToRun cannot precompile those).
    // Over spans: an IReadOnlyList<Value> was two interface calls per element, which ReadyToRun cannot bind.
    private static ExtensionTarget[] Targets(ExtensionGraph graph, ReadOnlySpan<BlockCall> calls)
    {
        var targets = new ExtensionTarget[calls.Length];
        var flow = graph.GraphWhileLaidOut;
        var valueRed = graph.RedValuesWhileLaidOut;
        var shared = graph.Layout ??= new OperandArrays();
        for (int t = 0; t < calls.Length; t++)
        {
            var call = calls[t];
            shared.BlockParameters(call.Target.Index, flow.BlockCount, CollectionsMarshal.AsSpan(flow[call.Target].Parameters), valueRed,
                out var parameters, out var red);
            var arguments = CollectionsMarshal.AsSpan(call.Arguments);
            shared.Scratch(arguments.Length, out var indexes, out _, out _);
            for (int i = 0; i < arguments.Length; i++) indexes[i] = arguments[i].Index;
            targets[t] = new ExtensionTarget
            {
                Call = call,
                Block = call.Target.Index,
                Arguments = shared.InternNumbers(indexes, arguments.Length),
                Parameters = parameters,
                RedParameters = red,
            };
        }
        return targets;
    }
}

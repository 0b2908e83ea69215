using PeJit.IR;

namespace PeJit.Specializer.Extension;

/// <summary>
/// The parts of an extension program that follow from its flow graphs and binding times alone: register
/// classes and numbers, each op's operands, result and targets, the constant-like definitions. The build-time
/// compiler and the reader of the stored form (<see cref="ExtensionSerializer"/>) both lay graphs out here, so
/// the stored form holds only what the analysis decided and this cannot disagree with it.
/// </summary>
internal static class ExtensionLayout
{
    /// <summary>The register class of a value of <paramref name="type"/>.</summary>
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

    /// <summary>Fills in a graph being loaded from the stored form (<see cref="ExtensionGraph.Initialize"/>): its registers, no ops yet.</summary>
    public static void Load(ExtensionGraph graph, FlowGraph flow, Func<Value, bool> isRed)
    {
        graph.Initialize(flow);
        AssignRegisters(graph, flow, isRed);
    }

    private static void AssignRegisters(ExtensionGraph graph, FlowGraph flow, Func<Value, bool> isRed)
    {
        int ints = 0, floats = 0, refs = 0;
        for (int v = 0; v < flow.ValueCount; v++)
        {
            var type = flow.TypeOf(new Value(v));
            var registerClass = ClassOf(type);
            graph.Types[v] = type;
            graph.Classes[v] = registerClass;
            graph.Registers[v] = registerClass switch { RegisterClass.Int => ints++, RegisterClass.Float => floats++, _ => refs++ };
            graph.RedValues[v] = isRed(new Value(v));
        }
        graph.IntCount = ints;
        graph.FloatCount = floats;
        graph.RefCount = refs;
        graph.Parameters = Indexes(flow.Parameters);
        graph.HasRegions = flow.RegionCount > 0;
    }

    /// <summary>An op for <paramref name="instruction"/> with its operands and result filled in.</summary>
    public static ExtensionOp Op(ExtensionGraph graph, Instruction instruction)
    {
        var operands = instruction.Operands;
        // Equal operand types and registers share one array (OperandArrays): they live as long as the portal. Gathered in
        // scratch arrays first, so that an op whose arrays were seen before allocates none.
        var shared = graph.Layout ??= new OperandArrays();
        shared.Scratch(operands.Count, out var registers, out var types);
        for (int i = 0; i < operands.Count; i++)
        {
            types[i] = graph.Types[operands[i].Index];
            registers[i] = graph.Registers[operands[i].Index];
        }
        var op = new ExtensionOp(instruction)
        {
            Operands = operands.Count == 0 ? [] : Indexes(operands),
            OperandTypes = shared.InternTypes(types, operands.Count),
            OperandRegisters = shared.InternRegisters(registers, operands.Count),
        };
        if (instruction.Result is { } result)
        {
            op.Result = result.Index;
            op.ResultType = graph.Types[result.Index];
            op.ResultIsGreen = !graph.RedValues[result.Index];
        }
        return op;
    }

    /// <summary>Once <paramref name="op"/>'s kind is known: its targets, and its place among the graph's constant-like definitions.</summary>
    public static void Finish(ExtensionGraph graph, ExtensionOp op)
    {
        if (op.Kind is ExtensionOpKind.Jump or ExtensionOpKind.Leave or ExtensionOpKind.Branch or ExtensionOpKind.Switch)
        {
            var targets = op.Instruction.Targets;
            op.Targets = new ExtensionTarget[targets.Count];
            for (int i = 0; i < targets.Count; i++) op.Targets[i] = Target(graph, targets[i]);
        }
        if (ExtensionLinker.IsConstantLike(op.Instruction) && op.Instruction.Result is { } defined) graph.Definitions[defined.Index] = op;
    }

    private static ExtensionTarget Target(ExtensionGraph graph, BlockCall call)
    {
        var parameters = graph.Graph[call.Target].Parameters;
        var red = new bool[parameters.Count];
        for (int i = 0; i < red.Length; i++) red[i] = graph.RedValues[parameters[i].Index];
        return new ExtensionTarget
        {
            Call = call,
            Block = call.Target.Index,
            Arguments = Indexes(call.Arguments),
            Parameters = Indexes(parameters),
            RedParameters = red,
        };
    }

    // Loops rather than LINQ: this runs when a portal is first prepared, and every LINQ method instantiated over
    // the IR's Value (a struct) is one more method .NET compiles then (ReadyToRun cannot precompile those).
    private static int[] Indexes(IReadOnlyList<Value> values)
    {
        var indexes = new int[values.Count];
        for (int i = 0; i < indexes.Length; i++) indexes[i] = values[i].Index;
        return indexes;
    }
}

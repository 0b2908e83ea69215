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
        graph.Parameters = flow.Parameters.Select(p => p.Index).ToArray();
        graph.HasRegions = flow.Regions.Any();
        return graph;
    }

    /// <summary>An op for <paramref name="instruction"/> with its operands and result filled in.</summary>
    public static ExtensionOp Op(ExtensionGraph graph, Instruction instruction)
    {
        var op = new ExtensionOp(instruction)
        {
            Operands = instruction.Operands.Select(o => o.Index).ToArray(),
            OperandTypes = instruction.Operands.Select(o => graph.Types[o.Index]).ToArray(),
        };
        op.OperandRegisters = op.Operands.Select(o => graph.Registers[o]).ToArray();
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
            op.Targets = op.Instruction.Targets.Select(t => Target(graph, t)).ToArray();
        if (ExtensionLinker.IsConstantLike(op.Instruction) && op.Instruction.Result is { } defined) graph.Definitions[defined.Index] = op;
    }

    private static ExtensionTarget Target(ExtensionGraph graph, BlockCall call)
    {
        var parameters = graph.Graph[call.Target].Parameters;
        return new ExtensionTarget
        {
            Call = call,
            Block = call.Target.Index,
            Arguments = call.Arguments.Select(a => a.Index).ToArray(),
            Parameters = parameters.Select(p => p.Index).ToArray(),
            RedParameters = parameters.Select(p => graph.RedValues[p.Index]).ToArray(),
        };
    }
}

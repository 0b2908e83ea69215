using PeJit.IR;
using PeJit.IR.Graphs;

namespace PeJit.Specializer.Extension;

/// <summary>
/// One annotated graph (its binding times copied in, so the engine needs no analysis) in the generating extension's compact form: a register class and a register number
/// per value, and per block the pre-decoded <see cref="ExtensionOp"/>s the engine runs (see
/// the generator's <c>ExtensionCompiler</c>). Value indexes are dense per graph, so a value's index is its register:
/// frames hold per-value state and per-class register files of <see cref="IntCount"/>, <see cref="FloatCount"/>
/// and <see cref="RefCount"/> entries.
/// </summary>
public sealed class ExtensionGraph
{
    internal ExtensionGraph(FlowGraph graph, string name)
    {
        Graph = graph;
        Name = name;
        int count = graph.ValueCount;
        Classes = new RegisterClass[count];
        Registers = new int[count];
        Types = new IrType[count];
        RedValues = new bool[count];
        Definitions = new ExtensionOp?[count];
        Blocks = new ExtensionOp[graph.BlockCount][];
    }

    /// <summary>The interpreter graph (exits and residual copies name its values and instructions).</summary>
    public FlowGraph Graph { get; }

    /// <summary>The annotated graph's name: <c>Type::Method[GR]</c>.</summary>
    public string Name { get; }

    /// <summary>Per value: its register class.</summary>
    public RegisterClass[] Classes { get; }

    /// <summary>Per value: its register number in its class's file.</summary>
    public int[] Registers { get; }

    /// <summary>Per value: its type.</summary>
    public IrType[] Types { get; }

    /// <summary>Per value: red by the analysis.</summary>
    public bool[] RedValues { get; }

    /// <summary>Per value defined by a constant-like instruction (<c>const</c>, <c>null</c>, <c>string</c>, <c>default</c>, <c>sizeof</c>, <c>token</c>): that op, run when the value is used where its definition was not run.</summary>
    public ExtensionOp?[] Definitions { get; }

    /// <summary>
    /// The interpreter graph's live values (what an exit in the middle of a step hands to the graph
    /// evaluator), computed the first time an exit needs them: the graph does not change at run time.
    /// Two threads may both compute it; they compute equal snapshots, and either one is kept.
    /// </summary>
    internal Liveness Liveness => liveness ??= Liveness.Compute(Graph);
    private Liveness? liveness;

    /// <summary>Where paths split at red branches may join again (<see cref="Engine.JoinPoints"/>), computed the first time a path arrives at a block; a race computes equal ones.</summary>
    internal Engine.JoinPoints JoinPoints => joinPoints ??= Engine.JoinPoints.Compute(this);
    private Engine.JoinPoints? joinPoints;

    /// <summary>For each block, whether every path from it ends in a throw (<see cref="Engine.ThrowingBlocks"/>): its calls are cold.</summary>
    internal bool[] ThrowingBlocks => throwingBlocks ??= Engine.ThrowingBlocks.Compute(this);
    private bool[]? throwingBlocks;

    /// <summary>Per block: its ops, in order.</summary>
    public ExtensionOp[][] Blocks { get; }

    /// <summary>The entry block's parameters (value indexes).</summary>
    public int[] Parameters { get; internal set; } = [];

    /// <summary>True when the graph has exception regions (such calls are not inlined).</summary>
    public bool HasRegions { get; internal set; }

    /// <summary>Size of the integer register file.</summary>
    public int IntCount { get; internal set; }

    /// <summary>Size of the float register file.</summary>
    public int FloatCount { get; internal set; }

    /// <summary>Size of the reference register file.</summary>
    public int RefCount { get; internal set; }

    /// <summary>
    /// Runs a straight-line graph of green values (its entry block, up to its <c>ret</c>) on typed registers,
    /// as the engine runs green ops: the parameters given in stack form, the result returned in stack form.
    /// What an op throws is thrown as is. For tests of the compact form against <c>ValueSemantics</c>.
    /// </summary>
    public object? RunGreen(IReadOnlyList<object?> parameters)
    {
        var frame = new ExtensionFrame(this);
        for (int i = 0; i < Parameters.Length; i++) frame.SetBoxed(Parameters[i], parameters[i]);
        foreach (var op in Blocks[0])
        {
            if (op.Kind == ExtensionOpKind.Return) return op.Operands.Length == 0 ? null : frame.Box(op.Operands[0]);
            if (op.Kind != ExtensionOpKind.Value) throw new InvalidOperationException($"{Name}: '{op.Instruction.Info.Name}' is not a green value");
            GreenExecution.Run(frame, op);
        }
        throw new InvalidOperationException($"{Name}: the entry block does not return");
    }

    /// <summary>The op at a block and index.</summary>
    public ExtensionOp this[int block, int index] => Blocks[block][index];
}

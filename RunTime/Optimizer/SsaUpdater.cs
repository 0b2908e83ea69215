using PeJit.IR;
using PeJit.IR.Graphs;

namespace PeJit.Optimizer;

/// <summary>
/// One variable written in several places, read as an SSA value anywhere: the value reaching the start of a
/// block is the one defined at the end of its only predecessor, or a new parameter of the block taking, from
/// each jump, the value reaching the end of the jump's block. Braun et al.'s construction ("Simple and
/// Efficient Construction of Static Single Assignment Form") on a finished graph, whose blocks are all sealed.
/// </summary>
/// <remarks>
/// Definitions are given per block end before any read (<see cref="DefineAtEnd"/>); reads must only walk back
/// to blocks whose definitions are given or where the variable is defined on every path (the callers make
/// sure of it). The parameters made may be trivial (all jumps pass the same value):
/// <see cref="PeJit.IR.Transforms.TrivialParameters"/> removes them afterwards.
/// </remarks>
internal sealed class SsaUpdater
{
    private readonly FlowGraph graph;
    private readonly IrType type;
    private readonly string? name;
    private readonly Func<Block, IReadOnlyList<Edge>> edgesInto;
    private readonly BlockSet? touched;
    private readonly BlockToValueMap atEnd = new();
    private readonly BlockToValueMap atStart = new();

    /// <summary>Creates an updater for a variable of <paramref name="type"/>.</summary>
    /// <param name="graph">The graph.</param>
    /// <param name="type">The type of the parameters made.</param>
    /// <param name="name">Their name, for people.</param>
    /// <param name="edgesInto">The jumps into a block, as the graph is when the reads walk it.</param>
    /// <param name="touched">Where to record the blocks that get a parameter and those whose jumps get an argument, for an index of uses to look at them again.</param>
    public SsaUpdater(FlowGraph graph, IrType type, string? name, Func<Block, IReadOnlyList<Edge>> edgesInto, BlockSet? touched = null)
    {
        this.graph = graph;
        this.type = type;
        this.name = name;
        this.edgesInto = edgesInto;
        this.touched = touched;
    }

    /// <summary>The variable holds <paramref name="value"/> at the end of <paramref name="block"/>.</summary>
    public void DefineAtEnd(Block block, Value value) => atEnd[block] = value;

    /// <summary>The variable holds <paramref name="value"/> (a parameter of <paramref name="block"/>) at its start.</summary>
    public void DefineAtStart(Block block, Value value) => atStart[block] = value;

    /// <summary>The value the variable holds at the end of <paramref name="block"/>.</summary>
    public Value ReadAtEnd(Block block) => atEnd.TryGetValue(block, out var value) ? value : ReadAtStart(block);

    /// <summary>The value the variable holds at the start of <paramref name="block"/>.</summary>
    public Value ReadAtStart(Block block)
    {
        if (atStart.TryGetValue(block, out var known)) return known;
        var edges = edgesInto(block);
        if (edges.Count == 0)
            throw new InvalidOperationException($"the variable is read at {block}, which no jump reaches and where it is not defined");
        if (edges.Count == 1) return atStart[block] = ReadAtEnd(edges[0].Source);
        // Recorded before the jumps are asked, so a cycle back to this block finds the parameter.
        var parameter = graph.AddParameter(block, type, name);
        atStart[block] = parameter;
        touched?.Add(block);
        foreach (var edge in edges)
        {
            edge.Call.Arguments.Add(ReadAtEnd(edge.Source));
            touched?.Add(edge.Source);
        }
        return parameter;
    }
}

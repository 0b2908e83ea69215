using PeJit.IR;
using PeJit.IR.Graphs;

namespace PeJit.Optimizer;

/// <summary>
/// The block before a loop's header that only jumps to it, where code that runs once per entry of the loop goes
/// (memory promotion's loads and guards, hoisted invariants).
/// </summary>
internal static class Preheaders
{
    /// <summary>
    /// The one block entering <paramref name="header"/> from outside the loop when it ends in a plain jump, else a new
    /// block that takes the header's parameters and jumps there, which every entering edge now targets.
    /// </summary>
    /// <param name="graph">The graph.</param>
    /// <param name="header">The loop's header.</param>
    /// <param name="entering">The edges into the header from outside the loop.</param>
    /// <param name="made">Whether the block is new (the caller then records the edges' sources as changed).</param>
    public static Block Of(FlowGraph graph, Block header, IReadOnlyList<Edge> entering, out bool made)
    {
        made = false;
        if (entering.Count == 1 && graph[entering[0].Source].Terminator!.Opcode == Opcode.Jump) return entering[0].Source;
        var preheader = graph.AddBlock();
        var arguments = new List<Value>();
        foreach (var parameter in graph[header].Parameters) arguments.Add(graph.AddParameter(preheader, graph.TypeOf(parameter), graph[parameter].Name));
        foreach (var edge in entering) edge.Call.Target = preheader;
        graph.Append(preheader, new Instruction(Opcode.Jump) { Targets = { new BlockCall(header, arguments) } });
        made = true;
        return preheader;
    }
}

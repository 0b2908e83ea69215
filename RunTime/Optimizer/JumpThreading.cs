using PeJit.IR;

namespace PeJit.Optimizer;

/// <summary>
/// Sends every jump, branch edge and switch case that goes to a block holding nothing but a jump on to that jump's
/// target, with the arguments the forwarding jump would have passed. The specializer and the passes leave many such
/// blocks (a decided branch's side, the join of an inlined helper's paths, an edge split for arguments); the backend
/// would emit each as a basic block of its own, and RyuJIT compiles a method with more than 2,000 basic blocks (or
/// 8,000 references to locals and arguments) without optimizations (<c>Docs/PERFORMANCE.md</c>, "Why Lua's nbody was
/// slower than plain"), so a large unit loses every register and every inlined call for blocks that do nothing.
/// </summary>
/// <remarks>
/// Strategy: one scan finds the forwarding blocks (not the entry, outside exception regions, exactly one
/// instruction: a <c>jump</c> to another block, and parameters used by nothing but that jump: a block that only
/// jumps may still define values the blocks it dominates use, a loop header's parameters); then every edge is followed along them, at most
/// <see cref="MaxChain"/> steps (a cycle of forwarding blocks is an endless loop of the program and stays). An
/// argument of the forwarding jump that is one of its block's parameters becomes what the edge passed for that
/// parameter; any other argument is defined outside the forwarding block, so it dominates the block, and therefore
/// every predecessor's end: the edge may pass it directly. The blocks no edge reaches any more are removed.
/// Cost: linear in the graph's size (each edge follows at most <see cref="MaxChain"/> blocks).
/// </remarks>
internal static class JumpThreading
{
    /// <summary>How many forwarding blocks one edge is followed through: chains are short; a cycle must not hang.</summary>
    private const int MaxChain = 16;

    public static void Run(FlowGraph graph)
    {
        var forwards = new BlockCall?[graph.BlockCount];
        ValueToIndexMap? uses = null;
        bool any = false;
        foreach (var block in graph.Blocks)
        {
            var data = graph[block];
            if (block == FlowGraph.Entry || data.Try is not null || data.HandlerOf is not null || data.Instructions.Count != 1) continue;
            if (data.Instructions[0] is not { Opcode: Opcode.Jump } jump || jump.Targets[0].Target == block) continue;
            var target = graph[jump.Targets[0].Target];
            if (target.Try is not null || target.HandlerOf is not null) continue;
            // A parameter the blocks the forwarding block dominates use (a loop header that only jumps into its body)
            // would lose its definition with the block: such a block stays.
            uses ??= GraphEdits.UseCounts(graph);
            if (!ParametersOnlyPassedOn(data.Parameters, jump.Targets[0], uses)) continue;
            forwards[block.Index] = jump.Targets[0];
            any = true;
        }
        if (!any) return;

        bool threaded = false;
        foreach (var block in graph.Blocks)
        {
            var data = graph[block];
            if (data.Terminator is not { } terminator || data.Try is not null || data.HandlerOf is not null) continue;
            foreach (var edge in terminator.Targets)
                for (int step = 0; step < MaxChain && forwards[edge.Target.Index] is { } forward && forward.Target != block; step++)
                {
                    var parameters = graph[edge.Target].Parameters;
                    var arguments = new Value[forward.Arguments.Count];
                    for (int i = 0; i < arguments.Length; i++)
                    {
                        int parameter = GraphEdits.IndexOf(parameters, forward.Arguments[i]);
                        arguments[i] = parameter >= 0 ? edge.Arguments[parameter] : forward.Arguments[i];
                    }
                    edge.Target = forward.Target;
                    edge.Arguments.Clear();
                    edge.Arguments.AddRange(arguments);
                    threaded = true;
                }
        }
        if (threaded) GraphEdits.RemoveUnreachable(graph);
    }

    /// <summary>True when every use of each of <paramref name="parameters"/> is an argument of <paramref name="jump"/>.</summary>
    private static bool ParametersOnlyPassedOn(List<Value> parameters, BlockCall jump, ValueToIndexMap uses)
    {
        foreach (var parameter in parameters)
        {
            int passed = 0;
            foreach (var argument in jump.Arguments)
                if (argument.Index == parameter.Index) passed++;
            if (uses.TryGetValue(parameter, out int used) && used != passed) return false;
        }
        return true;
    }
}

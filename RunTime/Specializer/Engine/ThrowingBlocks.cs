using PeJit.IR;
using PeJit.Specializer.Extension;

namespace PeJit.Specializer.Engine;

/// <summary>
/// The blocks of a graph from which every path ends in a <c>throw</c>: an interpreter's error paths (build the
/// message, make the exception, throw it). A call in such a block is cold: specializing it (inlining the message
/// building, say) only makes the unit bigger, and a big unit is compiled worse (.NET compiles a method past
/// 60,000 IL bytes without optimizations), so the engine leaves it a residual call of the original method.
/// Computed once per graph, kept with it.
/// </summary>
/// <remarks>
/// Least fixed point, backwards: a block is throwing when it ends in <c>throw</c>/<c>rethrow</c>, or in a jump or
/// branch whose every target is throwing; a block that holds a merge point never is (the step goes on at the next
/// key there). A cycle with no way out stays not throwing. Cost: O(blocks x edges) in the worst case, O(blocks +
/// edges) per round and a round per nesting of the error paths in practice.
/// </remarks>
internal static class ThrowingBlocks
{
    /// <summary>For each block of <paramref name="extension"/>, whether every path from it ends in a throw.</summary>
    public static bool[] Compute(ExtensionGraph extension)
    {
        var graph = extension.Graph;
        int count = graph.BlockCount;
        var throwing = new bool[count];
        bool changed = true;
        while (changed)
        {
            changed = false;
            for (int b = count - 1; b >= 0; b--)
            {
                if (throwing[b]) continue;
                var data = graph[new Block(b)];
                if (data.Terminator is not { } terminator || HoldsMergePoint(extension, b)) continue;
                bool ends = terminator.Opcode is Opcode.Throw or Opcode.Rethrow
                    || terminator.Opcode is Opcode.Jump or Opcode.BrIf or Opcode.Switch
                        && terminator.Targets.Count > 0 && terminator.Targets.All(t => throwing[t.Target.Index]);
                if (!ends) continue;
                throwing[b] = true;
                changed = true;
            }
        }
        return throwing;
    }

    private static bool HoldsMergePoint(ExtensionGraph graph, int block) =>
        graph.Blocks[block].Any(op => op.Treatment is CallTreatment.MergePoint);
}

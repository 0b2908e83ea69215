using PeJit.IR;

namespace PeJit.Analysis.BindingTimes;

/// <summary>
/// Whether a loop that can exit on a red value is still bounded by a green exit, so that it can be unrolled
/// while specializing instead of generalized (rule 6 of <see cref="ContextAnalyzer"/>).
/// </summary>
/// <remarks>
/// Strategy: a loop is unrolled when all its exits are green: its carried values are green, and the green
/// exit test ends it (the same trust the analysis gives any loop over green data, bounded at run time by
/// <c>MaxStepsPerPath</c>). A red exit adds no iteration: it only leaves the loop earlier, and each unrolled
/// turn splits into the path that leaves and the path that goes on. So a loop with a red exit is unrolled
/// as well when it also has a green exit whose condition is computed, inside the loop, from a value the loop
/// carries (the loop's counter against a green bound: <c>foreach (var s in statements) if (Run(s)) return;</c>
/// over a green array). A green exit on a value the loop does not carry would be taken on the first turn or
/// never, so it bounds nothing, and such a loop is generalized as before.
/// </remarks>
internal static class GreenLoopBound
{
    // How far back from an exit's condition to look for a carried value: a comparison, a conversion, a
    // length read, an increment.
    private const int Depth = 8;

    /// <summary>True when some exit of <paramref name="loop"/> branches on a green condition computed from a value the loop carries.</summary>
    public static bool HasGreenBound(FlowGraph flow, LoopFinder.Loop loop, Func<Value, bool> isRed)
    {
        var inside = new HashSet<Instruction>(loop.Blocks.SelectMany(b => flow[b].Instructions), ReferenceEqualityComparer.Instance);
        var carried = new HashSet<Value>(flow[loop.Header].Parameters);
        foreach (var exit in loop.Exits)
        {
            if (exit.Opcode is not (Opcode.BrIf or Opcode.Switch) || isRed(exit.Operands[0])) continue;
            if (DependsOnCarried(flow, exit.Operands[0], inside, carried, Depth)) return true;
        }
        return false;
    }

    private static bool DependsOnCarried(FlowGraph flow, Value value, HashSet<Instruction> inside, HashSet<Value> carried, int depth)
    {
        if (carried.Contains(value)) return true;
        if (depth == 0 || flow[value].DefiningInstruction is not { } definition || !inside.Contains(definition)) return false;
        foreach (var operand in definition.Operands)
            if (DependsOnCarried(flow, operand, inside, carried, depth - 1)) return true;
        return false;
    }
}

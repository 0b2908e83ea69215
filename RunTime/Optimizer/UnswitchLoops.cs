using PeJit.IR;
using PeJit.IR.Graphs;

namespace PeJit.Optimizer;

/// <summary>
/// Loop unswitching: a loop that branches on a condition it does not compute (a value defined before the loop, such as
/// an interpreted <c>for</c> loop's <c>step &gt; 0</c>, which hoisting moved out) is copied, and the test runs once, before
/// the loop: its true side enters the loop, in which every branch on the condition is a jump to its true target, its
/// false side the copy, in which every such branch jumps to its false target. Each turn then makes one test fewer, and
/// the blocks of the side not taken go from each version.
/// </summary>
/// <remarks>
/// <para>Why: the residual code of an interpreted loop keeps the interpreter's tests of values the loop never changes
/// (Lua's <c>ForLoop</c> compares the counter with the limit by the step's sign, the step a register's value), and .NET's
/// JIT compiler does not unswitch loops: the test, often of a value kept in the stack frame, runs on every turn
/// (Docs/PERFORMANCE.md, "Lua `sieve`: the loops counted in machine instructions").</para>
/// <para>Sound: the condition is defined outside the loop and the loop cannot define it again (SSA), so it has the same
/// value on every turn of an entry, the value the test before the loop reads (its definition dominates the loop's header,
/// so the new test block, which every entering edge now goes through, sees it). Each version's paths are the loop's paths
/// for that value. The values the loop defines reach the blocks after it from either version, through block parameters
/// where the two meet (<see cref="LoopVersioning"/>).</para>
/// <para>Rules: <c>brif</c> only, on a value that is not a constant (the guards pass decides those) and that no block of
/// the loop defines; innermost loops first, the smallest first, then, with <c>PEJIT_UNSWITCH=nests</c>, the loops holding others, the outermost first (by default innermost loops only: <see cref="Nests"/> says why), a loop of at most
/// <see cref="MaxLoopInstructions"/> instructions, all copies together at most a <see cref="CopyShare"/>th of the graph's
/// instructions (at least <see cref="MinimumCopy"/>), at most <see cref="MaxUnswitches"/> loops per graph; not a loop whose header is the entry (no block can go before it), and
/// no graph with exception regions (the pipeline runs only region-safe passes there).</para>
/// <para>Cost: a scan for a loop-invariant branch after the loops are found (most graphs have none); then, per loop
/// unswitched, dominators, loops, a copy of the loop, its uses after it repaired (<see cref="LoopVersioning"/>), and the
/// unreachable blocks removed: linear in the graph per unswitch, and the unswitches are bounded.</para>
/// </remarks>
internal static class UnswitchLoops
{
    /// <summary>The most loops unswitched in one graph (each doubles a loop).</summary>
    private const int MaxUnswitches = 4;

    /// <summary>The largest loop copied.</summary>
    private const int MaxLoopInstructions = 2000;

    /// <summary>The share of the graph's instructions that all the copies together may add.</summary>
    private const int CopyShare = 4;

    /// <summary>The copies' budget for a small graph.</summary>
    private const int MinimumCopy = 256;

    /// <summary>Whether the pass runs: on unless <c>PEJIT_UNSWITCH=0</c> (to compare).</summary>
    public static bool Enabled { get; } = Environment.GetEnvironmentVariable("PEJIT_UNSWITCH") != "0";

    /// <summary>
    /// Whether a loop that holds other loops is unswitched too (<c>PEJIT_UNSWITCH=nests</c>): off by default. Copied, a nest
    /// copies its inner loops, and in a large unit's method RyuJIT then allocates the inner loop's registers worse: Lua
    /// <c>sieve</c>'s marking loop went from 26 to 34 instructions a turn when its outer <c>for</c> loop was unswitched,
    /// more than the outer loop's test saved. With the CIL backend's loop outlining (<c>PEJIT_OUTLINE_LOOPS=1</c>: the inner
    /// loop a method of its own, the outer one too) it is a gain, 10 fewer instructions per outer turn (Docs/PERFORMANCE.md,
    /// "Loop unswitching" and "Loops with one level of nesting"); both stay off until a quiet measurement shows the gain in time.
    /// </summary>
    public static bool Nests { get; } = Environment.GetEnvironmentVariable("PEJIT_UNSWITCH") == "nests";

    /// <summary>The order key of a loop holding others: after every innermost loop.</summary>
    private const int OuterKey = 1 << 24;

    /// <summary>The pass <c>unswitch</c>.</summary>
    public static void Run(FlowGraph graph)
    {
        if (!Enabled || graph.RegionCount > 0) return;
        int budget = Math.Max(MinimumCopy, graph.InstructionCount() / CopyShare);
        bool changed = false;
        for (int n = 0; n < MaxUnswitches && UnswitchOne(graph, ref budget); n++) changed = true;
        if (!changed) return;
        // A join whose other side went (the ternary of a for loop's sign test) is left with one jump in: merged, the
        // branch after it tests the compare itself.
        MergeBlocks.Run(graph);
        graph.Compact();
    }

    /// <summary>Unswitches the first loop with a branch on a condition it does not define; false when none is left.</summary>
    private static bool UnswitchOne(FlowGraph graph, ref int budget)
    {
        var dominators = Dominators.Compute(graph);
        var loops = NaturalLoop.Find(graph, dominators);
        if (loops.Count == 0) return false;
        var definedIn = LoopVersioning.DefiningBlocks(graph);
        // Innermost loops, the smallest first (their tests run most often: the budget goes to them first); then, with nests,
        // the loops holding others, the outermost first (a copied nest holds its inner loops unswitched already).
        foreach (var loop in GraphEdits.Ordered(loops, l => BarrierPaths.Innermost(l, loops) ? l.Blocks.Count : OuterKey + l.Depth))
        {
            if (loop.Header == FlowGraph.Entry || !Nests && !BarrierPaths.Innermost(loop, loops)) continue;
            int size = 0;
            var condition = default(Value);
            bool found = false; // not a Value?: a nullable of PeJit's struct is generic code .NET compiles on the first unit's path
            foreach (var block in loop.Blocks)
            {
                size += graph[block].Instructions.Count;
                if (!found && graph[block].Terminator is { Opcode: Opcode.BrIf } branch && Invariant(graph, loop, branch.Operands[0], definedIn))
                    (condition, found) = (branch.Operands[0], true);
            }
            if (!found || size > MaxLoopInstructions || size > budget) continue;
            budget -= size;
            Unswitch(graph, loop, condition);
            // The side not taken in each version goes now: the next round's copy repairs uses through the blocks that remain.
            GraphEdits.RemoveUnreachable(graph);
            return true;
        }
        return false;
    }

    /// <summary>Whether <paramref name="condition"/> is defined outside <paramref name="loop"/> and is not a constant.</summary>
    private static bool Invariant(FlowGraph graph, NaturalLoop loop, Value condition, int[] definedIn) =>
        definedIn[condition.Index] >= 0 && !LoopVersioning.DefinedIn(loop, condition, definedIn)
        && graph[condition].DefiningInstruction?.Opcode is not (Opcode.Const or Opcode.Null or Opcode.Default);

    /// <summary>
    /// Copies <paramref name="loop"/>, enters it when <paramref name="condition"/> is true and the copy otherwise (from a
    /// new block every entering edge goes to), and turns each version's branches on the condition into jumps.
    /// </summary>
    private static void Unswitch(FlowGraph graph, NaturalLoop loop, Value condition)
    {
        var header = loop.Header;
        // The test block first, so that the copy's repair sees every entering edge go through it.
        var test = graph.AddBlock();
        var arguments = new List<Value>();
        foreach (var parameter in graph[header].Parameters) arguments.Add(graph.AddParameter(test, graph.TypeOf(parameter), graph[parameter].Name));
        var location = SourceLocation.None;
        bool located = false;
        foreach (var block in graph.Blocks)
        {
            if (loop.Blocks.Contains(block) || block == test || graph[block].Terminator is not { } terminator) continue;
            foreach (var target in terminator.Targets)
                if (target.Target == header)
                {
                    target.Target = test;
                    if (!located) (location, located) = (terminator.Location, true);
                }
        }
        var copies = LoopVersioning.Copy(graph, loop, new PromotionIndex(graph));
        var branch = new Instruction(Opcode.BrIf, condition) { Location = location };
        branch.Targets.Add(new BlockCall(header, arguments));
        branch.Targets.Add(new BlockCall(copies[header], new List<Value>(arguments)));
        graph[test].Instructions.Add(branch);
        foreach (var block in loop.Blocks)
        {
            Decide(graph, block, condition, 0);
            Decide(graph, copies[block], condition, 1);
        }
    }

    /// <summary>A branch of <paramref name="block"/> on <paramref name="condition"/> becomes a jump to its target number <paramref name="side"/>.</summary>
    private static void Decide(FlowGraph graph, Block block, Value condition, int side)
    {
        var instructions = graph[block].Instructions;
        if (graph[block].Terminator is not { Opcode: Opcode.BrIf } branch || branch.Operands[0] != condition) return;
        var taken = branch.Targets[side];
        instructions[^1] = new Instruction(Opcode.Jump) { Location = branch.Location, Targets = { new BlockCall(taken.Target, taken.Arguments) } };
    }
}

using PeJit.IR;
using PeJit.IR.Graphs;

namespace PeJit.Tests.Examples;

/// <summary>
/// What one turn of a unit's hot loop still does, counted by kind of operation: the figure to hold against the
/// hand-written C# loop, which does only the program's arithmetic and its loop test.
/// </summary>
/// <param name="Loads">Field, element, static and indirect loads, and array lengths.</param>
/// <param name="Stores">Field, element, static and indirect stores.</param>
/// <param name="Calls">Calls, direct and virtual (a constructor counts as an allocation).</param>
/// <param name="Allocations">Objects (constructor calls), arrays and boxes made.</param>
/// <param name="TypeTests">Casts, type tests and unboxing.</param>
/// <param name="Branches">Conditional branches and switches (the loop test, guards, exits).</param>
/// <param name="Other">Everything else: arithmetic, compares, conversions, constants, jumps.</param>
/// <param name="Divisions">Of <paramref name="Other"/>, the integer divisions and remainders (a hardware division each).</param>
internal readonly record struct ResidualLoopCensus(int Loads, int Stores, int Calls, int Allocations, int TypeTests, int Branches, int Other, int Divisions = 0)
{
    /// <summary>Every instruction of the loop.</summary>
    public int Total => Loads + Stores + Calls + Allocations + TypeTests + Branches + Other;

    public override string ToString() =>
        $"{Total} instructions: {Loads} loads, {Stores} stores, {Calls} calls, {Allocations} allocations, {TypeTests} type tests, {Branches} branches, {Other} other ({Divisions} divisions)";

    /// <summary>
    /// The census of the hot loop of <paramref name="graph"/>: the loop whose header lies deepest in the dominator
    /// tree. A promoted loop is entered only after its preheader's guards, which dominate it; the unoptimized copy
    /// that a failing guard runs is entered from the first guard, so it lies higher up. All the loop's blocks are
    /// counted, so for a loop with several paths the figure is an upper bound on one turn.
    /// </summary>
    public static ResidualLoopCensus OfHotLoop(FlowGraph graph)
    {
        var dominators = Dominators.Compute(graph);
        int Depth(Block block)
        {
            int depth = 0;
            for (var b = dominators.ImmediateDominator(block); b is { } up; b = dominators.ImmediateDominator(up)) depth++;
            return depth;
        }
        var loops = NaturalLoop.Find(graph, dominators);
        if (loops.Count == 0) throw new InvalidOperationException($"{graph.Name} has no loop");
        var hot = loops.OrderByDescending(l => Depth(l.Header)).ThenBy(l => l.Header.Index).First();
        return Of(hot.Blocks.SelectMany(b => graph[b].Instructions));
    }

    /// <summary>Every loop of <paramref name="graph"/> with its census, in the order <see cref="NaturalLoop.Find(FlowGraph, Dominators)"/> gives them.</summary>
    public static List<(NaturalLoop Loop, ResidualLoopCensus Census)> Loops(FlowGraph graph) =>
        [.. NaturalLoop.Find(graph, Dominators.Compute(graph)).Select(l => (l, Of(l.Blocks.SelectMany(b => graph[b].Instructions))))];

    /// <summary>The census of <paramref name="instructions"/>.</summary>
    public static ResidualLoopCensus Of(IEnumerable<Instruction> instructions)
    {
        int loads = 0, stores = 0, calls = 0, allocations = 0, typeTests = 0, branches = 0, other = 0, divisions = 0;
        foreach (var instruction in instructions)
        {
            switch (instruction.Opcode)
            {
                case Opcode.LoadField or Opcode.LoadElement or Opcode.LoadStatic or Opcode.Load or Opcode.ArrayLength: loads++; break;
                case Opcode.StoreField or Opcode.StoreElement or Opcode.StoreStatic or Opcode.Store: stores++; break;
                case Opcode.Call or Opcode.CallVirt or Opcode.ConstrainedCall: calls++; break;
                case Opcode.NewObject or Opcode.NewArray or Opcode.Box or Opcode.Allocate: allocations++; break;
                case Opcode.IsInst or Opcode.CastClass or Opcode.Unbox or Opcode.UnboxAny: typeTests++; break;
                case Opcode.BrIf or Opcode.Switch: branches++; break;
                case Opcode.Div or Opcode.DivUn or Opcode.Rem or Opcode.RemUn: other++; divisions++; break;
                default: other++; break;
            }
        }
        return new(loads, stores, calls, allocations, typeTests, branches, other, divisions);
    }
}

using PeJit.IR;
using PeJit.IR.Graphs;
using PeJit.Optimizer;
using PeJit.Runtime;
using PeJit.Tests.Examples;

namespace PeJit.Tests.Optimizer;

/// <summary>
/// The pass <c>unswitch</c> (<see cref="UnswitchLoops"/>) on Lua <c>sieve</c>'s units: its <c>for</c> loops compare the
/// counter with the limit by the step's sign (the interpreter's <c>ForLoop</c>), a condition computed before the loop once
/// hoisting moved <c>step &gt; 0</c> out. Without the pass an innermost loop of the units (the filling loop) branches on it
/// on every turn; with it none does (a loop holding others, the outer <c>for</c>, keeps its test: <see cref="UnswitchLoops.Nests"/>).
/// Every run prints what the plain interpreter prints (<see cref="LuaJitRuns"/>). The pass's own cases are the file tests
/// <c>FileTests/unswitch/</c>.
/// </summary>
[TestClass]
public sealed class UnswitchLoopsTests
{
    private const long Size = 20000;

    /// <summary>The branches of the innermost loops of every unit that test a condition defined before the loop, printed.</summary>
    private static List<string> InvariantBranches(PortalJit jit)
    {
        var found = new List<string>();
        foreach (var unit in jit.Units)
        {
            var graph = unit.Unit.Residual;
            var definedIn = new Dictionary<Value, Block>();
            foreach (var block in graph.Blocks)
            {
                foreach (var parameter in graph[block].Parameters) definedIn[parameter] = block;
                foreach (var instruction in graph[block].Instructions)
                    if (instruction.Result is { } result) definedIn[result] = block;
            }
            var loops = NaturalLoop.Find(graph, Dominators.Compute(graph));
            foreach (var loop in loops.Where(l => !loops.Any(o => o != l && l.Blocks.Contains(o.Header))))
                foreach (var block in loop.Blocks)
                    if (graph[block].Terminator is { Opcode: Opcode.BrIf } branch
                        && definedIn.TryGetValue(branch.Operands[0], out var home) && !loop.Blocks.Contains(home)
                        && graph[branch.Operands[0]].DefiningInstruction?.Opcode is not Opcode.Const)
                        found.Add($"{graph.Name}: the loop at {loop.Header} branches in {block} on {branch.Operands[0]}, defined in {home}");
        }
        return found;
    }

    private static PortalJit Sieve(string? optimizations) =>
        LuaJitRuns.Run("sieve", Size, runs: 25, settings: log => new JitSettings { Threshold = 20, Strict = true, Log = log, Optimizations = optimizations }).Jit;

    [TestMethod]
    public void TheSievesInnermostLoopsBranchOnNoConditionFromBeforeThem()
    {
        var branches = InvariantBranches(Sieve(null));
        Assert.IsEmpty(branches, string.Join("\n", branches));
    }

    [TestMethod]
    public void WithoutThePassTheSievesFillingLoopTestsTheStepSignOnEveryTurn()
    {
        var others = string.Join(":", Pipeline.Passes.Select(p => p.Name).Where(n => n != "unswitch").Distinct());
        var branches = InvariantBranches(Sieve(others));
        Assert.IsNotEmpty(branches, "the sieve's innermost loops test no condition from before them even without unswitching: this test no longer tests the pass");
    }
}

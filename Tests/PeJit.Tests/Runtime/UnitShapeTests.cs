using PeJit.Runtime;
using PeJit.Specializer.Engine;
using static PeJit.AnalysisSubjects.RegisterVm;

namespace PeJit.Tests.Runtime;

/// <summary>
/// What a unit holds: the green keys on a cycle through its entry (the hot loop, nested loops included), not
/// everything reachable from it; the code after a loop is an exit, which links to a unit of its own once hot,
/// and which the loop's unit takes in (its tail, up to the next loop) once the loop is left often.
/// Each program also runs against the plain interpreter.
/// </summary>
[TestClass]
public sealed class UnitShapeTests
{
    private static readonly System.Reflection.MethodInfo Portal = typeof(PeJit.AnalysisSubjects.RegisterVm).GetMethod(nameof(Run))!;

    /// <summary>Loop A (instructions 0-2), a print, loop B (5-7), a print: r2 iterations each.</summary>
    private static readonly int[] TwoLoops =
    [
        Add, 0, 0, 4,           // 0: r0 += 1
        Add, 1, 1, 4,           // 1: r1 += 1
        JumpLess, 1, 2, 0,      // 2: loop A while r1 < r2
        Print, 0, 0, 0,         // 3
        Set, 1, 0, 0,           // 4: r1 = 0
        Add, 0, 0, 5,           // 5: r0 += r5
        Add, 1, 1, 4,           // 6: r1 += 1
        JumpLess, 1, 2, 5,      // 7: loop B while r1 < r2
        Print, 0, 0, 0,         // 8
        Halt, 0, 0, 0,          // 9
    ];

    /// <summary>An inner loop (1-3) inside an outer one (0-5): r2 inner iterations, r6 outer ones.</summary>
    private static readonly int[] Nested =
    [
        Set, 1, 0, 0,           // 0: r1 = 0
        Add, 0, 0, 4,           // 1: r0 += 1
        Add, 1, 1, 4,           // 2: r1 += 1
        JumpLess, 1, 2, 1,      // 3: inner loop while r1 < r2
        Add, 3, 3, 4,           // 4: r3 += 1
        JumpLess, 3, 6, 0,      // 5: outer loop while r3 < r6
        Print, 0, 0, 0,         // 6
        Halt, 0, 0, 0,          // 7
    ];

    private static long[] Registers(long count) => [0, 0, count, 0, 1, 10, 20, 0, 0, 0];

    private static (long Result, string Output) Plain(int[] code, long[] registers)
    {
        var output = new StringWriter();
        return (Run(code, registers, output), output.ToString());
    }

    private static (long Result, string Output) Jitted(PortalJit jit, int[] code, long[] registers)
    {
        var output = new StringWriter();
        return ((long)jit.Invoke(code, registers, output)!, output.ToString());
    }

    private static HashSet<int> Positions(CompiledUnit unit) => unit.Unit.Keys.Select(k => (int)k.Values[0]!).ToHashSet();

    private static CompiledUnit UnitAt(PortalJit jit, int pc) => jit.Units.Single(u => (int)u.Unit.Entry.Values[0]! == pc);

    [TestMethod]
    public void AUnitHoldsItsLoopAndLeavesWhereTheLoopEnds()
    {
        var jit = PortalJit.Create(Portal, new JitSettings { Threshold = 3 });
        Assert.AreEqual(Plain(TwoLoops, Registers(1000)), Jitted(jit, TwoLoops, Registers(1000)));

        var loopA = UnitAt(jit, 0);
        CollectionAssert.AreEquivalent(new[] { 0, 1, 2 }, Positions(loopA).ToArray(), "loop A's unit holds loop A only");
        var after = loopA.Unit.Exits.Single(e => (int)e.Key.Values[0]! == 3);
        StringAssert.Contains(after.Reason, "not on a cycle");
        CollectionAssert.AreEquivalent(new[] { 5, 6, 7 }, Positions(UnitAt(jit, 5)).ToArray(), "loop B has a unit of its own");
    }

    [TestMethod]
    public void WithoutTheCycleRuleAUnitHoldsEverythingReachable()
    {
        var settings = new JitSettings { Threshold = 3, Specialization = new SpecializationSettings { OnlyKeysOnCycle = false } };
        var jit = PortalJit.Create(Portal, settings);
        Assert.AreEqual(Plain(TwoLoops, Registers(1000)), Jitted(jit, TwoLoops, Registers(1000)));
        CollectionAssert.IsSubsetOf(new[] { 3, 4, 5, 6, 7, 8, 9 }, Positions(UnitAt(jit, 0)).ToArray(), "the eager unit runs on into loop B and the end");
    }

    [TestMethod]
    public void AnOuterLoopIsOnTheCycleOfItsInnerLoop()
    {
        var jit = PortalJit.Create(Portal, new JitSettings { Threshold = 3 });
        Assert.AreEqual(Plain(Nested, Registers(100)), Jitted(jit, Nested, Registers(100)));

        var inner = UnitAt(jit, 1);
        CollectionAssert.AreEquivalent(new[] { 0, 1, 2, 3, 4, 5 }, Positions(inner).ToArray(), "the outer loop comes back to the inner one");
        Assert.AreEqual(6, (int)inner.Unit.Exits.Single(e => e.Frames is null).Key.Values[0]!, "the only merge-point exit is after the outer loop");
    }

    [TestMethod]
    public void AHotExitGetsAUnitAndCompiledCodeGoesOnThere()
    {
        // No recompilation, so that loop A's unit does not take the code after it in (the next test).
        var jit = PortalJit.Create(Portal, new JitSettings { Threshold = 3, MaxRecompilesPerUnit = 0 });
        for (int run = 0; run < 5; run++)
            Assert.AreEqual(Plain(TwoLoops, Registers(200)), Jitted(jit, TwoLoops, Registers(200)), $"run {run}");

        // Instruction 3 is no CanEnterJit target (those are 0 and 5): its unit is entered only from loop A's exit.
        var loopA = UnitAt(jit, 0);
        var exit = loopA.Unit.Exits.Single(e => (int)e.Key.Values[0]! == 3);
        Assert.IsGreaterThanOrEqualTo(3L, loopA.TimesTaken(exit.Index));
        Assert.IsGreaterThan(0L, UnitAt(jit, 3).Entries, "the exit at instruction 3 links to the unit compiled there");
    }

    /// <summary>
    /// <see cref="TwoLoops"/> after a first instruction, so that no loop starts where the program does (a key at
    /// the portal's entry is a function's, whose unit holds the whole function anyway).
    /// </summary>
    private static readonly int[] TwoLoopsAfterAStart =
    [
        Set, 3, 0, 0,           // 0: r3 = 0
        Add, 0, 0, 4,           // 1: r0 += 1
        Add, 1, 1, 4,           // 2: r1 += 1
        JumpLess, 1, 2, 1,      // 3: loop A while r1 < r2
        Print, 0, 0, 0,         // 4
        Set, 1, 0, 0,           // 5: r1 = 0
        Add, 0, 0, 5,           // 6: r0 += r5
        Add, 1, 1, 4,           // 7: r1 += 1
        JumpLess, 1, 2, 6,      // 8: loop B while r1 < r2
        Print, 0, 0, 0,         // 9
        Halt, 0, 0, 0,          // 10
    ];

    [TestMethod]
    public void ALoopLeftOftenTakesInTheCodeAfterItUpToTheNextLoop()
    {
        var jit = PortalJit.Create(Portal, new JitSettings { Threshold = 3 });
        for (int run = 0; run < 8; run++)
            Assert.AreEqual(Plain(TwoLoopsAfterAStart, Registers(200)), Jitted(jit, TwoLoopsAfterAStart, Registers(200)), $"run {run}");

        // Loop A was left at instruction 4 once per run: its unit now runs on through the print and the reset, and
        // leaves only where loop B starts, which has a unit of its own.
        var loopA = UnitAt(jit, 1);
        CollectionAssert.AreEquivalent(new[] { 4 }, loopA.Unit.Tails.Select(k => (int)k.Values[0]!).ToArray());
        CollectionAssert.AreEquivalent(new[] { 1, 2, 3, 4, 5 }, Positions(loopA).ToArray(), "loop A and the code after it, up to loop B");
        Assert.AreEqual(6, (int)loopA.Unit.Exits.Single(e => e.Frames is null).Key.Values[0]!, "the loop's unit leaves at the next loop only");

        // Loop B's tail is the print and the halt: its unit returns the program's result itself.
        var loopB = UnitAt(jit, 6);
        CollectionAssert.AreEquivalent(new[] { 6, 7, 8, 9, 10 }, Positions(loopB).ToArray(), "loop B and the code after it, to the end");
        Assert.IsFalse(loopB.Unit.Exits.Any(e => e.Frames is null), "nothing after loop B is left to the interpreter");
        Assert.AreEqual(0L, loopB.ExitsTaken, "the runs after the grown unit was compiled returned from it");
        Assert.IsGreaterThan(0L, loopB.Entries);
    }

    [TestMethod]
    public void ARarelyLeftLoopKeepsItsExit()
    {
        // One run: loop A is left once, far below the threshold, so the code after it is not compiled into it.
        var jit = PortalJit.Create(Portal, new JitSettings { Threshold = 3 });
        Assert.AreEqual(Plain(TwoLoops, Registers(200)), Jitted(jit, TwoLoops, Registers(200)));
        var loopA = UnitAt(jit, 0);
        Assert.AreEqual(0, loopA.Unit.Tails.Count);
        Assert.IsTrue(loopA.Unit.Exits.Single(e => (int)e.Key.Values[0]! == 3).LeavesLoop);
    }
}

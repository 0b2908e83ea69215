using PeJit.Backends.Amd64;
using PeJit.Runtime;
using static PeJit.AnalysisSubjects.RegisterVm;

namespace PeJit.Tests.Runtime;

/// <summary>
/// Bridges (<see cref="JitSettings.Bridges"/>): a native unit whose loop is left a threshold's times at one exit gets
/// the code after its loop compiled alone and attached there, instead of being specialized again whole. Every run is
/// compared with the plain interpreter; compilations are counted, so that a recompilation of the unit would show.
/// </summary>
[TestClass]
public sealed class NativeBridgeTests
{
    private static readonly System.Reflection.MethodInfo Portal = typeof(PeJit.AnalysisSubjects.RegisterVm).GetMethod(nameof(Run))!;

    /// <summary>Loop A (1-3), straight-line code (4-5), loop B (6-8), more straight-line code and the end: no output, all native.</summary>
    private static readonly int[] TwoLoops =
    [
        Set, 3, 0, 0,           // 0: r3 = 0
        Add, 0, 0, 4,           // 1: r0 += 1
        Add, 1, 1, 4,           // 2: r1 += 1
        JumpLess, 1, 2, 1,      // 3: loop A while r1 < r2
        Add, 7, 7, 0,           // 4: r7 += r0
        Set, 1, 0, 0,           // 5: r1 = 0
        Add, 0, 0, 5,           // 6: r0 += r5
        Add, 1, 1, 4,           // 7: r1 += 1
        JumpLess, 1, 2, 6,      // 8: loop B while r1 < r2
        Add, 0, 0, 7,           // 9: r0 += r7
        Halt, 0, 0, 0,          // 10
    ];

    /// <summary>The same with a print after each loop: the bridge's tail writes to the output (managed code).</summary>
    private static readonly int[] TwoLoopsPrinting =
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

    private static long[] Registers(long count) => [0, 0, count, 0, 1, 10, 20, 0, 0, 0];

    private static (long Result, string Output, string Registers) Plain(int[] code, long[] registers)
    {
        var output = new StringWriter();
        return (Run(code, registers, output), output.ToString(), string.Join(",", registers));
    }

    private static (long Result, string Output, string Registers) Jitted(PortalJit jit, int[] code, long[] registers)
    {
        var output = new StringWriter();
        return ((long)jit.Invoke(code, registers, output)!, output.ToString(), string.Join(",", registers));
    }

    private static CompiledUnit UnitAt(PortalJit jit, int pc) => jit.Units.Single(u => (int)u.Unit.Entry.Values[0]! == pc);

    private static PortalJit RunAll(int[] code, bool bridges, int runs = 8)
    {
        var jit = PortalJit.Create(Portal, new JitSettings { Threshold = 3, Bridges = bridges }, "amd64");
        for (int run = 0; run < runs; run++)
            Assert.AreEqual(Plain(code, Registers(200 + run)), Jitted(jit, code, Registers(200 + run)), $"run {run}");
        return jit;
    }

    [TestMethod]
    public void AHotExitOfANativeUnitGetsABridgeAndTheUnitIsNotRecompiled()
    {
        if (!PeJit.Backends.Amd64.Memory.CodePool.Available) Assert.Inconclusive("the AMD64 backend runs on linux-x64 only");
        var jit = RunAll(TwoLoops, bridges: true);

        var loopA = UnitAt(jit, 1);
        Assert.IsInstanceOfType<Amd64CompiledCode>(loopA.Code);
        Assert.AreEqual(0, loopA.Recompilations, "the unit is not specialized again");
        Assert.AreEqual(0, loopA.Unit.Tails.Count, "the code after the loop is the bridge's, not the unit's");
        var exit = loopA.Unit.Exits.Single(e => (int)e.Key.Values[0]! == 4);
        Assert.IsTrue(exit.LeavesLoop);
        var bridge = loopA.BridgeAt(exit.Index);
        Assert.IsNotNull(bridge, "the exit taken a threshold's times has a bridge");
        Assert.AreEqual(4, (int)bridge.Unit.Entry.Values[0]!);
        CollectionAssert.AreEquivalent(new[] { 4, 5 }, bridge.Unit.Keys.Select(k => (int)k.Values[0]!).ToArray(), "the bridge runs from the exit to the next loop");
        Assert.AreEqual("amd64", bridge.Code.Backend, "the bridge is native code too (its entry block split before the boxing)");
        Assert.IsGreaterThanOrEqualTo(8L - 3, bridge.Entries, "every run after the bridge went on in it");
        // Loop B is left at the end just as often: its unit gets a bridge to the program's end.
        var loopB = UnitAt(jit, 6);
        Assert.AreEqual(9, (int)loopB.Bridges.Single().Unit.Entry.Values[0]!);
        Assert.AreEqual(2L, jit.Runtime.BridgesAttached);
        Assert.AreEqual(2L, jit.Runtime.NativeBridges, "both are entered natively, through an adapter at the exit's target slot");
        var native = (Amd64CompiledCode)loopA.Code;
        var transitions = native.Function.Exits.Where(e => e.Reason == PeJit.Backends.Amd64.Lowering.ExitReason.Transition).ToList();
        Assert.IsTrue(transitions.Any(e => native.ExitTarget(e.Number) != native.ExitStub(e.Number)), "an exit's slot points at the bridge's adapter");
        Assert.IsFalse(jit.Units.Any(u => u.Recompilations > 0), "no unit was compiled again");
        Assert.AreEqual(jit.Units.Count + 2, jit.Runtime.Compilations, "one compilation per unit, and one per bridge");
        Assert.IsFalse(jit.Units.Any(u => (int)u.Unit.Entry.Values[0]! is 4 or 9), "an exit's key is not counted into a unit of its own once it has a bridge");
    }

    [TestMethod]
    public void WithoutBridgesTheUnitIsSpecializedAgainWithItsTail()
    {
        if (!PeJit.Backends.Amd64.Memory.CodePool.Available) Assert.Inconclusive("the AMD64 backend runs on linux-x64 only");
        var jit = RunAll(TwoLoops, bridges: false);
        var loopA = UnitAt(jit, 1);
        Assert.AreEqual(1, loopA.Recompilations);
        Assert.AreEqual(0, loopA.Bridges.Count);
        Assert.AreEqual(0L, jit.Runtime.BridgesAttached);
    }

    [TestMethod]
    public void ABridgeWhoseTailWritesOutputPrintsAsTheInterpreterDoes()
    {
        if (!PeJit.Backends.Amd64.Memory.CodePool.Available) Assert.Inconclusive("the AMD64 backend runs on linux-x64 only");
        var jit = RunAll(TwoLoopsPrinting, bridges: true);
        var loopA = UnitAt(jit, 1);
        Assert.AreEqual(0, loopA.Recompilations);
        Assert.AreEqual(1, loopA.Bridges.Count);
        Assert.IsGreaterThan(0L, loopA.Bridges[0].Entries);
    }

    [TestMethod]
    public void ADroppedUnitDropsItsBridges()
    {
        if (!PeJit.Backends.Amd64.Memory.CodePool.Available) Assert.Inconclusive("the AMD64 backend runs on linux-x64 only");
        var jit = RunAll(TwoLoops, bridges: true);
        var loopA = UnitAt(jit, 1);
        var bridge = (Amd64CompiledCode)loopA.Bridges.Single().Code;
        var native = (Amd64CompiledCode)loopA.Code;
        loopA.Drop();
        Assert.IsTrue(native.Native.IsFreed, "no thread is inside: the unit's memory is freed at once");
        Assert.IsTrue(bridge.Native.IsFreed, "and its bridge's with it, which the unit's code jumped into");
    }

    /// <summary>A stack VM function whose loop sums, then computes on after it; main calls it in a loop.</summary>
    private const string StackVmSource = """
        func work 1 3
            push 0
            store 1
            push 0
            store 2
        loop:
            load 2
            load 1
            add
            store 2
            load 1
            push 1
            add
            dup
            store 1
            load 0
            lt
            jnz loop
            load 2
            push 3
            mul
            load 1
            add
            ret
        end
        func main 1 3
            push 0
            store 1
            push 0
            store 2
        again:
            load 2
            load 1
            call work
            add
            store 2
            load 1
            push 1
            add
            dup
            store 1
            load 0
            lt
            jnz again
            load 2
            print
            load 2
            ret
        end
        """;

    [TestMethod]
    public void AStackVmFunctionsLoopGetsABridge()
    {
        if (!PeJit.Backends.Amd64.Memory.CodePool.Available) Assert.Inconclusive("the AMD64 backend runs on linux-x64 only");
        var plain = new StringWriter();
        long expected = PeJit.Examples.StackVm.Runner.Run(StackVmSource, plain, 40);
        var log = new StringWriter();
        // auto: the stack VM's bridge reads its stack through a field of the frame in its entry block, a read the stub
        // makes before native code runs (RunTime/Backends/README.md, "Bridges"), so it is native and entered natively.
        var jit = PortalJit.Create(PeJit.Examples.StackVm.Runner.Portal, new JitSettings { Threshold = 3, Bridges = true, Log = log }, "auto");
        var output = new StringWriter();
        Assert.AreEqual(expected, (long)jit.Invoke(PeJit.Examples.StackVm.Runner.PortalArguments(StackVmSource, output, 40))!);
        Assert.AreEqual(plain.ToString(), output.ToString());
        Assert.IsGreaterThanOrEqualTo(1L, jit.Runtime.BridgesAttached);
        Assert.IsTrue(jit.Units.Any(u => u.Code.Backend == "amd64" && u.Bridges.Any(b => b.Code.Backend == "amd64")), "a native unit has a bridge that is an amd64 unit too");
        Assert.AreEqual(jit.Runtime.BridgesAttached, jit.Runtime.NativeBridges, "every bridge is entered natively");
        Assert.IsFalse(jit.Units.Any(u => u.Recompilations > 0), "no unit was compiled again");
    }

    /// <summary>Loop A, then a division by r9 in the code after it (the bridge), loop B, the end.</summary>
    private static readonly int[] DivisionAfterTheLoop =
    [
        Set, 3, 0, 0,           // 0: r3 = 0
        Add, 0, 0, 4,           // 1: r0 += 1
        Add, 1, 1, 4,           // 2: r1 += 1
        JumpLess, 1, 2, 1,      // 3: loop A while r1 < r2
        Div, 7, 0, 9,           // 4: r7 = r0 / r9
        Set, 1, 0, 0,           // 5: r1 = 0
        Add, 0, 0, 7,           // 6: r0 += r7
        Add, 1, 1, 4,           // 7: r1 += 1
        JumpLess, 1, 2, 6,      // 8: loop B while r1 < r2
        Halt, 0, 0, 0,          // 9
    ];

    [TestMethod]
    public void ABridgeEnteredNativelyThrowsWhatTheInterpreterThrows()
    {
        if (!PeJit.Backends.Amd64.Memory.CodePool.Available) Assert.Inconclusive("the AMD64 backend runs on linux-x64 only");
        var jit = PortalJit.Create(Portal, new JitSettings { Threshold = 3, Bridges = true }, "amd64");
        long[] With(long divisor, long count)
        {
            var registers = Registers(count);
            registers[9] = divisor;
            return registers;
        }
        for (int run = 0; run < 6; run++)
            Assert.AreEqual(Plain(DivisionAfterTheLoop, With(run + 1, 100)), Jitted(jit, DivisionAfterTheLoop, With(run + 1, 100)), $"run {run}");
        Assert.IsGreaterThanOrEqualTo(1L, jit.Runtime.NativeBridges, "the bridge is entered natively");
        // r9 = 0: the bridge's division guard exits, and its stub throws as the interpreter does, after loop A ran.
        var plain = With(0, 100);
        Assert.ThrowsExactly<DivideByZeroException>(() => Run(DivisionAfterTheLoop, plain, TextWriter.Null));
        var jitted = With(0, 100);
        Assert.ThrowsExactly<DivideByZeroException>(() => jit.Invoke(DivisionAfterTheLoop, jitted, TextWriter.Null));
        CollectionAssert.AreEqual(plain, jitted, "the registers as the interpreter left them");
        // And the next run, on the same thread, returns normally (the exit buffer was left clear).
        Assert.AreEqual(Plain(DivisionAfterTheLoop, With(2, 50)), Jitted(jit, DivisionAfterTheLoop, With(2, 50)));
    }

    [TestMethod]
    public void ThreadsRunningAUnitAtOnceGoOnInItsBridgeAlike()
    {
        if (!PeJit.Backends.Amd64.Memory.CodePool.Available) Assert.Inconclusive("the AMD64 backend runs on linux-x64 only");
        var jit = RunAll(TwoLoops, bridges: true, runs: 4);
        Assert.AreEqual(2L, jit.Runtime.NativeBridges);
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        var threads = Enumerable.Range(0, 2).Select(t => new Thread(() =>
        {
            for (int run = 0; run < 40; run++)
            {
                var expected = Plain(TwoLoops, Registers(50 + run + t));
                var actual = Jitted(jit, TwoLoops, Registers(50 + run + t));
                if (expected != actual) failures.Add($"thread {t}, run {run}: {actual} instead of {expected}");
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.IsEmpty(failures, string.Join("; ", failures));
        Assert.IsGreaterThanOrEqualTo(80L, UnitAt(jit, 1).BridgeAt(UnitAt(jit, 1).Unit.Exits.Single(e => (int)e.Key.Values[0]! == 4).Index)!.Entries);
    }

    /// <summary>Loop A, straight-line code that reads both integers the loop changed, loop B, the end.</summary>
    private static int[] Accumulating(int divisorOffset) =>
    [
        PeJit.TestSubjects.AccumulatorVm.Reset, 0,     // 0
        PeJit.TestSubjects.AccumulatorVm.Count, 0,     // 1: i++
        PeJit.TestSubjects.AccumulatorVm.AddCount, 3,  // 2: acc += 3i
        PeJit.TestSubjects.AccumulatorVm.Loop, 1,      // 3: loop A while i < n
        PeJit.TestSubjects.AccumulatorVm.Xor, 5,       // 4: acc ^= 5
        PeJit.TestSubjects.AccumulatorVm.Divide, divisorOffset, // 5: acc /= n - divisorOffset
        PeJit.TestSubjects.AccumulatorVm.AddCount, 7,  // 6: acc += 7i
        PeJit.TestSubjects.AccumulatorVm.Reset, 0,     // 7: i = 0
        PeJit.TestSubjects.AccumulatorVm.Count, 0,     // 8: i++
        PeJit.TestSubjects.AccumulatorVm.AddCount, 1,  // 9: acc += i
        PeJit.TestSubjects.AccumulatorVm.Loop, 8,      // 10: loop B while i < n
        PeJit.TestSubjects.AccumulatorVm.Halt, 0,      // 11
    ];

    [TestMethod]
    public void ABridgeEnteredNativelyTakesTheExitsIntegersFromWhereTheAllocationPutThem()
    {
        if (!PeJit.Backends.Amd64.Memory.CodePool.Available) Assert.Inconclusive("the AMD64 backend runs on linux-x64 only");
        var portal = typeof(PeJit.TestSubjects.AccumulatorVm).GetMethod(nameof(PeJit.TestSubjects.AccumulatorVm.Run))!;
        var jit = PortalJit.Create(portal, new JitSettings { Threshold = 3, Bridges = true }, "amd64");
        var code = Accumulating(50);
        for (int run = 0; run < 8; run++)
            Assert.AreEqual(PeJit.TestSubjects.AccumulatorVm.Run(code, 100 + run), (long)jit.Invoke(code, 100L + run)!, $"run {run}");
        Assert.IsGreaterThanOrEqualTo(1L, jit.Runtime.NativeBridges, "the bridge is entered natively");
        Assert.IsFalse(jit.Units.Any(u => u.Recompilations > 0), "no unit was compiled again");
        // n = 50: the bridge's division by n - 50 exits at its guard, after loop A ran natively.
        Assert.ThrowsExactly<DivideByZeroException>(() => PeJit.TestSubjects.AccumulatorVm.Run(code, 50));
        Assert.ThrowsExactly<DivideByZeroException>(() => jit.Invoke(code, 50L));
        Assert.AreEqual(PeJit.TestSubjects.AccumulatorVm.Run(code, 70), (long)jit.Invoke(code, 70L)!);
    }
}

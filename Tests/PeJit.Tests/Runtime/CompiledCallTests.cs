using PeJit.IR;
using PeJit.Runtime;
using PeJit.Specializer.Engine;
using Vm = PeJit.Examples.StackVm;
using static PeJit.Tests.Runtime.StackVmRuns;

namespace PeJit.Tests.Runtime;

/// <summary>
/// Functions without loops get compiled (the portal's entry counts like <c>Jit.CanEnterJit</c>), and an
/// interpreted call from compiled code calls the callee's unit through a call cell, falling back to the portal:
/// differential first (JIT-enabled against the plain interpreter), then the shape of the residual call.
/// </summary>
[TestClass]
public sealed class CompiledCallTests
{
    private static readonly string Fib = Vm.Programs.Source("fib");

    /// <summary>A recursive function whose deepest calls divide by zero: the exception escapes compiled callees.</summary>
    internal const string Throwing = """
        func down 1 1
            load 0
            jz boom
            load 0
            push 1
            sub
            call down
            push 1
            add
            ret
        boom:
            push 1
            load 0
            div
            ret
        end
        func main 1 1
            load 0
            call down
            print
            ret
        end
        """;

    private static int EntryOf(string source, string function) =>
        Vm.Assembler.Assemble(source).Functions.Single(f => f.Name == function).Entry;

    [TestMethod]
    public void RecursiveFibCompilesAndCallsItsOwnUnitThroughACell()
    {
        var jit = PortalJit.Create(Vm.Runner.Portal, new JitSettings { CompileFunctions = true, Threshold = 5, DirectSelfCalls = false });
        Assert.AreEqual(Plain(Fib, 18), Jitted(jit, Fib, 18));

        int entry = EntryOf(Fib, "fib");
        var unit = jit.Units.SingleOrDefault(u => u.Unit.Entry.Values[0] is int pc && pc == entry);
        Assert.IsNotNull(unit, "a unit at fib's entry: " + string.Join(", ", jit.Units.Select(u => u.Unit.Entry)));
        var calls = unit.Unit.Residual.Blocks.SelectMany(b => unit.Unit.Residual[b].Instructions).Where(i => i.Opcode == Opcode.Call).ToList();
        Assert.AreEqual(2, calls.Count(c => c.Method == CallCell.EnterMethod), "both recursive calls go through a call cell:\n" + PeJit.IR.Text.IrPrinter.Print(unit.Unit.Residual));
        Assert.IsTrue(unit.Unit.CalledKeys.All(k => k.Equals(unit.Unit.Entry)), "fib calls fib");
        var cell = jit.Runtime.CallCells.Single(c => c.Key.Equals(unit.Unit.Entry));
        Assert.AreSame(unit, cell.Target);
        Assert.IsTrue(cell.Entered > 0 && cell.Entered == cell.Calls, $"compiled fib entered its own unit on every call after it was compiled: {cell.Entered} of {cell.Calls}");
    }

    [TestMethod]
    public void CallersStayRightWhenTheCacheDropsTheirCallees()
    {
        // A bound far below fib's unit: every addition drops the others, so callers find their cells empty,
        // call the interpreter, which compiles again, up to MaxRecompilesPerUnit.
        var jit = PortalJit.Create(Vm.Runner.Portal, new JitSettings { CompileFunctions = true, Threshold = 2, CacheLimit = 1 });
        foreach (long n in new long[] { 10, 16, 20 })
            Assert.AreEqual(Plain(Fib, n), Jitted(jit, Fib, n), $"fib({n})");
        Assert.IsTrue(jit.Runtime.Cache.Evicted > 0, "units were dropped");
        Assert.IsTrue(jit.Runtime.CallCells.Any(c => c.Calls > c.Entered), "some calls found their cell empty and ran the interpreter");
    }

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void AnExceptionEscapingCompiledCalleesIsTheInterpreters(bool direct)
    {
        var plain = Assert.Throws<DivideByZeroException>(() => Plain(Throwing, 40));
        var jit = PortalJit.Create(Vm.Runner.Portal, new JitSettings { CompileFunctions = true, Threshold = 3, DirectSelfCalls = direct });
        for (int run = 0; run < 3; run++)
            Assert.AreEqual(plain.Message, Assert.Throws<DivideByZeroException>(() => Jitted(jit, Throwing, 40)).Message);
        if (direct) Assert.IsTrue(jit.Units.Any(u => u.Unit.DirectSelfCalls > 0), "the exception came through direct calls of compiled callees");
        else Assert.IsTrue(jit.Runtime.CallCells.Any(c => c.Entered > 0), "the exception came through compiled callees");
    }

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void ACalleeUnitThatLeavesAtAnExitResumesInTheInterpreter(bool direct)
    {
        // Two keys per unit: fib's unit leaves at an exit early in the function, and the interpreter, entered
        // through the portal call that follows the cell, resumes there rather than starting fib afresh.
        var settings = new JitSettings { CompileFunctions = true, Threshold = 3, DirectSelfCalls = direct, Specialization = SpecializationSettings.Default with { MaxKeysPerUnit = 2 } };
        var jit = PortalJit.Create(Vm.Runner.Portal, settings);
        Assert.AreEqual(Plain(Fib, 16), Jitted(jit, Fib, 16));
        Assert.AreEqual(Plain(Fib, 12), Jitted(jit, Fib, 12));
        Assert.IsTrue(jit.Units.Any(u => u.ExitsTaken > 0), "units left at exits");
        Assert.IsTrue(jit.Runtime.CallCells.Any(c => c.Entered > 0), "calls went through cells");
        Assert.IsTrue(jit.Runtime.Resumptions > 0, "the interpreter resumed at exits of units entered through cells");
        Assert.AreEqual(0, PortalCounters.Resuming, "every resumption was taken");
    }

    [TestMethod]
    public void AFunctionsEntriesCountToTheThresholdForFunctions()
    {
        // fib(18) enters fib 8,361 times: past a threshold for functions of 2,000, not of 100,000; loops keep theirs.
        int entry = EntryOf(Fib, "fib");
        var often = PortalJit.Create(Vm.Runner.Portal, new JitSettings { CompileFunctions = true, Threshold = 5, FunctionThreshold = 2_000 });
        Assert.AreEqual(Plain(Fib, 18), Jitted(often, Fib, 18));
        Assert.IsTrue(often.Units.Any(u => u.Unit.Entry.Values[0] is int pc && pc == entry), "fib's unit is compiled past 2,000 entries");
        var rarely = PortalJit.Create(Vm.Runner.Portal, new JitSettings { CompileFunctions = true, Threshold = 5, FunctionThreshold = 100_000 });
        Assert.AreEqual(Plain(Fib, 18), Jitted(rarely, Fib, 18));
        Assert.IsFalse(rarely.Units.Any(u => u.Unit.Entry.Values[0] is int pc && pc == entry), "fib's unit is not compiled before 100,000 entries");
        // Once per loop threshold's entries (5 here: about 1,700), not on each entry past the loop threshold (8,361).
        Assert.IsLessThan(3_000L, rarely.Runtime.Counters.SlowEntries, "entries that took the slow path");
    }

    [TestMethod]
    public void FunctionsAreCompiledByDefaultPastTheirOwnThreshold()
    {
        // Default settings (only the loop threshold set): functions are compiled, but only past ten times the loop
        // threshold's entries of their key (FunctionCompilationPolicy), so at a loop threshold of 1,000 fib(18)'s 8,361
        // get no unit and fib(20)'s 21,891 do, in the run that passes it.
        var settings = new JitSettings { Threshold = 1_000 };
        Assert.IsTrue(settings.CompileFunctions);
        Assert.IsNull(settings.FunctionThreshold, "left to the policy");
        Assert.AreEqual(10_000, FunctionCompilationPolicy.ThresholdFor(settings, settings.Threshold));
        Assert.AreEqual(1_000, FunctionCompilationPolicy.ThresholdFor(new JitSettings { CompileFunctions = true, Threshold = 1_000 }, 1_000),
            "set in code, functions count with the loop threshold");
        int entry = EntryOf(Fib, "fib");
        var jit = PortalJit.Create(Vm.Runner.Portal, settings);
        Assert.AreEqual(Plain(Fib, 18), Jitted(jit, Fib, 18));
        Assert.IsFalse(jit.Units.Any(u => u.Unit.Entry.Values[0] is int pc && pc == entry), "fib's unit is not compiled below the threshold");
        Assert.IsEmpty(jit.Runtime.CallCells, "a loop-free program below the threshold gets no call cell");
        Assert.AreEqual(Plain(Fib, 20), Jitted(jit, Fib, 20));
        var unit = jit.Units.Single(u => u.Unit.Entry.Values[0] is int pc && pc == entry);
        Assert.IsNotNull(unit.Unit.Self, "fib's unit calls itself directly:\n" + PeJit.IR.Text.IrPrinter.Print(unit.Unit.Residual));
        Assert.AreEqual(Plain(Fib, 20), Jitted(jit, Fib, 20));
    }

    /// <summary>A loop calling a function: its 400,000 calls pass the threshold for functions.</summary>
    private const string LoopCallingAFunction = """
        func twice 1 1
            load 0
            push 2
            mul
            ret
        end
        func main 1 3
            push 0
            store 1
            push 0
            store 2
        loop:
            load 1
            call twice
            load 2
            add
            store 2
            load 1
            push 1
            add
            store 1
            load 1
            load 0
            lt
            jnz loop
            load 2
            print
            ret
        end
        """;

    [TestMethod]
    public void FunctionsAreNotCompiledByDefaultOnceALoopIsHot()
    {
        // The loop gets its unit; twice, entered 400,000 times from it, does not (its calls stay portal calls), as
        // with functions off: a loop calling a function's unit through a cell was slower than plain (Lua polymorphic).
        var jit = PortalJit.Create(Vm.Runner.Portal, new JitSettings { Threshold = 5 });
        Assert.AreEqual(Plain(LoopCallingAFunction, 400_000), Jitted(jit, LoopCallingAFunction, 400_000));
        int entry = EntryOf(LoopCallingAFunction, "twice");
        Assert.IsTrue(jit.Units.Any(), "the loop is compiled");
        Assert.IsFalse(jit.Units.Any(u => u.Unit.Entry.Values[0] is int pc && pc == entry), "twice gets no unit of its own");
        // Asked for (CompileFunctions set), the same threshold compiles it: the loop is what stopped it. (With the loop's
        // calls not inlined: by default the loop's unit inlines twice, whose key is green at the call, and calls it no more.)
        var asked = PortalJit.Create(Vm.Runner.Portal, new JitSettings
        {
            Threshold = 5, CompileFunctions = true, FunctionThreshold = 5 * FunctionCompilationPolicy.DefaultScale,
            Specialization = PeJit.Specializer.Engine.SpecializationSettings.Default with { InlineKnownPortalCalls = false },
        });
        Assert.AreEqual(Plain(LoopCallingAFunction, 400_000), Jitted(asked, LoopCallingAFunction, 400_000));
        Assert.IsTrue(asked.Units.Any(u => u.Unit.Entry.Values[0] is int pc && pc == entry), "twice is compiled when functions are asked for");
    }

    [TestMethod]
    public void RecursiveFibCallsItsOwnUnitDirectly()
    {
        var jit = PortalJit.Create(Vm.Runner.Portal, new JitSettings { CompileFunctions = true, Threshold = 5 });
        Assert.AreEqual(Plain(Fib, 18), Jitted(jit, Fib, 18));

        int entry = EntryOf(Fib, "fib");
        var unit = jit.Units.Single(u => u.Unit.Entry.Values[0] is int pc && pc == entry);
        var graph = unit.Unit.Residual;
        string printed = PeJit.IR.Text.IrPrinter.Print(graph);
        Assert.IsNotNull(unit.Unit.StateParameters, "fib's unit takes its reds typed:\n" + printed);
        Assert.AreEqual("i64", graph.ReturnType.Name, "and returns fib's result unboxed:\n" + printed);
        var calls = graph.Blocks.SelectMany(b => graph[b].Instructions).Where(i => i.Opcode == Opcode.Call).ToList();
        // Both make the callee's frame for the call: they call the unit's shaped entry with what is in it, and so does the entry itself.
        var shaped = unit.Unit.ShapedEntry;
        Assert.IsNotNull(shaped, "the recursive calls pass the callee's frame as its contents:\n" + printed);
        Assert.AreEqual(2, calls.Count(c => c.Method!.Origin == (object)shaped), "both recursive calls call the unit's own code:\n" + printed);
        var shapedCalls = shaped.Blocks.SelectMany(b => shaped[b].Instructions).Where(i => i.Opcode == Opcode.Call).ToList();
        Assert.AreEqual(2, shapedCalls.Count(c => c.Method!.Origin == (object)shaped), "and so do the shaped entry's own:\n" + PeJit.IR.Text.IrPrinter.Print(shaped));
        Assert.AreEqual(2, unit.Unit.DirectSelfCalls);
        // The cell stays as the way in with little stack left: no call went through it here.
        var cell = jit.Runtime.CallCells.Single(c => c.Key.Equals(unit.Unit.Entry));
        Assert.AreEqual(0, cell.Calls, "no recursive call went through the cell");
        Assert.IsLessThanOrEqualTo(20, unit.Entries, "the interpreter entered fib's unit a few times; its recursion stayed in compiled code");
    }

    [TestMethod]
    public void ADirectCallAllocatesNoMoreThanTheInterpretersCall()
    {
        // What a call costs is what it allocates: the plain interpreter allocates the callee's frame; a call through the
        // cell also a state array and boxes; a direct call only the frame. Counted, not timed, on one assembled program
        // (a program assembled again is another green key, compiled again).
        var code = Vm.Assembler.Assemble(Fib);
        object?[] Arguments()
        {
            var frame = new Vm.Frame(code.Main.Locals, TextWriter.Null);
            frame.Locals[0] = 20;
            return [code, code.Main.Entry, frame];
        }
        long Allocated(Action run, PortalJit? jit = null)
        {
            // Warmed up until nothing compiles any more (specializing allocates too).
            for (long compiled = -1, runs = 0; jit is not null && compiled != jit.Runtime.Compilations && runs < 10; runs++)
            {
                compiled = jit.Runtime.Compilations;
                run();
            }
            run();
            long before = GC.GetAllocatedBytesForCurrentThread();
            run();
            return GC.GetAllocatedBytesForCurrentThread() - before;
        }
        var direct = PortalJit.Create(Vm.Runner.Portal, new JitSettings { CompileFunctions = true, Threshold = 5 });
        var throughCell = PortalJit.Create(Vm.Runner.Portal, new JitSettings { CompileFunctions = true, Threshold = 5, DirectSelfCalls = false });
        long plain = Allocated(() => Vm.Interpreter.Run(code, code.Main.Entry, (Vm.Frame)Arguments()[2]!));
        long cellBytes = Allocated(() => throughCell.Invoke(Arguments()), throughCell);
        long directBytes = Allocated(() => direct.Invoke(Arguments()), direct);
        const int calls = 21_891; // fib(20) makes 21,891 calls of fib
        // The interpreter's entry into the unit allocates a state array once per run: a few bytes in all.
        Console.WriteLine($"bytes per call of fib: plain {plain / calls}, through the cell {cellBytes / calls}, direct {directBytes / calls}");
        Assert.IsLessThanOrEqualTo(plain + 1024, directBytes, $"direct calls allocate at most what the interpreter does: {directBytes / calls} against {plain / calls} bytes per call (through the cell {cellBytes / calls})");
        Assert.IsGreaterThanOrEqualTo(directBytes + 64L * calls, cellBytes, $"the cell's state array and boxes are gone: {cellBytes / calls} bytes per call through the cell, {directBytes / calls} direct");
    }

    [TestMethod]
    public void RecursiveFactorialCallsItsOwnUnitDirectly()
    {
        const string factorial = ShapedSelfCallTests.Factorial;
        var jit = PortalJit.Create(Vm.Runner.Portal, new JitSettings { CompileFunctions = true, Threshold = 3 });
        for (long n = 0; n <= 20; n++)
            Assert.AreEqual(Plain(factorial, n), Jitted(jit, factorial, n), $"fact({n})");
        Assert.IsTrue(jit.Units.Any(u => u.Unit.DirectSelfCalls > 0), "fact's unit calls itself directly");
    }

    [TestMethod]
    [DataRow(6)]
    [DataRow(9)]
    [DataRow(12)]
    [DataRow(14)]
    public void ADirectCallThatLeavesAtAnExitResumesExactly(int keys)
    {
        // A unit cut short by the key budget contains the recursive call but leaves at an exit further on: the direct
        // call of itself leaves there, and the runtime goes on as after an exit (another unit, or the interpreter's
        // portal call resuming from that state).
        var settings = new JitSettings { CompileFunctions = true, Threshold = 3, Specialization = SpecializationSettings.Default with { MaxKeysPerUnit = keys } };
        var jit = PortalJit.Create(Vm.Runner.Portal, settings);
        foreach (long n in new long[] { 16, 12, 19 })
            Assert.AreEqual(Plain(Fib, n), Jitted(jit, Fib, n), $"fib({n}) with {keys} keys per unit");
        Assert.AreEqual(0, PortalCounters.Resuming, "every resumption was taken");
        // From 12 keys on, fib's unit holds its first recursive call and leaves at an exit after it (6 and 9 keys:
        // the call is in the interpreter, or in a unit entered elsewhere, through its cell).
        if (keys >= 12)
            Assert.IsTrue(jit.Units.Any(u => u.Unit.DirectSelfCalls > 0 && u.ExitsTaken > 0), "units with direct calls of themselves left at exits");
    }

    [TestMethod]
    public void LuaFibCallsItsOwnUnitDirectly()
    {
        // Lua's callee is read from a global at run time; the call promotes its prototype, so its entry is green once the
        // unit is specialized again with the prototype's case (ShapedSelfCallTests.LuaFibDriver says why fib is called from a loop).
        string fib = ShapedSelfCallTests.LuaFibDriver;
        var plain = new StringWriter();
        PeJit.Examples.Lua.Runner.Run(fib, plain, 20);
        var jit = PortalJit.Create(PeJit.Examples.Lua.Runner.Portal, new JitSettings { CompileFunctions = true, Threshold = 5 });
        for (int run = 0; run < 2; run++)
        {
            var output = new StringWriter();
            jit.Invoke(PeJit.Examples.Lua.Runner.PortalArguments(fib, output, 20));
            Assert.AreEqual(plain.ToString(), output.ToString());
        }
        Assert.IsTrue(jit.Units.Any(u => u.Unit.DirectSelfCalls > 0), "Lua's fib unit calls itself directly: " + string.Join(", ", jit.Units.Select(u => u.Unit.Entry)));
    }
}

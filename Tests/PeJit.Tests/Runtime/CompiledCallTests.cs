using PeJit.IR;
using PeJit.Runtime;
using PeJit.Specializer.Engine;
using Vm = PeJit.Examples.StackVm;

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
    private const string Throwing = """
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

    private static (string Output, long Result) Plain(string source, params long[] args)
    {
        var output = new StringWriter();
        long result = Vm.Runner.Run(source, output, args);
        return (output.ToString(), result);
    }

    private static (string Output, long Result) Jitted(PortalJit jit, string source, params long[] args)
    {
        var output = new StringWriter();
        long result = (long)jit.Invoke(Vm.Runner.PortalArguments(source, output, args))!;
        return (output.ToString(), result);
    }

    private static int EntryOf(string source, string function) =>
        Vm.Assembler.Assemble(source).Functions.Single(f => f.Name == function).Entry;

    [TestMethod]
    public void RecursiveFibCompilesAndCallsItsOwnUnitThroughACell()
    {
        var jit = PortalJit.Create(Vm.Runner.Portal, new JitSettings { CompileFunctions = true, Threshold = 5 });
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
    public void AnExceptionEscapingCompiledCalleesIsTheInterpreters()
    {
        var plain = Assert.Throws<DivideByZeroException>(() => Plain(Throwing, 40));
        var jit = PortalJit.Create(Vm.Runner.Portal, new JitSettings { CompileFunctions = true, Threshold = 3 });
        for (int run = 0; run < 3; run++)
            Assert.AreEqual(plain.Message, Assert.Throws<DivideByZeroException>(() => Jitted(jit, Throwing, 40)).Message);
        Assert.IsTrue(jit.Runtime.CallCells.Any(c => c.Entered > 0), "the exception came through compiled callees");
    }

    [TestMethod]
    public void ACalleeUnitThatLeavesAtAnExitResumesInTheInterpreter()
    {
        // Two keys per unit: fib's unit leaves at an exit early in the function, and the interpreter, entered
        // through the portal call that follows the cell, resumes there rather than starting fib afresh.
        var settings = new JitSettings { CompileFunctions = true, Threshold = 3, Specialization = SpecializationSettings.Default with { MaxKeysPerUnit = 2 } };
        var jit = PortalJit.Create(Vm.Runner.Portal, settings);
        Assert.AreEqual(Plain(Fib, 16), Jitted(jit, Fib, 16));
        Assert.AreEqual(Plain(Fib, 12), Jitted(jit, Fib, 12));
        Assert.IsTrue(jit.Units.Any(u => u.ExitsTaken > 0), "units left at exits");
        Assert.IsTrue(jit.Runtime.CallCells.Any(c => c.Entered > 0), "calls went through cells");
        Assert.IsTrue(jit.Runtime.Resumptions > 0, "the interpreter resumed at exits of units entered through cells");
        Assert.AreEqual(0, PortalCounters.Resuming, "every resumption was taken");
    }
}

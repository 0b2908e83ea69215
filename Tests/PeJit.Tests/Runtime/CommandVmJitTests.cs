using PeJit.IR;
using PeJit.IR.Graphs;
using PeJit.IR.Text;
using PeJit.Runtime;
using PeJit.TestSubjects;
using PeJit.Tests.Specializer;

namespace PeJit.Tests.Runtime;

/// <summary>
/// The command-pattern VM of PeJit.TestSubjects/CommandVm.cs (an object per instruction with a virtual <c>Execute</c>, the
/// stack and its pointer in the machine's fields), in process against the plain portal: the outputs and every field of the
/// machine are the interpreter's, an array access past the stack's end throws what and where the interpreter's does, and
/// the loop's unit has no virtual call and no command left, its stack pointer in a block parameter rather than a field.
/// </summary>
[TestClass]
public sealed class CommandVmJitTests
{
    private static PortalJit Jit() =>
        PortalJit.Create(typeof(CommandVm).GetMethod(nameof(CommandVm.Run))!, new JitSettings { Threshold = 3, Strict = true });

    private static void AssertSameMachine(CommandVm plain, CommandVm jitted, string what)
    {
        Assert.AreEqual(plain.Output.ToString(), jitted.Output.ToString(), $"{what}: the output");
        Assert.AreEqual(plain.Sp, jitted.Sp, $"{what}: the stack pointer");
        CollectionAssert.AreEqual(plain.Stack, jitted.Stack, $"{what}: the stack");
        CollectionAssert.AreEqual(plain.Locals, jitted.Locals, $"{what}: the locals");
    }

    [TestMethod]
    public void ProgramsRunAsInThePlainInterpreter()
    {
        foreach (long n in new long[] { 0, 1, 5, 2000 })
        {
            var program = CommandVm.Sum(n);
            var plain = new CommandVm(new StringWriter());
            plain.Run(program);
            var jitted = new CommandVm(new StringWriter());
            var jit = Jit();
            jit.Invoke(jitted, program);
            jit.Invoke(jitted, program);
            plain.Run(program);
            AssertSameMachine(plain, jitted, $"sum {n}, twice");
            if (n == 2000) Assert.IsNotEmpty(jit.Units, "the loop compiles");
        }
    }

    [TestMethod]
    public void AStackOverflowThrowsWithTheMachineAsThePlainOneLeavesIt()
    {
        foreach (long n in new long[] { 3, 15, 16, 17, 100 })
        {
            var program = CommandVm.Leak(n);
            var plain = new CommandVm(new StringWriter());
            var plainError = Catch(() => plain.Run(program));
            var jitted = new CommandVm(new StringWriter());
            var jitError = Catch(() => Jit().Invoke(jitted, program));
            Assert.AreEqual(plainError?.GetType(), jitError?.GetType(), $"leak {n}: the exception");
            AssertSameMachine(plain, jitted, $"leak {n}");
        }
    }

    [TestMethod]
    public void TheLoopHasNoCommandLeftAndKeepsTheStackPointerInARegister()
    {
        var jit = Jit();
        var machine = new CommandVm(new StringWriter());
        JitDifferentialTests.AssertUnitsEntered(jit, "sum", () => jit.Invoke(machine, CommandVm.Sum(5000)));
        var graph = jit.Units.Single().Unit.Residual;
        string listing = IrPrinter.Print(graph);
        var instructions = graph.Blocks.SelectMany(b => graph[b].Instructions).ToList();
        Assert.IsFalse(instructions.Any(i => i.Opcode is Opcode.Call or Opcode.CallVirt), "no call, virtual or not:\n" + listing);
        Assert.IsFalse(instructions.Any(i => i.Field?.FullName.Contains("/", StringComparison.Ordinal) == true), "no command's field read:\n" + listing);
        var loops = NaturalLoop.Find(graph, Dominators.Compute(graph));
        Assert.IsNotEmpty(loops, "the unit has a loop:\n" + listing);
        // The loop the optimizer promoted: the arithmetic on block parameters, no field of the machine read or written.
        Assert.IsTrue(loops.Any(loop => loop.Blocks.SelectMany(b => graph[b].Instructions)
                .All(i => i.Opcode is not (Opcode.LoadField or Opcode.StoreField or Opcode.LoadElement or Opcode.StoreElement))),
            "a loop with the stack pointer, the stack's values and the locals in registers:\n" + listing);
    }

    /// <summary>
    /// The same machine woven by <c>pejit build</c> (the test subjects' JIT-enabled copy, its settings the process's): after
    /// each run, until nothing is left to compile, its fields are the plain machine's. The in-process portal above and the
    /// woven one resume at an exit each their own way (a jump to the merge block with the state as its parameters; the
    /// woven IL's locals), so both are run.
    /// </summary>
    [TestMethod]
    public void WovenByPejitBuildTheMachineEndsAsThePlainOne()
    {
        var woven = DispatchInTryJitTests.Woven.Value.GetType(typeof(CommandVm).FullName!, throwOnError: true)!;
        var run = woven.GetMethod(nameof(CommandVm.Run))!;
        foreach (long n in new long[] { 5, 3000 })
        {
            var plain = new CommandVm(new StringWriter());
            var machine = Activator.CreateInstance(woven, new StringWriter())!;
            var program = woven.GetMethod(nameof(CommandVm.Sum))!.Invoke(null, [n]);
            for (int round = 0; round < 4; round++)
            {
                plain.Run(CommandVm.Sum(n));
                run.Invoke(machine, [program]);
                var runtime = JitRuntime.WaitForCompilations(run, TimeSpan.FromMinutes(2));
                if (n == 3000 && round == 3) Assert.IsNotEmpty(runtime!.Cache.Units, "the woven loop compiled");
                string what = $"woven, sum {n}, round {round}";
                Assert.AreEqual(plain.Output.ToString(), woven.GetField(nameof(CommandVm.Output))!.GetValue(machine)!.ToString(), $"{what}: the output");
                Assert.AreEqual(plain.Sp, (int)woven.GetField(nameof(CommandVm.Sp))!.GetValue(machine)!, $"{what}: the stack pointer");
                CollectionAssert.AreEqual(plain.Stack, (long[])woven.GetField(nameof(CommandVm.Stack))!.GetValue(machine)!, $"{what}: the stack");
                CollectionAssert.AreEqual(plain.Locals, (long[])woven.GetField(nameof(CommandVm.Locals))!.GetValue(machine)!, $"{what}: the locals");
            }
        }
    }

    private static Exception? Catch(Action run)
    {
        try { run(); return null; }
        catch (System.Reflection.TargetInvocationException e) { return e.InnerException; }
        catch (Exception e) { return e; }
    }
}

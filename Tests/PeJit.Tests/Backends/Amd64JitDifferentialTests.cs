using PeJit.Runtime;
using PeJit.Tests.Specializer;
using Vm = PeJit.Examples.StackVm;
using Bf = PeJit.Examples.Brainfuck;

namespace PeJit.Tests.Backends;

/// <summary>
/// The example interpreters with units compiled by <c>auto</c> and by <c>amd64</c> (strict mode on, as in every
/// test): the same output and result as the plain interpreter. The managed entry stub unboxes the state, reads the
/// loop-invariant fields and pins the arrays, and runs the exit blocks; a unit whose loop needs more (a call) is a
/// logged refusal: <c>auto</c> makes it a CIL unit, and <c>amd64</c> leaves it to the interpreter. A refusal is
/// deliberate, so strict mode does not fail on it.
/// </summary>
[TestClass]
public sealed class Amd64JitDifferentialTests
{
    private static readonly Lazy<PortalJit> StackVmAuto = new(() => PortalJit.Create(Vm.Runner.Portal, new JitSettings { Threshold = 3, CompileFunctions = true }, "auto"));
    private static readonly Lazy<PortalJit> BrainfuckAuto = new(() => PortalJit.Create(Bf.Runner.Portal, new JitSettings { Threshold = 3 }, "auto"));
    private static readonly Lazy<PortalJit> StackVmAmd64 = new(() => PortalJit.Create(Vm.Runner.Portal, new JitSettings { Threshold = 3, CompileFunctions = true }, "amd64"));
    private static readonly Lazy<PortalJit> BrainfuckAmd64 = new(() => PortalJit.Create(Bf.Runner.Portal, new JitSettings { Threshold = 3 }, "amd64"));

    [TestMethod]
    [DynamicData(nameof(JitDifferentialTests.StackVmPrograms), typeof(JitDifferentialTests))]
    public void StackVmProgramsUnderAutoBehaveAsThePlainInterpreter(string name)
    {
        JitDifferentialTests.AssertSameAsPlain(StackVmAuto.Value, name);
        Assert.IsTrue(StackVmAuto.Value.Units.All(u => u.Code.Backend is "amd64" or "cil"));
    }

    [TestMethod]
    [DynamicData(nameof(JitDifferentialTests.StackVmPrograms), typeof(JitDifferentialTests))]
    public void StackVmProgramsUnderAmd64BehaveAsThePlainInterpreter(string name)
    {
        // fib's units are whole functions that call each other through call cells with state arrays they allocate,
        // and native code calls only static helpers on integers and objects the stub knows: under amd64 alone fib
        // runs interpreted (auto makes them CIL units).
        JitDifferentialTests.AssertSameAsPlain(StackVmAmd64.Value, name, compiled: name != "fib");
        Assert.IsTrue(StackVmAmd64.Value.Units.All(u => u.Code.Backend == "amd64"), "amd64 never falls back to CIL");
    }

    [TestMethod]
    [DynamicData(nameof(JitDifferentialTests.BrainfuckPrograms), typeof(JitDifferentialTests))]
    public void BrainfuckProgramsUnderAutoBehaveAsThePlainInterpreter(string name) => AssertBrainfuckSameAsPlain(BrainfuckAuto.Value, name);

    [TestMethod]
    [DynamicData(nameof(JitDifferentialTests.BrainfuckPrograms), typeof(JitDifferentialTests))]
    public void BrainfuckProgramsUnderAmd64BehaveAsThePlainInterpreter(string name)
    {
        AssertBrainfuckSameAsPlain(BrainfuckAmd64.Value, name, unitsEntered: false);
        Assert.IsTrue(BrainfuckAmd64.Value.Units.All(u => u.Code.Backend == "amd64"), "amd64 never falls back to CIL");
    }

    private static void AssertBrainfuckSameAsPlain(PortalJit jit, string name, bool unitsEntered = true)
    {
        var plainOutput = new StringWriter();
        int plain = Bf.Runner.Run(Bf.Programs.Source(name), plainOutput);
        var jitOutput = new StringWriter();
        object? run() => jit.Invoke(Bf.Runner.PortalArguments(Bf.Programs.Source(name), jitOutput));
        var result = unitsEntered ? JitDifferentialTests.AssertUnitsEntered(jit, name, run) : run();
        Assert.AreEqual(plain, result);
        Assert.AreEqual(plainOutput.ToString(), jitOutput.ToString());
    }

    [TestMethod]
    public void TheHotLoopsOfStackVmAndBrainfuckRunNativelyUnderAuto()
    {
        var log = new StringWriter();
        var vm = PortalJit.Create(Vm.Runner.Portal, new JitSettings { Threshold = 3, Log = log }, "auto");
        var plainOutput = new StringWriter();
        long plain = Vm.Runner.Run(Vm.Programs.Source("long"), plainOutput, 2000);
        var output = new StringWriter();
        Assert.AreEqual(plain, vm.Invoke(Vm.Runner.PortalArguments(Vm.Programs.Source("long"), output, 2000)));
        Assert.AreEqual(plainOutput.ToString(), output.ToString());
        Assert.IsNotEmpty(vm.Units);
        Assert.IsTrue(vm.Units.All(u => u.Code.Backend == "amd64"), log.ToString());

        var bf = PortalJit.Create(Bf.Runner.Portal, new JitSettings { Threshold = 3 }, "auto");
        var bfOutput = new StringWriter();
        bf.Invoke(Bf.Runner.PortalArguments(Bf.Programs.Source("hello"), bfOutput));
        Assert.AreEqual("Hello World!\n", bfOutput.ToString().Replace("\r", "", StringComparison.Ordinal));
        Assert.IsTrue(bf.Units.Any(u => u.Code.Backend == "amd64"), "a loop without output runs natively");
    }

    [TestMethod]
    public void AutoLogsWhyAUnitIsACilUnit()
    {
        // Brainfuck's loops that print call TextWriter.Write on every turn: native code cannot call it yet.
        var log = new StringWriter();
        var jit = PortalJit.Create(Bf.Runner.Portal, new JitSettings { Threshold = 3, Log = log }, "auto");
        var output = new StringWriter();
        jit.Invoke(Bf.Runner.PortalArguments(Bf.Programs.Source("squares"), output));
        Assert.IsNotEmpty(jit.Units);
        StringAssert.Contains(log.ToString(), "is a cil unit: ");
        StringAssert.Contains(log.ToString(), "runs on a cycle after 'callvirt'");
        StringAssert.Contains(log.ToString(), "backend cil");
        StringAssert.Contains(log.ToString(), "backend amd64");
    }
}

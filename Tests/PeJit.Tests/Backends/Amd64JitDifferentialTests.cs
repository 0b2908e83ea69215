using PeJit.Runtime;
using PeJit.Tests.Specializer;
using Vm = PeJit.Examples.StackVm;
using Bf = PeJit.Examples.Brainfuck;
using Ht = PeJit.Examples.HandlerTable;

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
        JitDifferentialTests.AssertSameAsPlain(StackVmAmd64.Value, name);
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

        // Brainfuck's loops that print call TextWriter.Write (a callvirt on the writer the unit gets) on every turn:
        // native code calls it through the trampoline, so every unit is native.
        var bfLog = new StringWriter();
        var bf = PortalJit.Create(Bf.Runner.Portal, new JitSettings { Threshold = 3, Log = bfLog }, "auto");
        var plainBf = new StringWriter();
        Bf.Runner.Run(Bf.Programs.Source("squares"), plainBf);
        var bfOutput = new StringWriter();
        bf.Invoke(Bf.Runner.PortalArguments(Bf.Programs.Source("squares"), bfOutput));
        Assert.AreEqual(plainBf.ToString(), bfOutput.ToString());
        Assert.IsNotEmpty(bf.Units);
        Assert.IsTrue(bf.Units.All(u => u.Code.Backend == "amd64"), bfLog.ToString());
    }

    [TestMethod]
    public void AStackVmLoopThatPrintsRunsNativelyUnderAuto()
    {
        // print is frame.Output.WriteLine(...): a callvirt on a readonly field of the frame, inside the loop.
        const string source = """
            .args 50
            func main 1 2
                push 0
                store 1
            loop:
                load 1
                print
                load 1
                push 1
                add
                dup
                store 1
                load 0
                lt
                jnz loop
                load 1
                ret
            end
            """;
        var log = new StringWriter();
        var vm = PortalJit.Create(Vm.Runner.Portal, new JitSettings { Threshold = 3, Log = log }, "auto");
        var plainOutput = new StringWriter();
        long plain = Vm.Runner.Run(source, plainOutput, 50);
        var output = new StringWriter();
        Assert.AreEqual(plain, vm.Invoke(Vm.Runner.PortalArguments(source, output, 50)));
        Assert.AreEqual(plainOutput.ToString(), output.ToString());
        Assert.IsNotEmpty(vm.Units);
        Assert.IsTrue(vm.Units.All(u => u.Code.Backend == "amd64"), log.ToString());
    }

    [TestMethod]
    public void AutoLogsWhyAUnitIsACilUnit()
    {
        // The handler table's handlers write the stack pointer, a field, on every turn: native code never writes a field.
        var log = new StringWriter();
        var jit = PortalJit.Create(Ht.Runner.Portal, new JitSettings { Threshold = 3, Log = log }, "auto");
        var output = new StringWriter();
        jit.Invoke(Ht.Runner.PortalArguments(Ht.Programs.Source("long"), output, 2000));
        Assert.IsNotEmpty(jit.Units);
        StringAssert.Contains(log.ToString(), "is a cil unit: ");
        StringAssert.Contains(log.ToString(), "runs on a cycle after 'stfld'");
        StringAssert.Contains(log.ToString(), "backend cil");
    }
}

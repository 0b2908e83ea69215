using PeJit.Runtime;
using PeJit.Tests.Specializer;
using Vm = PeJit.Examples.StackVm;
using Bf = PeJit.Examples.Brainfuck;

namespace PeJit.Tests.Backends;

/// <summary>
/// The example interpreters with units compiled by <c>auto</c> and by <c>amd64</c> (strict mode on, as in every
/// test): the same output and result as the plain interpreter. Today every unit of the engine's shape passes
/// objects (<c>object[]</c> constants, exit and state), which native code may not hold, so the AMD64 backend
/// refuses it with that reason: <c>auto</c> makes it a CIL unit, and <c>amd64</c> leaves it to the interpreter.
/// A refusal is deliberate, so strict mode does not fail on it.
/// </summary>
[TestClass]
public sealed class Amd64JitDifferentialTests
{
    private static readonly Lazy<PortalJit> StackVmAuto = new(() => PortalJit.Create(Vm.Runner.Portal, new JitSettings { Threshold = 3 }, "auto"));
    private static readonly Lazy<PortalJit> BrainfuckAuto = new(() => PortalJit.Create(Bf.Runner.Portal, new JitSettings { Threshold = 3 }, "auto"));

    [TestMethod]
    [DynamicData(nameof(JitDifferentialTests.StackVmPrograms), typeof(JitDifferentialTests))]
    public void StackVmProgramsUnderAutoBehaveAsThePlainInterpreter(string name)
    {
        JitDifferentialTests.AssertSameAsPlain(StackVmAuto.Value, name);
        Assert.IsTrue(StackVmAuto.Value.Units.All(u => u.Code.Backend is "amd64" or "cil"));
    }

    [TestMethod]
    [DynamicData(nameof(JitDifferentialTests.BrainfuckPrograms), typeof(JitDifferentialTests))]
    public void BrainfuckProgramsUnderAutoBehaveAsThePlainInterpreter(string name)
    {
        var plainOutput = new StringWriter();
        int plain = Bf.Runner.Run(Bf.Programs.Source(name), plainOutput);
        var jitOutput = new StringWriter();
        var result = JitDifferentialTests.AssertUnitsEntered(BrainfuckAuto.Value, name,
            () => BrainfuckAuto.Value.Invoke(Bf.Runner.PortalArguments(Bf.Programs.Source(name), jitOutput)));
        Assert.AreEqual(plain, result);
        Assert.AreEqual(plainOutput.ToString(), jitOutput.ToString());
    }

    [TestMethod]
    public void UnderAmd64UnitsItCannotExpressAreLeftToTheInterpreterWithTheReason()
    {
        var log = new StringWriter();
        var jit = PortalJit.Create(Vm.Runner.Portal, new JitSettings { Threshold = 3, Log = log }, "amd64");
        var plainOutput = new StringWriter();
        long plain = Vm.Runner.Run(Vm.Programs.Source("long"), plainOutput, 2000);
        var jitOutput = new StringWriter();
        Assert.AreEqual(plain, jit.Invoke(Vm.Runner.PortalArguments(Vm.Programs.Source("long"), jitOutput, 2000)));
        Assert.AreEqual(plainOutput.ToString(), jitOutput.ToString());
        StringAssert.Contains(log.ToString(), "the AMD64 backend cannot express this unit");
        Assert.IsTrue(jit.Units.All(u => u.Code.Backend == "amd64"), "amd64 never falls back to CIL");
    }

    [TestMethod]
    public void AutoLogsWhyAUnitIsACilUnit()
    {
        var log = new StringWriter();
        var jit = PortalJit.Create(Vm.Runner.Portal, new JitSettings { Threshold = 3, Log = log }, "auto");
        var output = new StringWriter();
        jit.Invoke(Vm.Runner.PortalArguments(Vm.Programs.Source("long"), output, 2000));
        Assert.IsNotEmpty(jit.Units);
        StringAssert.Contains(log.ToString(), "is a cil unit: ");
        StringAssert.Contains(log.ToString(), "native code returns integers only");
        StringAssert.Contains(log.ToString(), "backend cil");
    }
}

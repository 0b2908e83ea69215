using PeJit.AnalysisSubjects;
using PeJit.Runtime;

namespace PeJit.Tests.Runtime;

/// <summary>
/// An interpreter written the object-oriented way (an instance portal whose state lives in fields reached
/// through <c>this</c>, record instructions, an enum of opcodes) behaves exactly like the plain one, and its
/// hot loop is compiled: <c>this</c> is an implicit red, passed with the state, never reloaded.
/// </summary>
[TestClass]
public sealed class InstancePortalTests
{
    [TestMethod]
    public void AnInstancePortalRunsCompiledAndBehavesLikeThePlainOne()
    {
        var jit = PortalJit.Create(typeof(ObjectVm).GetMethod(nameof(ObjectVm.Execute))!, new JitSettings { Threshold = 3 });
        var program = ObjectVm.SumTo(5000);
        var plainOutput = new StringWriter();
        var plain = new ObjectVm(plainOutput);
        long expected = plain.Execute(program) + plain.Execute(program);
        var jitOutput = new StringWriter();
        var machine = new ObjectVm(jitOutput);
        long actual = (long)jit.Invoke(machine, program)! + (long)jit.Invoke(machine, program)!;
        Assert.AreEqual(expected, actual);
        Assert.AreEqual(plainOutput.ToString(), jitOutput.ToString());
        Assert.AreEqual(plain.Steps, machine.Steps, "the fields reached through this are the interpreter's");
        Assert.IsNotEmpty(jit.Units, "the loop was compiled");
        Assert.IsGreaterThan(1L, jit.Units.Single().Entries, "the second call entered the same unit");
    }
}

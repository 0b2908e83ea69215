using PeJit.Runtime;
using PeJit.Specializer.Engine;
using Vm = PeJit.Examples.StackVm;
using Bf = PeJit.Examples.Brainfuck;

namespace PeJit.Tests.Specializer;

/// <summary>
/// Differential: every program of both examples, run with its hot loops specialized and compiled, prints
/// and returns exactly what the plain interpreter does; also with budgets so small that units exit to the
/// interpreter constantly.
/// </summary>
[TestClass]
public sealed class JitDifferentialTests
{
    private static readonly Dictionary<string, long[]> SmallArguments = new()
    {
        ["count"] = [5000], ["factorial"] = [20], ["fib"] = [15], ["nested"] = [60], ["long"] = [5000],
    };

    private static readonly Lazy<PortalJit> StackVm = new(() => PortalJit.Create(Vm.Runner.Portal, new JitSettings { Threshold = 3 }));
    private static readonly Lazy<PortalJit> StackVmTinyUnits = new(() => PortalJit.Create(Vm.Runner.Portal,
        new JitSettings { Threshold = 2, Specialization = new SpecializationSettings { MaxKeysPerUnit = 3 } }));
    private static readonly Lazy<PortalJit> Brainfuck = new(() => PortalJit.Create(Bf.Runner.Portal, new JitSettings { Threshold = 3 }));
    private static readonly Lazy<PortalJit> BrainfuckTinyUnits = new(() => PortalJit.Create(Bf.Runner.Portal,
        new JitSettings { Threshold = 2, Specialization = new SpecializationSettings { MaxKeysPerUnit = 4 } }));

    public static IEnumerable<object[]> StackVmPrograms => Vm.Programs.Names.Select(n => new object[] { n });

    public static IEnumerable<object[]> BrainfuckPrograms => Bf.Programs.Names.Where(n => n != "long").Select(n => new object[] { n });

    private static void AssertSameAsPlain(PortalJit jit, string name)
    {
        var args = SmallArguments[name];
        var plainOutput = new StringWriter();
        long plain = Vm.Runner.Run(Vm.Programs.Source(name), plainOutput, args);
        var jitOutput = new StringWriter();
        var result = jit.Invoke(Vm.Runner.PortalArguments(Vm.Programs.Source(name), jitOutput, args));
        Assert.AreEqual(plain, result);
        Assert.AreEqual(plainOutput.ToString(), jitOutput.ToString());
    }

    [TestMethod]
    [DynamicData(nameof(StackVmPrograms))]
    public void StackVmProgramsBehaveAsThePlainInterpreter(string name) => AssertSameAsPlain(StackVm.Value, name);

    [TestMethod]
    [DynamicData(nameof(StackVmPrograms))]
    public void StackVmProgramsBehaveAsThePlainInterpreterWithUnitsThatExitOften(string name) => AssertSameAsPlain(StackVmTinyUnits.Value, name);

    [TestMethod]
    [DynamicData(nameof(BrainfuckPrograms))]
    public void BrainfuckProgramsBehaveAsThePlainInterpreter(string name)
    {
        foreach (var jit in new[] { Brainfuck.Value, BrainfuckTinyUnits.Value })
        {
            var plainOutput = new StringWriter();
            int plain = Bf.Runner.Run(Bf.Programs.Source(name), plainOutput);
            var jitOutput = new StringWriter();
            var result = jit.Invoke(Bf.Runner.PortalArguments(Bf.Programs.Source(name), jitOutput));
            Assert.AreEqual(plain, result);
            Assert.AreEqual(plainOutput.ToString(), jitOutput.ToString());
        }
        Assert.IsNotEmpty(Brainfuck.Value.Units, "a loop was hot enough to compile");
    }

    [TestMethod]
    public void UnitsThatHitTheirBudgetExitAndTheInterpreterGoesOn()
    {
        AssertSameAsPlain(StackVmTinyUnits.Value, "nested");
        var units = StackVmTinyUnits.Value.Units;
        Assert.IsTrue(units.Any(u => u.Unit.Exits.Count > 0), "some unit has exits");
        Assert.IsTrue(units.All(u => u.Unit.Keys.Count <= 3));
    }

    [TestMethod]
    public void AnExceptionInCompiledCodeIsTheInterpretersException()
    {
        // Division by a value that reaches zero inside the hot loop: the same exception, from compiled code.
        const string source = """
            func main 1 2
                push 0
                store 1
            loop:
                push 100
                load 0
                div
                pop
                load 0
                push 1
                sub
                dup
                store 0
                push -1
                gt
                jnz loop
                ret
            end
            """;
        var plain = Assert.Throws<DivideByZeroException>(() => Vm.Runner.Run(source, TextWriter.Null, 50));
        var jitted = Assert.Throws<DivideByZeroException>(() => StackVm.Value.Invoke(Vm.Runner.PortalArguments(source, TextWriter.Null, 50)));
        Assert.AreEqual(plain.Message, jitted.Message);
    }
}

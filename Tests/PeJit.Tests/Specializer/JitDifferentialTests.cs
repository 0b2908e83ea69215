using PeJit.Runtime;
using PeJit.Specializer.Engine;
using Vm = PeJit.Examples.StackVm;
using Bf = PeJit.Examples.Brainfuck;

namespace PeJit.Tests.Specializer;

/// <summary>
/// Differential: every program of both examples, run with its hot loops specialized and compiled, prints
/// and returns exactly what the plain interpreter does; also with budgets so small that units exit to the
/// interpreter constantly. Each run asserts that compiled code ran: in strict mode (on in every test) a unit
/// that fails to compile fails the test, and a run where nothing got compiled fails it too.
/// </summary>
[TestClass]
public sealed class JitDifferentialTests
{
    private static readonly Dictionary<string, long[]> SmallArguments = new()
    {
        ["count"] = [5000], ["factorial"] = [20], ["fib"] = [15], ["nested"] = [60], ["long"] = [5000],
    };

    /// <summary>
    /// Programs that run no compiled code yet (none: fib, loop-free recursion, compiles since the portal's entry
    /// counts like a <c>CanEnterJit</c>). A program added here makes this test fail once it runs compiled code,
    /// so that it moves out of this set.
    /// </summary>
    private static readonly HashSet<string> InterpretedOnly = [];

    private static readonly Lazy<PortalJit> StackVm = new(() => PortalJit.Create(Vm.Runner.Portal, new JitSettings { Threshold = 3, CompileFunctions = true }));
    private static readonly Lazy<PortalJit> StackVmTinyUnits = new(() => PortalJit.Create(Vm.Runner.Portal,
        new JitSettings { Threshold = 2, CompileFunctions = true, Specialization = new SpecializationSettings { MaxKeysPerUnit = 3 } }));
    private static readonly Lazy<PortalJit> Brainfuck = new(() => PortalJit.Create(Bf.Runner.Portal, new JitSettings { Threshold = 3 }));
    private static readonly Lazy<PortalJit> BrainfuckTinyUnits = new(() => PortalJit.Create(Bf.Runner.Portal,
        new JitSettings { Threshold = 2, Specialization = new SpecializationSettings { MaxKeysPerUnit = 4 } }));

    public static IEnumerable<object[]> StackVmPrograms => Vm.Programs.Names.Select(n => new object[] { n });

    public static IEnumerable<object[]> BrainfuckPrograms => Bf.Programs.Names.Where(n => n != "long").Select(n => new object[] { n });

    /// <summary>Runs the stack VM program <paramref name="name"/> plain and through <paramref name="jit"/>: same result, same output, and compiled code ran.</summary>
    internal static void AssertSameAsPlain(PortalJit jit, string name, bool compiled = true)
    {
        var args = SmallArguments[name];
        var plainOutput = new StringWriter();
        long plain = Vm.Runner.Run(Vm.Programs.Source(name), plainOutput, args);
        var jitOutput = new StringWriter();
        var result = AssertUnitsEntered(jit, name, () => jit.Invoke(Vm.Runner.PortalArguments(Vm.Programs.Source(name), jitOutput, args)), compiled && !InterpretedOnly.Contains(name));
        Assert.AreEqual(plain, result);
        Assert.AreEqual(plainOutput.ToString(), jitOutput.ToString());
    }

    /// <summary>
    /// Runs <paramref name="run"/> and asserts that it entered compiled code: some unit of <paramref name="jit"/>
    /// was entered more often after it than before (units are per green key, and keys hold the program, so the
    /// units of earlier runs do not count). With <paramref name="expected"/> false, asserts that none was.
    /// </summary>
    internal static object? AssertUnitsEntered(PortalJit jit, string name, Func<object?> run, bool expected = true)
    {
        var before = jit.Units.ToDictionary(u => u, u => u.Entries);
        var result = run();
        var entered = jit.Units.Where(u => u.Entries > before.GetValueOrDefault(u)).ToList();
        if (!expected)
        {
            Assert.IsEmpty(entered, $"{name} now runs compiled code: take it out of {nameof(InterpretedOnly)}");
            return result;
        }
        Assert.IsNotEmpty(entered, $"{name}: no unit was compiled and entered, so this run tested only the interpreter (units: {jit.Units.Count}; run with PEJIT_LOG=units to see why)");
        Assert.IsTrue(entered.All(u => u.Size > 0), $"{name}: an entered unit has no residual code");
        return result;
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
            var result = AssertUnitsEntered(jit, name, () => jit.Invoke(Bf.Runner.PortalArguments(Bf.Programs.Source(name), jitOutput)));
            Assert.AreEqual(plain, result);
            Assert.AreEqual(plainOutput.ToString(), jitOutput.ToString());
        }
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
        var jitted = Assert.Throws<DivideByZeroException>(() =>
            AssertUnitsEntered(StackVm.Value, "a division by zero", () => StackVm.Value.Invoke(Vm.Runner.PortalArguments(source, TextWriter.Null, 50))));
        Assert.AreEqual(plain.Message, jitted.Message);
    }
}

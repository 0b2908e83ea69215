using PeJit.Runtime;
using PeJit.Specializer.Engine;
using Vm = PeJit.Examples.StackVm;

namespace PeJit.Tests.Runtime;

/// <summary>
/// A green operation that throws while specializing (the interpreter would throw there with these greens):
/// compiled code throws the same exception at the same point, and the rest of the unit is compiled.
/// </summary>
[TestClass]
public sealed class GreenTrapTests
{
    /// <summary>A loop whose exit runs off the end of the code: the dispatch loop's green <c>code.Ops[pc]</c> is out of range there.</summary>
    private const string RunsOffTheCode = """
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
        end
        """;

    private static string Outcome(Func<TextWriter, object?> run)
    {
        var output = new StringWriter();
        try
        {
            return $"returned {run(output)}; output {output}";
        }
        catch (Exception e)
        {
            var thrown = e is System.Reflection.TargetInvocationException { InnerException: { } inner } ? inner : e;
            return $"threw {thrown.GetType().Name}: {thrown.Message}; output {output}";
        }
    }

    [TestMethod]
    [DataRow(true, DisplayName = "keys on the loop only")]
    [DataRow(false, DisplayName = "every key reached")]
    public void AGreenIndexOutOfRangeBecomesResidualCodeThatThrows(bool onlyKeysOnCycle)
    {
        var log = new StringWriter();
        var jit = PortalJit.Create(Vm.Runner.Portal, new JitSettings
        {
            Threshold = 3, Log = log,
            Specialization = new SpecializationSettings { OnlyKeysOnCycle = onlyKeysOnCycle },
        });
        string plain = Outcome(output => Vm.Runner.Run(RunsOffTheCode, output, 20));
        StringAssert.StartsWith(plain, "threw IndexOutOfRangeException", "the program ends off its code");
        Assert.AreEqual(plain, Outcome(output => jit.Invoke(Vm.Runner.PortalArguments(RunsOffTheCode, output, 20))));

        // Before, the whole unit was dropped: "the green 'ldelem' ... threw IndexOutOfRangeException while specializing".
        Assert.DoesNotContain("while specializing", log.ToString());
        Assert.IsNotEmpty(jit.Units, "the loop was compiled although a path of it leads off the code");
        Assert.IsGreaterThan(0L, jit.Units.Sum(u => u.Entries), "compiled code ran");
        if (!onlyKeysOnCycle)
        {
            // The key off the code is in the unit: its compiled code throws, as the interpreter does.
            Assert.IsTrue(jit.Units.Any(u => u.Unit.Notes.Any(n => n.Contains("throws IndexOutOfRangeException", StringComparison.Ordinal))), log.ToString());
        }
    }
}

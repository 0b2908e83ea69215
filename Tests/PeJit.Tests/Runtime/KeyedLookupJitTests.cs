using PeJit.IR;
using PeJit.IR.Text;
using PeJit.Runtime;
using PeJit.Tests.Specializer;
using PeJit.TestSubjects;

namespace PeJit.Tests.Runtime;

/// <summary>
/// Dictionary lookups whose key class's <c>GetHashCode</c> writes (<see cref="KeyedVm"/>: it counts its calls): not
/// pure (<c>KnownPureCalls</c>), so a green lookup is not run while specializing, two equal lookups are not merged and
/// none leaves the loop. JIT-enabled, the program prints what the plain interpreter prints: the sum and the hash count.
/// </summary>
[TestClass]
public sealed class KeyedLookupJitTests
{
    private static (long Result, string Output) Run(Func<object?[], object?> invoke, long n)
    {
        var counter = new HashCounter();
        var code = KeyedVm.Program(counter);
        var table = KeyedVm.Table(counter);
        var output = new StringWriter();
        long result = (long)invoke([code, table, counter, output, n])!;
        return (result, output.ToString());
    }

    private static PortalJit Jit(int threshold = 3) => PortalJit.Create(typeof(KeyedVm).GetMethod(nameof(KeyedVm.Run))!, new JitSettings { Threshold = threshold });

    [TestMethod]
    [DataRow(1L)]
    [DataRow(10L)]
    [DataRow(1000L)]
    public void TheHashCountIsThePlainInterpretersCount(long n)
    {
        var plain = Run(a => KeyedVm.Run((KeyedCode)a[0]!, (Dictionary<CountingKey, long>)a[1]!, (HashCounter)a[2]!, (TextWriter)a[3]!, (long)a[4]!), n);
        // Five hashes per turn: two constants, the table twice, one ContainsKey.
        Assert.AreEqual($"{n * (10 + 7 * 3 + 20)} {5 * n}\n".ReplaceLineEndings(), plain.Output, "what the program computes");
        var jit = Jit();
        var compiled = JitDifferentialTests.AssertUnitsEntered(jit, $"keyed {n}", () => Run(jit.Invoke, n), expected: n >= 10);
        Assert.AreEqual(plain, compiled);
    }

    [TestMethod]
    public void TheLookupsStayCallsInTheLoop()
    {
        var jit = Jit(threshold: 2);
        Run(jit.Invoke, 100);
        Assert.IsNotEmpty(jit.Units, "the loop was compiled");
        var loop = jit.Units.OrderByDescending(u => u.Unit.Keys.Count).First().Unit.Residual;
        var calls = loop.Blocks.SelectMany(b => loop[b].Instructions)
            .Where(i => i.Method is { } m && m.DeclaringTypeName.StartsWith("System.Collections.Generic.Dictionary`2", StringComparison.Ordinal)).ToList();
        string text = IrPrinter.Print(loop);
        Assert.IsTrue(calls.All(c => !c.Method!.IsPure && !c.Method.ReadsOnly), "no lookup with a writing key is pure or reads only:\n" + text);
        // At least once each (peeling may copy them): the two constants and the two table reads.
        Assert.IsGreaterThanOrEqualTo(4, calls.Count(c => c.Method!.Name == "get_Item"), "the two constants and the two table reads stay calls:\n" + text);
    }
}

using PeJit.Runtime;
using Rvm = PeJit.Examples.RegisterVm;

namespace PeJit.Tests.Runtime;

/// <summary>
/// The RegisterVm's struct instructions (<c>readonly record struct Instr</c>) compiled: every program gives what
/// the plain interpreter gives, and its loops run as compiled units.
/// </summary>
[TestClass]
public sealed class GreenStructJitTests
{
    private static readonly (string Name, long Size)[] Programs = [("factorial", 20), ("fib", 15), ("primes", 1000), ("long", 20000)];

    private static (long Result, string Output) Plain(string name, long size)
    {
        var output = new StringWriter();
        return (Rvm.Runner.Run(Rvm.Programs.Source(name), output, size), output.ToString());
    }

    [TestMethod]
    public void EveryProgramGivesWhatThePlainInterpreterGives()
    {
        foreach (var (name, size) in Programs)
        {
            var jit = PortalJit.Create(Rvm.Runner.Portal, new JitSettings { Threshold = 3 });
            var output = new StringWriter();
            long result = (long)jit.Invoke(Rvm.Runner.PortalArguments(Rvm.Programs.Source(name), output, size))!;
            Assert.AreEqual(Plain(name, size), (result, output.ToString()), name);
            if (name is "fib") continue;   // no backward jump: nothing gets hot
            Assert.IsNotEmpty(jit.Units, $"{name}: a loop was compiled");
            Assert.IsTrue(jit.Units.Any(u => u.Entries > 0), $"{name}: compiled code was entered");
            foreach (var unit in jit.Units)
            {
                var residual = unit.Unit.Residual;
                var calls = residual.Blocks.SelectMany(b => residual[b].Instructions).Where(i => i.Method is not null).Select(i => i.Method!.Name);
                Assert.IsFalse(calls.Any(c => c.StartsWith("get_", StringComparison.Ordinal)), $"{name}: the instruction's getters ran while specializing");
            }
        }
    }
}

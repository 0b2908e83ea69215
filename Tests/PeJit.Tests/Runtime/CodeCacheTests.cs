using PeJit.Runtime;
using PeJit.Specializer.Engine;
using Vm = PeJit.Examples.StackVm;

namespace PeJit.Tests.Runtime;

/// <summary>
/// The code cache under pressure: a bound smaller than the program's hot code drops units while the program
/// runs; results stay those of the plain interpreter, and compile time stays bounded.
/// </summary>
[TestClass]
public sealed class CodeCacheTests
{
    /// <summary>A loop of many instructions, turned 2,000 times: units of three keys exit into one another all around it.</summary>
    private const string LongLoop = """
        func main 1 3
            push 0
            store 1
            push 0
            store 2
        loop:
            load 2
            load 1
            add
            store 2
            load 2
            push 7
            mod
            store 2
            load 1
            push 1
            add
            dup
            store 1
            load 0
            lt
            jnz loop
            load 2
            print
            ret
        end
        """;

    private static (string Output, long Result) Plain(string source, long[] args)
    {
        var output = new StringWriter();
        long result = Vm.Runner.Run(source, output, args);
        return (output.ToString(), result);
    }

    private static (string Output, long Result) Jitted(PortalJit jit, string source, long[] args)
    {
        var output = new StringWriter();
        long result = (long)jit.Invoke(Vm.Runner.PortalArguments(source, output, args))!;
        return (output.ToString(), result);
    }

    [TestMethod]
    public void AKeyDroppedAndCompiledAgainTooOftenIsLeftToTheInterpreter()
    {
        // Units of at most three keys and a cache that holds only the newest: each unit exits to a key whose
        // unit was just dropped, so without a bound every turn of the loop compiles again.
        var log = new StringWriter();
        var settings = new JitSettings
        {
            Threshold = 2, CacheLimit = 10, MaxRecompilesPerUnit = 2, Log = log,
            Specialization = new SpecializationSettings { MaxKeysPerUnit = 3 },
        };
        var jit = PortalJit.Create(Vm.Runner.Portal, settings);
        long[] args = [2000];
        Assert.AreEqual(Plain(LongLoop, args), Jitted(jit, LongLoop, args));

        var lines = log.ToString().Split('\n');
        int compiled = lines.Count(l => l.StartsWith("pejit: compiled", StringComparison.Ordinal));
        var givenUp = lines.Where(l => l.Contains("dropped from the code cache", StringComparison.Ordinal)).ToList();
        int keys = lines.Where(l => l.StartsWith("pejit: compiled", StringComparison.Ordinal)).Select(l => l[..l.IndexOf(": ", 16, StringComparison.Ordinal)]).Distinct().Count();
        Assert.IsGreaterThan(0L, jit.Runtime.Cache.Evicted, "the bound dropped units");
        // Each key is specialized at most MaxRecompilesPerUnit + 1 times, then logged once and left to the interpreter.
        Assert.IsLessThanOrEqualTo(keys * (settings.MaxRecompilesPerUnit + 1), compiled, $"{compiled} units for {keys} keys:\n{log}");
        Assert.IsNotEmpty(givenUp, "a key that kept being dropped was named in the log");
        Assert.AreEqual(givenUp.Count, givenUp.Distinct().Count(), "each key given up is logged once");
    }
}

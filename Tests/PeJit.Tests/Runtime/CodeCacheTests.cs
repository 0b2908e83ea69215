using System.Runtime.CompilerServices;
using PeJit.Backends.Cil;
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
    /// <summary>A loop of many instructions, turned 2,000 times: units of three keys exit into one another all around it (the AMD64 code-memory tests use it too).</summary>
    internal const string LongLoop = """
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
    /// <summary>Weak references to the compiled code of each unit held now.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static List<WeakReference> CodeOf(PortalJit jit) =>
        jit.Units.Select(u => new WeakReference(((CilCompiledCode)u.Code).Method)).ToList();

    private static void Collect()
    {
        for (int i = 0; i < 3; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
    }

    [TestMethod]
    public void DroppedUnitsAreCollected()
    {
        // A bound smaller than any unit: each unit compiled drops all the others.
        var jit = PortalJit.Create(Vm.Runner.Portal, new JitSettings { Threshold = 2, CacheLimit = 10 });
        long[] args = [200];
        Assert.AreEqual(Plain(LongLoop, args), Jitted(jit, LongLoop, args));
        var first = CodeOf(jit);
        Assert.IsNotEmpty(first, "the first program was compiled");
        var nested = Vm.Programs.Source("nested");
        Assert.AreEqual(Plain(nested, [60]), Jitted(jit, nested, [60]));
        Assert.IsGreaterThan(0L, jit.Runtime.Cache.Evicted, "the second program's units dropped the first's");
        Collect();
        Assert.IsTrue(first.All(w => !w.IsAlive), $"{first.Count(w => w.IsAlive)} of {first.Count} dropped units' DynamicMethods are still alive");
        GC.KeepAlive(jit);
    }

    /// <summary>Logs each unit <paramref name="jit"/> holds now, as the runtime does when one is compiled.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void LogUnits(JitLog log, PortalJit jit)
    {
        foreach (var unit in jit.Units) log.UnitCompiled("Run", unit);
    }

    [TestMethod]
    public void TheSummaryLogDoesNotKeepDroppedUnitsAlive()
    {
        // PEJIT_LOG=summary remembers every unit for the summary at exit: it must not hold the units
        // themselves, or a long run under a small cache keeps every unit it ever compiled.
        var summary = new StringWriter();
        var log = new JitLog(JitLogTopics.Summary, () => summary);
        var jit = PortalJit.Create(Vm.Runner.Portal, new JitSettings { Threshold = 2, CacheLimit = 10 });
        Assert.AreEqual(Plain(LongLoop, [200]), Jitted(jit, LongLoop, [200]));
        var first = CodeOf(jit);
        LogUnits(log, jit);
        var nested = Vm.Programs.Source("nested");
        Assert.AreEqual(Plain(nested, [60]), Jitted(jit, nested, [60]));
        Assert.IsGreaterThan(0L, jit.Runtime.Cache.Evicted, "the second program's units dropped the first's");
        Collect();
        Assert.IsTrue(first.All(w => !w.IsAlive), $"{first.Count(w => w.IsAlive)} of {first.Count} logged and dropped units are still alive");
        log.WriteSummary();
        StringAssert.Contains(summary.ToString(), "dropped (replaced by a recompiled unit or evicted) and collected", "the summary says what became of a unit it no longer has");
        GC.KeepAlive(jit);
    }

    /// <summary>Makes a <see cref="PortalJit"/>, runs a program with it, and returns weak references to it, its runtime and its code.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static List<WeakReference> UseAndForget()
    {
        var jit = PortalJit.Create(Vm.Runner.Portal, new JitSettings { Threshold = 2 });
        long[] args = [200];
        Assert.AreEqual(Plain(LongLoop, args), Jitted(jit, LongLoop, args));
        Assert.IsNotEmpty(jit.Units);
        return [new WeakReference(jit), new WeakReference(jit.Runtime), .. CodeOf(jit)];
    }

    [TestMethod]
    public void APortalJitNoLongerUsedIsCollected()
    {
        var references = UseAndForget();
        Collect();
        Assert.IsTrue(references.All(w => !w.IsAlive), $"{references.Count(w => w.IsAlive)} of the PortalJit, its runtime and its {references.Count - 2} units are still alive");
    }

    [TestMethod]
    public void ThreadsRunningDifferentProgramsUnderATinyCacheGetThePlainResults()
    {
        var jit = PortalJit.Create(Vm.Runner.Portal, new JitSettings { Threshold = 2, CacheLimit = 40 });
        (string Source, long[] Args)[][] work =
        [
            [(LongLoop, [500]), (Vm.Programs.Source("nested"), [40]), (Vm.Programs.Source("fib"), [12])],
            [(Vm.Programs.Source("count"), [3000]), (LongLoop, [300]), (Vm.Programs.Source("factorial"), [15])],
            [(Vm.Programs.Source("long"), [2000]), (Vm.Programs.Source("nested"), [30]), (LongLoop, [700])],
        ];
        var failures = new List<string>();
        using var start = new Barrier(work.Length);
        var threads = work.Select(programs => new Thread(() =>
        {
            start.SignalAndWait();
            for (int round = 0; round < 3; round++)
            {
                foreach (var (source, args) in programs)
                {
                    var expected = Plain(source, args);
                    var actual = Jitted(jit, source, args);
                    if (actual != expected) lock (failures) failures.Add($"round {round}, args {args[0]}: got {actual}, expected {expected}");
                }
            }
        })).ToList();
        foreach (var thread in threads) thread.Start();
        foreach (var thread in threads) Assert.IsTrue(thread.Join(TimeSpan.FromMinutes(3)), "a thread did not finish");
        Assert.IsEmpty(failures, string.Join("\n", failures));
        Assert.IsGreaterThan(0L, jit.Runtime.Cache.Evicted, "units were dropped while the threads ran");
        Assert.IsLessThanOrEqualTo(jit.Settings.CacheLimit + jit.Units.Select(u => (long)u.Size).DefaultIfEmpty(0).Max(), jit.Runtime.Cache.Size, "the cache stays near its bound");
    }
}

using PeJit.Runtime;
using Lua = PeJit.Examples.Lua;

namespace PeJit.Tests.Examples;

/// <summary>
/// The runtime converges on a unit per hot key instead of recompiling it once per <c>Jit.PromoteClass</c> site and
/// class. A unit compiled before its sites have cases leaves at the first site it meets; when the graph evaluator
/// finishes that step it goes on to the unit's entry and notes the class at every site it passes, and the unit is
/// specialized again with all of them at once. Before, each recompilation revealed only the next site: nbody made
/// 23 to 26 units for its 4 hot keys, errors 5 for 1, numeric 7 for 2 (PEJIT_LOG=summary). Each run must print
/// what the plain interpreter prints.
/// </summary>
[TestClass]
public sealed class LuaRecompilationTests
{
    /// <summary>
    /// Runs <paramref name="program"/> <paramref name="runs"/> times on one code object (the green keys stay the same) and one
    /// <see cref="PortalJit"/>, made with <paramref name="settings"/> (given the log; the defaults with it when null).
    /// </summary>
    private static (PortalJit Jit, string Log) RunJitEnabled(string program, long size, int runs, Action<PortalJit, int>? afterRun = null,
        Func<StringWriter, JitSettings>? settings = null, StringWriter? log = null) =>
        LuaJitRuns.Run(program, size, runs, afterRun, settings, log);

    private static int HotKeys(PortalJit jit) => jit.Units.Select(u => u.Unit.Entry).Distinct().Count();

    [TestMethod]
    [DataRow("nbody", 2000L, 3)]
    [DataRow("numeric", 20000L, 3)]
    // pcall's callee `check` is inlined into the loop's try (its key is known at the call). Its classes were learned one
    // recompilation at a time (9-10 units): the learning evaluator noted everything at the exit's key and ran the callee
    // by its real method. Now it follows the interpreted call into the portal's graph and notes each site at the
    // callee's step (StepLearner), builtins called through delegates included, so the recompilation that inlines check
    // has its cases: 2 units (one without cases, one with them).
    [DataRow("errors", 5000L, 2)]
    // accumulate and worth (and type, a builtin) inlined twice per turn, on integers, floats and strings: 8 units before, 2 now.
    [DataRow("polymorphic", 20000L, 2)]
    public void EachHotKeyIsCompiledAFewTimesNotOncePerSiteAndClass(string program, long size, int perKey)
    {
        var (jit, log) = RunJitEnabled(program, size, runs: 2);
        int keys = HotKeys(jit);
        Assert.IsGreaterThan(0, keys, $"{program}'s loops compile: {log}");
        Assert.IsLessThanOrEqualTo(perKey * keys, jit.Runtime.Compilations, $"{program}: {jit.Runtime.Compilations} units compiled for {keys} hot keys: {log}");
    }

    [TestMethod]
    public void AUnitPastTheILBoundIsNotSpecializedAgain()
    {
        // .NET compiles a unit of more than 60,000 IL bytes without optimizations (polymorphic's final unit went 36 bytes
        // past it): specialized again with more cases it would only grow, at the cost of a whole compilation each time.
        // With the bound lowered so that every unit is past it, each hot key is compiled once and stays (its exits
        // leave to the interpreter), and the program still prints what the plain interpreter prints.
        var (jit, log) = RunJitEnabled("polymorphic", 20000, runs: 2, settings: writer => new JitSettings { Log = writer, FinalUnitILBytes = 1 });
        Assert.IsTrue(jit.Units.All(u => u.Final), $"every unit is past the bound: {log}");
        Assert.AreEqual(HotKeys(jit), jit.Runtime.Compilations, $"each hot key compiled once: {log}");
        Assert.IsGreaterThan(0L, jit.Units.Sum(u => u.ExitsTaken), $"the units left at cases they do not have, and were not specialized again: {log}");
    }

    /// <summary>A log that notes which thread wrote each unit's "compiled" line.</summary>
    private sealed class ThreadNotingLog : StringWriter
    {
        public readonly System.Collections.Concurrent.ConcurrentBag<int> CompilingThreads = [];

        public override void WriteLine(string? value)
        {
            if (value is not null && value.StartsWith("pejit: compiled", StringComparison.Ordinal)) CompilingThreads.Add(Environment.CurrentManagedThreadId);
            base.WriteLine(value);
        }
    }

    [TestMethod]
    public void WithBackgroundCompilationARecompilationForPromotedClassesLeavesTheInterpretersThreadAlone()
    {
        // polymorphic's loop unit is compiled first without cases at its Jit.PromoteClass sites, left mid-step at
        // once, and specialized again with the classes the evaluator saw: that recompilation (50-120 ms) ran on the
        // interpreter's thread, which stood still meanwhile. In the background, the unit it replaces stands by (the
        // interpreter runs its key instead of entering a unit that leaves at once), and the units are the same as in the foreground.
        var log = new ThreadNotingLog();
        // The calls not inlined: inlined, the callees' classes are learned over more recompilations, as many as the
        // background thread's timing lets the runs see (LuaPolymorphicTests has the inlined loop).
        // Two runs: the class the loop's end meets once per run gets its case in the third (PromotionThreshold), a third unit.
        var (jit, _) = RunJitEnabled("polymorphic", 20000, runs: 2,
            afterRun: (running, _) => Assert.IsTrue(running.Runtime.WaitForCompilations(TimeSpan.FromMinutes(2))),
            settings: writer => new JitSettings
            {
                // The recompilation is what this test is about: not learned before the first unit (the evaluator may have run in this process).
                Log = writer, BackgroundCompilation = true, LearnFirst = false,
                Specialization = PeJit.Specializer.Engine.SpecializationSettings.Default with { InlineKnownPortalCalls = false },
            },
            log: log);
        Assert.IsGreaterThan(0, jit.Units.Sum(u => u.Recompilations), $"the loop unit was specialized again with the classes it saw: {log}");
        Assert.DoesNotContain(Environment.CurrentManagedThreadId, log.CompilingThreads.ToList(), $"a unit was compiled on the interpreter's thread: {log}");
        Assert.IsLessThanOrEqualTo(2, jit.Runtime.Compilations, $"the loop's key: a unit without cases, then one with them: {log}");
    }

    [TestMethod]
    [DataRow("sieve", 20000L)]
    [DataRow("nbody", 1000L)]
    [DataRow("numeric", 20000L)]
    public void OnceTheEvaluatorHasRunALoopLearnsATurnsClassesBeforeItsFirstUnit(string program, long size)
    {
        // A loop's first unit compiled without cases leaves at its first Jit.PromoteClass and is specialized again with what
        // the evaluator saw there (sieve: 93 then 554 residual instructions for its first loop; 24, 446, then 1,181 for the
        // other). With JitSettings.LearnFirst, once the evaluator has run in the process (here: set, as a test in the same
        // process may not have run it yet), the key's first hot visit runs a turn of its loop in the learning evaluator and
        // the first unit has those cases: fewer units in all, and the learning is logged. Each run prints what the plain
        // interpreter prints (LuaJitRuns).
        bool before = PortalRuntime.EvaluatorRan;
        PortalRuntime.EvaluatorRan = true;
        try
        {
            var (off, offLog) = RunJitEnabled(program, size, runs: 1, settings: writer => new JitSettings { Log = writer, LearnFirst = false });
            var (on, onLog) = RunJitEnabled(program, size, runs: 1, settings: writer => new JitSettings { Log = writer, LearnFirst = true });
            Assert.Contains("learned before its first unit", onLog, $"{program}: no key learned a turn first: {onLog}");
            Assert.DoesNotContain("learned before its first unit", offLog, $"{program}: learned with LearnFirst off: {offLog}");
            Assert.IsLessThan(off.Runtime.Compilations, on.Runtime.Compilations,
                $"{program}: {on.Runtime.Compilations} units learning first, {off.Runtime.Compilations} without:\n{onLog}\n---\n{offLog}");
        }
        finally
        {
            PortalRuntime.EvaluatorRan = before;
        }
    }

    [TestMethod]
    public void TheRunsConvergeOnTheirUnits()
    {
        // Once the cases a run needs are compiled, later runs run on the units they find: the fifth run compiles
        // nothing. Not the third any more: a class or value seen once per run (at a site the loop units reach once per
        // call of the function or once after the loop: nbody's first subtraction of an integer in advance, the call of
        // energy after the main loop, whose callee's class and prototype the interpreter promotes) gets its case when it
        // has been counted twice (PromotionThreshold), that is in the run after the second that reaches it; the main
        // loop's tail reaches its call in the first run, advance's sites in the second (10, 11, 12, 13, 13 units after
        // each run, nbody 2000).
        var compiled = new List<long>();
        var (_, log) = RunJitEnabled("nbody", 2000, runs: 5, (jit, _) => compiled.Add(jit.Runtime.Compilations));
        Assert.AreEqual(compiled[3], compiled[4], $"the fifth run compiled again ({string.Join(", ", compiled)} units after each run): " + log);
    }
}

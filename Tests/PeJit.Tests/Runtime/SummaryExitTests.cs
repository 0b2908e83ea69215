using System.Globalization;
using PeJit.Runtime;
using static PeJit.AnalysisSubjects.RegisterVm;

namespace PeJit.Tests.Runtime;

/// <summary>
/// The summary (<c>PEJIT_LOG=summary</c>) names the exits a unit left at and how often: whether a loop leaves
/// once at its end, or at every entry at a guard or a promotion miss, is what tells slow compiled code apart
/// from code that is entered too often (Examples/Lua's findings read it). Each run also checks the result
/// against the plain interpreter.
/// </summary>
[TestClass]
public sealed class SummaryExitTests
{
    private static readonly System.Reflection.MethodInfo Portal = typeof(PeJit.AnalysisSubjects.RegisterVm).GetMethod(nameof(Run))!;

    /// <summary>A loop (instructions 0-2) of r2 iterations, then a print.</summary>
    private static readonly int[] Loop =
    [
        Add, 0, 0, 4,           // 0: r0 += 1
        Add, 1, 1, 4,           // 1: r1 += 1
        JumpLess, 1, 2, 0,      // 2: loop while r1 < r2
        Print, 0, 0, 0,         // 3
        Halt, 0, 0, 0,          // 4
    ];

    private static long[] Registers(long count) => [0, 0, count, 0, 1, 10, 20, 0, 0, 0];

    [TestMethod]
    public void TheSummaryCountsEachExitTakenPerUnit()
    {
        // No recompilation: the loop's exit, taken once per run, would otherwise bring the code after it into the unit.
        var jit = PortalJit.Create(Portal, new JitSettings { Threshold = 3, MaxRecompilesPerUnit = 0 });
        const int runs = 4;
        for (int run = 0; run < runs; run++)
        {
            var plain = new StringWriter();
            var jitted = new StringWriter();
            Assert.AreEqual(Run(Loop, Registers(500), plain), (long)jit.Invoke(Loop, Registers(500), jitted)!, $"run {run}");
            Assert.AreEqual(plain.ToString(), jitted.ToString(), $"run {run}");
        }

        var loop = jit.Units.Single(u => (int)u.Unit.Entry.Values[0]! == 0);
        var end = loop.Unit.Exits.Single(e => (int)e.Key.Values[0]! == 3);
        // The first run compiles the loop in its third turn and enters it once; every later run enters it once
        // more. Each entry leaves once, where the loop ends: one exit per entry, at no other exit.
        Assert.AreEqual(loop.Entries, loop.ExitsTaken, "every entry left the loop once");
        Assert.AreEqual(loop.Entries, loop.TimesTaken(end.Index), "all at the loop's end");
        Assert.AreEqual((long)runs, loop.Entries);

        var summary = new StringWriter();
        var log = new JitLog(JitLogTopics.Summary, () => summary);
        foreach (var unit in jit.Units) log.UnitCompiled("Run", unit);
        log.WriteSummary();
        string line = summary.ToString().Split('\n').Single(l => l.Contains($"at {loop.Unit.Entry}:", StringComparison.Ordinal));
        StringAssert.Contains(line, string.Create(CultureInfo.InvariantCulture,
            $"left at an exit {runs} times (#{end.Index} {runs}x at {end.Key}: {end.Reason})"), "the exit taken, how often, where to and why");
        GC.KeepAlive(jit);
    }

    [TestMethod]
    public void APortalWhoseHotKeysWereAllRefusedIsNamedWithTheFirstReason()
    {
        // A user whose interpreter compiles nothing sees "0 units compiled": the summary must say why, not only PEJIT_LOG=units.
        var summary = new StringWriter();
        var log = new JitLog(JitLogTopics.Summary, () => summary);
        log.NotCompiled("Vm.Run", new PeJit.Specializer.Engine.GreenKey([38, "code"]), "Vm::Run[GGR]: a declared green is red at the merge point");
        log.NotCompiled("Vm.Run", new PeJit.Specializer.Engine.GreenKey([8, "code"]), "another reason");
        log.WriteSummary();
        string text = summary.ToString();
        StringAssert.Contains(text, "portal Vm.Run: 0 units, 2 hot keys not compilable");
        StringAssert.Contains(text, "no unit: the first hot key was refused at");
        StringAssert.Contains(text, "a declared green is red at the merge point");
        Assert.DoesNotContain("another reason", text, "one reason, the first: the rest are under PEJIT_LOG=units");
    }

    [TestMethod]
    public void TheSummaryStatesTheProcesssCollectionsPausesAndDotnetCompilations()
    {
        // Issue 12's whole-process line is read from these: the collections that paused the interpreter's thread, and what
        // .NET compiled (its tier-1 thread's recompilations among them), as counts a loaded machine moves less than time.
        GC.Collect(0, GCCollectionMode.Forced, blocking: true);
        int gen0 = GC.CollectionCount(0);
        var summary = new StringWriter();
        new JitLog(JitLogTopics.Summary, () => summary).WriteSummary();
        string line = summary.ToString().Split('\n').Single(l => l.StartsWith("  .NET in the process: ", StringComparison.Ordinal));
        var match = System.Text.RegularExpressions.Regex.Match(line,
            @"^  \.NET in the process: (\d+) gen0, \d+ gen1, \d+ gen2 collections, [\d.]+ ms paused in all, \d+ KB allocated; (\d+) methods JIT-compiled in [\d.]+ ms");
        Assert.IsTrue(match.Success, line);
        Assert.IsGreaterThanOrEqualTo(gen0, int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), "the process's gen0 collections, the one forced here included");
        Assert.IsGreaterThan(0, int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture), "this test host compiled methods");
    }

    [TestMethod]
    public void APortalPreparedWithoutAUnitIsNamedWithWhatItsPreparationCost()
    {
        // A short process that ends before its first unit is made (Lua `errors`) paid for the preparation alone: the summary
        // must say so, not leave the portal out because it has no unit.
        var summary = new StringWriter();
        var log = new JitLog(JitLogTopics.Summary, () => summary);
        log.PortalPrepared("Vm.Run", 3, TimeSpan.FromMilliseconds(12.5), parts: "read 4.0 ms, linked 2.0 ms, moved out of gen0 to gen1 in a 3.0 ms pause");
        log.WriteSummary();
        string text = summary.ToString();
        StringAssert.Contains(text, "pejit summary: 0 units compiled");
        StringAssert.Contains(text, "portal Vm.Run: 0 units, 0 hot keys not compilable; prepared (stored extension read and linked) in 12.50 ms (read 4.0 ms, linked 2.0 ms, moved out of gen0 to gen1 in a 3.0 ms pause)");
    }
}

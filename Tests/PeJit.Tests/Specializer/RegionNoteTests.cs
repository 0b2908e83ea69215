using PeJit.Runtime;
using PeJit.TestSubjects;

namespace PeJit.Tests.Specializer;

/// <summary>
/// A unit that holds an exception region is optimized only by the passes that keep regions intact, its hot loop included
/// (<c>Pipeline.RegionSafePasses</c>); the unit's notes (<c>PEJIT_LOG=units</c>) say so, with what to do, so that a person
/// reading why a loop kept its type tests and allocations finds the reason (the query-engine probe's scan loop, whose unit
/// held the <c>foreach</c> after it). A unit without a region has no such note.
/// </summary>
[TestClass]
public sealed class RegionNoteTests
{
    private const string Note = "exception region(s)";

    [TestMethod]
    public void AUnitWithAnExceptionRegionSaysTheOptimizerKeptToThePassesThatKeepRegions()
    {
        var code = (int[])DispatchInTryJitTests.RecoveringPrograms.First()[2];
        var jit = PortalJit.Create(typeof(RecoveringVm).GetMethod(nameof(RecoveringVm.Run))!, new JitSettings { Threshold = 3 });
        JitDifferentialTests.AssertUnitsEntered(jit, "recovering", () => jit.Invoke([code, new long[8], new StringWriter()]));
        var noted = jit.Units.Where(u => u.Unit.Notes.Any(n => n.Contains(Note, StringComparison.Ordinal))).ToList();
        Assert.IsNotEmpty(noted, string.Join("\n", jit.Units.SelectMany(u => u.Unit.Notes)));
        Assert.IsTrue(noted.All(u => u.Unit.Notes.Any(n => n.Contains("outside the portal", StringComparison.Ordinal))), "the note says what to do");
    }

    [TestMethod]
    public void AUnitWithoutARegionHasNoSuchNote()
    {
        var jit = PortalJit.Create(typeof(ConsEvaluator).GetMethod(nameof(ConsEvaluator.Eval))!, new JitSettings { Threshold = 3 });
        var (definition, call, total) = ConsEvaluator.LoopProgram(500);
        var env = new ConsEvaluator.Env(null);
        env.Define(total, 0L);
        jit.Invoke([definition, env]);
        JitDifferentialTests.AssertUnitsEntered(jit, "loop", () => jit.Invoke([call, env]));
        Assert.IsFalse(jit.Units.Any(u => u.Unit.Notes.Any(n => n.Contains(Note, StringComparison.Ordinal))), string.Join("\n", jit.Units.SelectMany(u => u.Unit.Notes)));
    }
}

using PeJit.Runtime;
using Lua = PeJit.Examples.Lua;

namespace PeJit.Tests.Runtime;

/// <summary>
/// One compiled continuation per resume point serves the steps that learn (its reports go to the learning step's observer,
/// its stop hands the slots back) and those that do not (no observer), so learning on continuations, on by default, costs no
/// compilation of its own; and a resume point's continuation is compiled only once an exit needing it was taken
/// <see cref="JitSettings.ContinuationAfter"/> times, the evaluator finishing the steps before that.
/// </summary>
[TestClass]
public sealed class OneContinuationPerResumePointTests
{
    /// <summary>A call site calling ten functions in turn: it leaves mid-step while its unit learns, then past its budget.</summary>
    private const string Megamorphic = CompiledContinuationTests.Megamorphic;

    private static PortalJit Run(string source, long size, int runs, JitSettings settings)
    {
        var plain = new StringWriter();
        Lua.Runner.Run(source, plain, size);
        var code = Lua.Compiler.BytecodeCompiler.Compile(source);
        var jit = PortalJit.Create(Lua.Runner.Portal, settings);
        for (int run = 0; run < runs; run++)
        {
            var output = new StringWriter();
            var state = new Lua.LuaState(code, output);
            state.Globals.Set(new Lua.Values.LuaString("N"), new Lua.Values.LuaInteger(size));
            jit.Invoke(code, code.Main.Entry, new Lua.Frame(new Lua.Values.LuaClosure(code.Main, []), state, [], 0, 0, 0));
            Assert.AreEqual(plain.ToString(), output.ToString(), $"JIT-enabled printed something else in run {run + 1}: {settings.Log}");
        }
        return jit;
    }

    [TestMethod]
    public void LearningOnContinuationsIsTheDefault()
    {
        if (Environment.GetEnvironmentVariable("PEJIT_FINISH") is { Length: > 0 } || Environment.GetEnvironmentVariable("PEJIT_FINISH_AFTER") is { Length: > 0 }
            || Environment.GetEnvironmentVariable("PEJIT_FINISH_LEARNING_AFTER") is { Length: > 0 })
            Assert.Inconclusive("PEJIT_FINISH or PEJIT_FINISH_AFTER is set: the defaults are not what this process gets.");
        var settings = new JitSettings();
        Assert.IsTrue(settings.CompiledFinish);
        Assert.IsTrue(settings.LearningOnContinuations, "learning steps run on continuations by default");
        Assert.AreEqual(JitSettings.DefaultContinuationAfter, settings.ContinuationAfter);
        Assert.AreEqual(JitSettings.DefaultLearningContinuationAfter, settings.LearningContinuationAfter);
    }

    /// <summary>
    /// Lua <c>polymorphic</c> with one case per site and one recompilation per unit: its units leave mid-step while they learn
    /// and after. With continuations compiled at an exit's first take, the learning steps run on the same continuation objects
    /// as the steps that do not learn, each resume point compiled once.
    /// </summary>
    [TestMethod]
    public void ALearningStepAndTheSteadyStateShareTheirResumePointsContinuation()
    {
        var log = new StringWriter();
        var settings = new JitSettings
        {
            Threshold = 3, Log = log, BackgroundCompilation = false, ContinuationAfter = 1, LearningContinuationAfter = 1, MaxRecompilesPerUnit = 1, Strict = true,
            Specialization = new PeJit.Specializer.Engine.SpecializationSettings { MaxCasesPerPromotion = 1 },
        };
        var jit = Run(Lua.Programs.Source("polymorphic"), 3000, runs: 2, settings);
        var runtime = jit.Runtime;
        Assert.IsGreaterThan(0L, runtime.LearningStepsFinishedCompiled, $"learning steps ran on continuations:\n{log}");
        Assert.IsGreaterThan(runtime.LearningStepsFinishedCompiled, runtime.StepsFinishedCompiled, $"steady-state steps ran on continuations too:\n{log}");
        var all = runtime.ContinuationsSoFar;
        Assert.AreEqual((long)all.Count(c => c.Code is not null), runtime.ContinuationsBuilt, "one compilation per resume point");
        var learned = runtime.LearningContinuationsSoFar.Where(c => c.Code is not null && c.Learning?.Refusal is null).ToList();
        Assert.IsNotEmpty(learned, $"a learning step ran on a continuation:\n{log}");
        foreach (var continuation in learned)
            Assert.IsTrue(all.Any(c => ReferenceEquals(c, continuation)), $"{continuation.Where}: a learning step's continuation is the steady state's");
    }

    /// <summary>
    /// Before an exit was taken <see cref="JitSettings.ContinuationAfter"/> times the evaluator finishes its steps and nothing is
    /// compiled; past it, its continuations are compiled and finish the steps.
    /// </summary>
    [TestMethod]
    public void AnExitsContinuationsAreCompiledOnceItWasTakenContinuationAfterTimes()
    {
        var never = Run(Megamorphic, 3000, runs: 2, new JitSettings { Threshold = 3, BackgroundCompilation = false, ContinuationAfter = int.MaxValue });
        Assert.AreEqual(0L, never.Runtime.ContinuationsBuilt, "no exit is taken int.MaxValue times: nothing compiled");
        Assert.AreEqual(0L, never.Runtime.StepsFinishedCompiled);
        Assert.IsGreaterThan(0L, never.Runtime.StepsFinishedByEvaluator, "the evaluator finished the steps");
        Assert.AreEqual(0L, never.Runtime.StepsWithoutContinuation, "a continuation not compiled yet is no refusal");

        var log = new StringWriter();
        var later = Run(Megamorphic, 3000, runs: 2, new JitSettings { Threshold = 3, Log = log, BackgroundCompilation = false, ContinuationAfter = 20 });
        Assert.IsGreaterThan(0L, later.Runtime.ContinuationsBuilt, $"the megamorphic exit is taken thousands of times: compiled\n{log}");
        Assert.IsGreaterThan(later.Runtime.StepsFinishedByEvaluator, later.Runtime.StepsFinishedCompiled, $"most steps on continuations:\n{log}");
        Assert.IsGreaterThanOrEqualTo(19L, later.Runtime.StepsFinishedByEvaluator, "the first 19 takes of each exit in the evaluator");
    }
}

using PeJit.Backends.Cil;
using PeJit.Frontend.Resolution;
using PeJit.IR;
using PeJit.IR.Graphs;
using PeJit.Runtime;
using PeJit.Specializer.Engine;
using Lua = PeJit.Examples.Lua;

namespace PeJit.Tests.Runtime;

/// <summary>
/// A learning step (a mid-step exit while its unit may still be specialized again) runs its exit's frames on learning
/// continuations (<see cref="ContinuationLearning"/>: compiled, each promotion hint reporting what it sees to
/// <see cref="LearningObserver"/>) when no frame's rest may make a call the learning evaluator would follow; it notes what the
/// evaluator would note, at the same positions, so the same units are compiled. Run both ways (<c>PEJIT_FINISH=learning</c>,
/// <see cref="JitSettings.LearningOnContinuations"/>, against <c>PEJIT_FINISH=evaluator</c>) on each bundled Lua program.
/// </summary>
[TestClass]
public sealed class LearningContinuationTests
{
    private sealed record Outcome(PortalJit Jit, List<string> Observed, List<string> Units, string Log);

    private static Outcome Run(string program, long size, int runs, bool compiled, int threshold = 3)
    {
        string source = Lua.Programs.Source(program);
        // A key that gets hot learns its loop's first turn (LearnFirstTurn) in both modes, whatever ran before in this process.
        PortalRuntime.EvaluatorRan = true;
        var plain = new StringWriter();
        Lua.Runner.Run(source, plain, size);
        var log = new StringWriter();
        // Continuations compiled at an exit's first take (ContinuationAfter 1), so that every learning step that can runs on them.
        var settings = new JitSettings { Threshold = threshold, Log = log, CompiledFinish = compiled, LearningOnContinuations = compiled, ContinuationAfter = 1, LearningContinuationAfter = 1, BackgroundCompilation = false, Strict = true };
        var code = Lua.Compiler.BytecodeCompiler.Compile(source);
        var jit = PortalJit.Create(Lua.Runner.Portal, settings);
        jit.Runtime.ObservedByLearningSteps = [];
        for (int run = 0; run < runs; run++)
        {
            var output = new StringWriter();
            var state = new Lua.LuaState(code, output);
            state.Globals.Set(new Lua.Values.LuaString("N"), new Lua.Values.LuaInteger(size));
            jit.Invoke(code, code.Main.Entry, new Lua.Frame(new Lua.Values.LuaClosure(code.Main, []), state, [], 0, 0, 0));
            Assert.AreEqual(plain.ToString(), output.ToString(), $"{program}: JIT-enabled printed something else in run {run + 1} (CompiledFinish {compiled}): {log}");
        }
        var observed = jit.Runtime.ObservedByLearningSteps.Select(step => string.Join("; ", step.Select(Describe))).ToList();
        var units = jit.Units.Select(u => $"{u.Unit.Entry} cases {u.Unit.PromotionCases.Count} recompilations {u.Recompilations}").ToList();
        return new Outcome(jit, observed, units, log.ToString());
    }

    private static string Describe((PromotionSite Site, object? Seen) note) =>
        $"{note.Site.Step} {note.Site.Call.Method?.FullName}@{note.Site.Call.Location} {note.Site.Path} = {(note.Seen is Type type ? type.FullName : $"{note.Seen?.GetType().Name}:{note.Seen}")}";

    [TestMethod]
    [DynamicData(nameof(LuaProgramSizes.Each), typeof(LuaProgramSizes))]
    public void ALearningStepOnContinuationsNotesWhatTheEvaluatorNotes(string program, long size)
    {
        var evaluator = Run(program, size, runs: 2, compiled: false);
        var compiled = Run(program, size, runs: 2, compiled: true);
        Assert.AreEqual(0L, evaluator.Jit.Runtime.LearningStepsFinishedCompiled, "PEJIT_FINISH=evaluator: the evaluator runs every learning step");
        CollectionAssert.AreEqual(evaluator.Observed, compiled.Observed,
            $"{program}: the learning steps noted other cases on continuations ({compiled.Jit.Runtime.LearningStepsFinishedCompiled} of them):\n{compiled.Log}");
        Assert.AreEqual(evaluator.Jit.Runtime.Compilations, compiled.Jit.Runtime.Compilations, $"{program}: the same units are compiled:\n{compiled.Log}");
        Assert.AreEqual(string.Join("\n", evaluator.Units.Order()), string.Join("\n", compiled.Units.Order()), $"{program}: the same units are compiled");
        var runtime = compiled.Jit.Runtime;
        Assert.IsGreaterThan(0L, runtime.LearningStepsFinishedCompiled, $"{program}: learning steps ran on continuations:\n{compiled.Log}");
        // Where no learning continuation was refused (a frame whose rest may call what the learner follows), the evaluator
        // finishes no mid-step exit's step at all: the learning ones run on learning continuations, the others on continuations.
        if (runtime.LearningContinuationsSoFar.All(c => c.Code is not null && c.Learning?.Refusal is null))
            Assert.AreEqual(0L, runtime.StepsFinishedByEvaluator, $"{program}: every learning step had its continuations:\n{compiled.Log}");
        Console.WriteLine($"{program}: {compiled.Observed.Count} learning steps, {compiled.Jit.Runtime.LearningStepsFinishedCompiled} on continuations; "
            + $"evaluator finished {compiled.Jit.Runtime.StepsFinishedByEvaluator} steps (all evaluator: {evaluator.Jit.Runtime.StepsFinishedByEvaluator}); "
            + $"learning loops' later steps and first turns: {runtime.LearningLoopStepsCompiled} compiled, {runtime.LearningLoopStepsEvaluated} evaluated "
            + $"(all evaluator: {evaluator.Jit.Runtime.LearningLoopStepsEvaluated})");
    }

    /// <summary>
    /// Lua <c>nbody</c> and <c>errors</c>, whose learning steps make interpreted calls (the learning evaluator follows them into
    /// the portal's graph; <c>errors</c> through <c>pcall</c>'s helper too): every learning step runs on compiled code, the
    /// exit's frames, the steps after them from the merge point and the loops' first turns, the calls made through the observer
    /// on the portal's learning twin. Before, the evaluator finished the learning steps whose frames could reach such a call
    /// (nbody 3 of 28, errors 3 of 8) and every later step and first turn.
    /// </summary>
    [TestMethod]
    [DataRow("nbody", 300L)]
    [DataRow("errors", 1000L)]
    public void TheEvaluatorFinishesNoLearningStepOfAProgramWhoseStepsMakeInterpretedCalls(string program, long size)
    {
        var compiled = Run(program, size, runs: 2, compiled: true);
        var runtime = compiled.Jit.Runtime;
        Assert.IsGreaterThan(0L, runtime.LearningStepsFinishedCompiled, $"{program}: learning steps ran on continuations:\n{compiled.Log}");
        Assert.IsGreaterThan(0L, runtime.LearningLoopStepsCompiled, $"{program}: later steps ran on the merge point's continuation:\n{compiled.Log}");
        Assert.AreEqual(0L, runtime.StepsFinishedByEvaluator, $"{program}: the evaluator finished no exit's step:\n{compiled.Log}");
        Assert.AreEqual(0L, runtime.LearningLoopStepsEvaluated, $"{program}: the evaluator ran no later step or first turn:\n{compiled.Log}");
    }

    /// <summary>
    /// At every promotion hint of the Lua portal's graph (a resume point before it, so that the copy holds it), a learning
    /// continuation verifies and compiles, with one report per hint it copies, each naming the original hint.
    /// </summary>
    [TestMethod]
    public void EveryResumePointBeforeAHintInTheLuaPortalMakesALearningContinuationThatCompiles()
    {
        var jit = PortalJit.Create(Lua.Runner.Portal, new JitSettings());
        var graph = jit.Runtime.Extension.Portal.Graph;
        var stop = jit.Runtime.Extension.Shape.MergePoint;
        var liveness = Liveness.Compute(graph);
        var resolver = new CecilReflectionResolver();
        var backend = new CilBackend(resolver);
        int made = 0;
        var refusals = new List<string>();
        foreach (var block in graph.Blocks)
        {
            var instructions = graph[block].Instructions;
            for (int i = 0; i < instructions.Count; i++)
            {
                if (instructions[i].Opcode != Opcode.Call || instructions[i].Method is not { } method
                    || !(HintNames.IsJitMethod(method, HintNames.Promote) || HintNames.IsJitMethod(method, HintNames.PromoteClass))) continue;
                var learning = new ContinuationLearning { HandsBack = type => !resolver.ResolveType(type).IsByRefLike };
                var continuation = ContinuationGraph.Build(graph, block, i, liveness.LiveFrom(block, i).ToList(), [], stop, jit.Runtime.OuterRegions, out var refusal, learning: learning);
                if (continuation is null)
                {
                    refusals.Add($"{block}:{i}: {refusal}");
                    continue;
                }
                Assert.IsTrue(learning.Sites.Any(s => ReferenceEquals(s.Site, instructions[i])), $"{block}:{i}: the hint it starts at is a site");
                int reports = continuation.Blocks.Sum(b => continuation[b].Instructions.Count(x =>
                    x.Method == LearningObserver.SeenMethod || x.Method == LearningObserver.SeenInt32Method || x.Method == LearningObserver.SeenInt64Method));
                Assert.AreEqual(learning.Sites.Count, reports, $"{block}:{i}: one report per hint copied");
                Assert.IsNotNull(backend.Compile(continuation, typeof(LearningContinuationTests).Module, "learning"));
                made++;
            }
        }
        Assert.IsGreaterThan(10, made, $"the portal's promotion sites get learning continuations; refused: {string.Join("\n", refusals)}");
        Assert.IsEmpty(refusals, string.Join("\n", refusals));
    }
}

using PeJit.Backends.Cil;
using PeJit.Frontend.Resolution;
using PeJit.IR;
using PeJit.IR.Evaluation;
using PeJit.IR.Graphs;
using PeJit.IR.Semantics;
using PeJit.IR.Text;
using PeJit.Runtime;
using PeJit.Tests.Specializer;
using Lua = PeJit.Examples.Lua;

namespace PeJit.Tests.Runtime;

/// <summary>
/// A step left in its middle (a <c>Jit.Promote</c> value without a case) finishes on compiled continuations
/// (<see cref="ContinuationGraph"/>), not in the reflective graph evaluator, once the unit no longer learns from it: a
/// megamorphic call site (more callees than <c>MaxCasesPerPromotion</c>) prints what the plain interpreter prints with
/// either way of finishing, and past the site's budget the evaluator finishes no step.
/// </summary>
[TestClass]
public sealed class CompiledContinuationTests
{
    /// <summary>One call site calling ten different functions in turn: the callee's prototype, promoted at Lua's call, has ten values.</summary>
    internal const string Megamorphic = """
        local function f1(x) return x + 1 end
        local function f2(x) return x * 2 end
        local function f3(x) return x - 3 end
        local function f4(x) return x % 7 end
        local function f5(x) return x // 2 end
        local function f6(x) return -x end
        local function f7(x) return x * x % 11 end
        local function f8(x) return x + x + x end
        local function f9(x) return 5 - x end
        local function f10(x) return x % 3 + 1 end
        local fs = { f1, f2, f3, f4, f5, f6, f7, f8, f9, f10 }
        local n = N or 1000
        local total = 0
        for i = 1, n do
          total = total + fs[i % 10 + 1](i)
        end
        print(total)
        """;

    private static string Plain(string source, long size)
    {
        var plain = new StringWriter();
        Lua.Runner.Run(source, plain, size);
        return plain.ToString();
    }

    /// <summary>Runs <paramref name="source"/> <paramref name="runs"/> times on one code object and one <see cref="PortalJit"/>; each run must print what the plain interpreter prints.</summary>
    private static PortalJit RunJitEnabled(string source, long size, int runs, JitSettings settings, Action<PortalJit, int>? afterRun = null)
    {
        string expected = Plain(source, size);
        var code = Lua.Compiler.BytecodeCompiler.Compile(source);
        var jit = PortalJit.Create(Lua.Runner.Portal, settings);
        for (int run = 0; run < runs; run++)
        {
            var output = new StringWriter();
            var state = new Lua.LuaState(code, output);
            state.Globals.Set(new Lua.Values.LuaString("N"), new Lua.Values.LuaInteger(size));
            jit.Invoke(code, code.Main.Entry, new Lua.Frame(new Lua.Values.LuaClosure(code.Main, []), state, [], 0, 0, 0));
            Assert.AreEqual(expected, output.ToString(), $"JIT-enabled printed something else in run {run + 1} (CompiledFinish {settings.CompiledFinish}): {settings.Log}");
            afterRun?.Invoke(jit, run);
        }
        return jit;
    }

    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public void AMegamorphicCallSitePrintsWhatThePlainInterpreterPrints(bool compiled)
    {
        var log = new StringWriter();
        var jit = RunJitEnabled(Megamorphic, 3000, runs: 3, new JitSettings { Threshold = 3, Log = log, CompiledFinish = compiled, BackgroundCompilation = false });
        Assert.IsGreaterThan(0, jit.Units.Count, $"the loop compiles: {log}");
        if (compiled) Assert.IsGreaterThan(0L, jit.Runtime.StepsFinishedCompiled, $"continuations finished steps: {log}");
        else Assert.AreEqual(0L, jit.Runtime.StepsFinishedCompiled, $"PEJIT_FINISH=evaluator: no continuation runs: {log}");
    }

    /// <summary>
    /// Each bundled Lua program with one case per promotion site and one recompilation per unit: its units leave mid-step
    /// all the time, and those steps finish on continuations (every exit had them), printing what the plain interpreter prints.
    /// </summary>
    [TestMethod]
    [DynamicData(nameof(LuaProgramSizes.Each), typeof(LuaProgramSizes))]
    public void EveryLuaProgramsMidStepExitsFinishOnContinuations(string program, long size)
    {
        var log = new StringWriter();
        var settings = new JitSettings
        {
            Threshold = 3, Log = log, BackgroundCompilation = false, MaxRecompilesPerUnit = 1, Strict = true, ContinuationAfter = 1,
            Specialization = new PeJit.Specializer.Engine.SpecializationSettings { MaxCasesPerPromotion = 1 },
        };
        var jit = RunJitEnabled(Lua.Programs.Source(program), size, runs: 2, settings);
        var refused = jit.Runtime.ContinuationsSoFar.Where(c => c.Code is null).Select(c => $"{c.Where}: {c.Refusal}").ToList();
        Assert.IsEmpty(refused, $"{program}: resume points without a continuation:\n{string.Join("\n", refused)}");
        Assert.AreEqual(0L, jit.Runtime.StepsWithoutContinuation, $"{program}: {log}");
    }

    [TestMethod]
    public void PastTheSitesBudgetTheEvaluatorFinishesNoStep()
    {
        // The first runs learn (the evaluator runs on past the step while the unit may still be specialized again, and the
        // site's cases fill up); from the run after which nothing is compiled any more, every step left mid-step finishes on
        // continuations.
        var log = new StringWriter();
        var perRun = new List<(long Compilations, long Evaluated, long Compiled)>();
        var jit = RunJitEnabled(Megamorphic, 3000, runs: 5, new JitSettings { Threshold = 3, Log = log, BackgroundCompilation = false }, (jit, run) =>
            perRun.Add((jit.Runtime.Compilations, jit.Runtime.StepsFinishedByEvaluator, jit.Runtime.StepsFinishedCompiled)));
        string counts = string.Join("; ", perRun.Select((c, run) => $"run {run + 1}: {c.Compilations} compilations, {c.Evaluated} evaluated, {c.Compiled} compiled"));
        Assert.AreEqual(perRun[^3].Compilations, perRun[^1].Compilations, $"the last runs compile nothing: {counts}\n{log}");
        Assert.IsGreaterThan(perRun[^3].Compiled, perRun[^1].Compiled, $"the last runs leave the unit mid-step and finish on continuations: {counts}\n{log}");
        Assert.AreEqual(perRun[^3].Evaluated, perRun[^1].Evaluated, $"once the unit stopped learning, the evaluator finishes no step: {counts}\n{log}");
        Assert.AreEqual(0L, jit.Runtime.StepsWithoutContinuation, $"every exit had its continuations: {counts}\n{log}");
        Assert.IsGreaterThan(0L, jit.Runtime.ContinuationsBuilt, log.ToString());
    }

    [TestMethod]
    public void AContinuationIsDumpedAsTextThatParsesBack()
    {
        string directory = Path.Combine(Path.GetTempPath(), "pejit-continuations-" + Guid.NewGuid().ToString("N"));
        try
        {
            var log = new StringWriter();
            var jit = RunJitEnabled(Megamorphic, 3000, runs: 2,
                new JitSettings { Threshold = 3, Log = log, BackgroundCompilation = false, Dump = new DumpSettings(directory, null, null) });
            var dumped = Directory.GetFiles(directory, "*.continuation.*.ir");
            Assert.IsNotEmpty(dumped, $"a continuation's text is dumped in {directory}: {string.Join(", ", Directory.GetFiles(directory).Select(Path.GetFileName))}");
            string text = File.ReadAllText(dumped[0]);
            Assert.AreEqual(text, IrPrinter.Print(IrParser.Parse(text)), "the dump parses back to itself");
            foreach (var continuation in jit.Runtime.ContinuationsSoFar)
                Assert.IsNotNull(continuation.Graph, $"{continuation.Where}: {continuation.Refusal}");
        }
        finally
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>
    /// A loop whose body the rest of a step comes back to (the resume block reached again: an input the copy also defines goes
    /// through a slot), a value defined before the resume point and used after the loop, a division that may throw.
    /// </summary>
    private const string LoopGraph = """
        function "System.Int32 Demo::Loop(System.Int32,System.Int32)" -> i32 {
        block0(v0 (n): i32, v1 (d): i32):
            v2: i32 = const 0
            jump block1(v2, v2)
        block1(v3 (i): i32, v4 (sum): i32):
            v5: i32 = mul v3, v1
            v6: i32 = add v4, v5
            v7: i32 = const 1
            v8: i32 = add v3, v7
            v9: bool = clt v8, v0
            brif v9, block1(v8, v6), block2
        block2:
            v10: i32 = div v6, v1
            v11: i32 = add v10, v5
            ret v11
        }
        """;

    /// <summary>
    /// At every resume point of <see cref="LoopGraph"/>, with several values for what is live there, the continuation returns,
    /// throws, or stops (at the loop's test, as the outermost frame stops at the merge point) with the operands the graph
    /// evaluator's <see cref="GraphEvaluator.Resume"/> does.
    /// </summary>
    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void AContinuationDoesWhatTheEvaluatorDoesFromEveryResumePoint(bool stops)
    {
        var graph = IrParser.Parse(LoopGraph);
        var resolver = new NameResolver();
        var backend = new CilBackend(resolver);
        var liveness = Liveness.Compute(graph);
        var test = graph[new Block(1)].Instructions[4];
        var stopAt = stops ? test : new Instruction(Opcode.Return);
        int compared = 0;
        foreach (var block in graph.Blocks)
            for (int index = 0; index < graph[block].Instructions.Count; index++)
            {
                var inputs = liveness.LiveFrom(block, index).ToList();
                var continuation = ContinuationGraph.Build(graph, block, index, inputs, [], stops ? stopAt : null, null, out var refusal);
                Assert.IsNotNull(continuation, $"{block}:{index}: {refusal}");
                var code = backend.Compile(continuation, typeof(CompiledContinuationTests).Module, "continuation");
                foreach (int seed in new[] { 0, 1, 2, 5 })
                {
                    // Small values, the divisor 0 for one seed: loops end, and one division throws.
                    var values = inputs.Select((v, k) => (object?)((v.Index * 3 + seed * 5 + k) % 7)).ToArray();
                    if (seed == 0) for (int k = 0; k < inputs.Count; k++) if (inputs[k].Index == 1) values[k] = 0;
                    var frame = new ResumeFrame(graph, block, index, inputs.Select((v, k) => (v, values[k])).ToDictionary(p => p.v, p => p.Item2), null);
                    string expected, actual;
                    try
                    {
                        var outcome = new GraphEvaluator(resolver).Resume([frame], stopAt);
                        expected = outcome.Returned ? $"returned {outcome.Value}" : $"stopped {string.Join(",", outcome.StopOperands!)}";
                    }
                    catch (Exception e) when (e is not EvaluationException)
                    {
                        expected = $"threw {e.GetType().Name}";
                    }
                    try
                    {
                        var output = new object?[1 + test.Operands.Count];
                        // The continuation unboxes its inputs as their CLR types (a bool from a bool), as the runtime passes them.
                        var clr = inputs.Select((v, k) => ValueSemantics.ToClr(values[k], resolver.ResolveType(graph.TypeOf(v)))!).ToArray();
                        var result = code.Run(clr, output, new object?[1]);
                        actual = output[0] is null
                            ? $"returned {ValueSemantics.Normalize(result, graph.ReturnType)}"
                            : $"stopped {string.Join(",", test.Operands.Select((v, k) => ValueSemantics.Normalize(output[k + 1], graph.TypeOf(v))))}";
                    }
                    catch (Exception e)
                    {
                        actual = $"threw {e.GetType().Name}";
                    }
                    Assert.AreEqual(expected, actual, $"{block}:{index}, inputs {string.Join(",", inputs)} = {string.Join(",", values)}:\n{continuation}");
                    compared++;
                }
            }
        Assert.IsGreaterThan(40, compared);
    }

    /// <summary>A try whose catch handles a division by zero: a frame standing inside it, at a call, say.</summary>
    private const string GuardedGraph = """
        function "System.Int32 Demo::Guarded(System.Int32,System.Int32)" -> i32 {
            region0: catch class "System.DivideByZeroException" handler block3
        block0(v0 (a): i32, v1 (b): i32):
            jump block1
        block1 try region0:
            v2: i32 = const 7
            v3: i32 = add v0, v2
            v4: i32 = div v3, v1
            leave block2(v4)
        block2(v5: i32):
            ret v5
        block3(v6 (exception): class "System.DivideByZeroException") handler region0:
            v7: i32 = const -1
            leave block2(v7)
        }
        """;

    /// <summary>
    /// A continuation resumed inside a try runs the try's handler for what the rest throws (as the evaluator does), and for
    /// an exception given to it (the frame inside threw, <c>takesThrown</c>): its catch takes the exception it catches, and
    /// lets any other through.
    /// </summary>
    [TestMethod]
    public void AContinuationResumedInsideATryRunsItsHandlers()
    {
        var graph = IrParser.Parse(GuardedGraph);
        var resolver = new NameResolver();
        var block = new Block(1);
        var inputs = new List<Value> { new(1), new(3) };
        var continuation = ContinuationGraph.Build(graph, block, 2, inputs, [], null, null, out var refusal, takesThrown: true);
        Assert.IsNotNull(continuation, refusal);
        var code = new CilBackend(resolver).Compile(continuation, typeof(CompiledContinuationTests).Module, "continuation");
        object Run(int b, int a7, Exception? thrown) => code.Run([b, a7, thrown!], new object?[1], new object?[1])!;
        foreach (var (b, a7) in new[] { (2, 10), (0, 10), (-1, 9) })
        {
            var evaluated = new GraphEvaluator(resolver).Resume(
                [new ResumeFrame(graph, block, 2, new Dictionary<Value, object?> { [inputs[0]] = b, [inputs[1]] = a7 }, null)], new Instruction(Opcode.Return));
            Assert.AreEqual(evaluated.Value, Run(b, a7, null), $"b = {b}, a + 7 = {a7}");
        }
        Assert.AreEqual(-1, Run(2, 10, new DivideByZeroException()), "the catch takes the exception the frame inside threw");
        Assert.ThrowsExactly<InvalidOperationException>(() => Run(2, 10, new InvalidOperationException()), "any other goes through");
    }

    /// <summary>
    /// Every resume point after a promotion hint in the Lua portal's graph (where a mid-step exit's outermost frame stands)
    /// gets a continuation that verifies and compiles, given the values live there.
    /// </summary>
    [TestMethod]
    public void EveryResumePointAfterAHintInTheLuaPortalMakesAContinuationThatCompiles()
    {
        var jit = PortalJit.Create(Lua.Runner.Portal, new JitSettings());
        var graph = jit.Runtime.Extension.Portal.Graph;
        var stop = jit.Runtime.Extension.Shape.MergePoint;
        var outer = jit.Runtime.OuterRegions;
        var liveness = Liveness.Compute(graph);
        var backend = new CilBackend(new CecilReflectionResolver());
        int made = 0;
        var refusals = new List<string>();
        foreach (var block in graph.Blocks)
        {
            var instructions = graph[block].Instructions;
            for (int i = 0; i < instructions.Count; i++)
            {
                if (instructions[i].Opcode != Opcode.Call || instructions[i].Method is not { } method
                    || !(HintNames.IsJitMethod(method, HintNames.Promote) || HintNames.IsJitMethod(method, HintNames.PromoteClass))) continue;
                var inputs = liveness.LiveFrom(block, i + 1).ToList();
                var continuation = ContinuationGraph.Build(graph, block, i + 1, inputs, [], stop, outer, out var refusal);
                if (continuation is null)
                {
                    refusals.Add($"{block}:{i + 1}: {refusal}");
                    continue;
                }
                var code = backend.Compile(continuation, typeof(CompiledContinuationTests).Module, "continuation");
                Assert.IsNotNull(code);
                made++;
            }
        }
        Assert.IsGreaterThan(10, made, $"the portal's promotion sites get continuations; refused: {string.Join("\n", refusals)}");
        Assert.IsEmpty(refusals, string.Join("\n", refusals));
    }
}

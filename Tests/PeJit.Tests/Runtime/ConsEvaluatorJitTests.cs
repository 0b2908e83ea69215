using PeJit.Analysis.BindingTimes;
using PeJit.IR;
using PeJit.Runtime;
using PeJit.TestSubjects;
using PeJit.Tests.Analysis;
using static PeJit.TestSubjects.ConsEvaluator;

namespace PeJit.Tests.Runtime;

/// <summary>
/// <see cref="ConsEvaluator"/>, a Lisp evaluator over cons cells whose body helper calls the portal back for each
/// expression but the last and returns the last. A cycle of calls through the portal is no recursion the analysis
/// unfolds (a portal's call is never inlined), so the helper is inlined and its result, the green expression, stays
/// green; taken for a recursive helper, its result was red and the portal was refused (PJ0007 on its green <c>x</c>),
/// as the Scheme probe's was. JIT-enabled, the tail-recursive loop computes what the plain evaluator computes.
/// </summary>
[TestClass]
public sealed class ConsEvaluatorJitTests
{
    private static readonly long[] Sizes = [0, 1, 5, 200, 3000];

    [TestMethod]
    public void AHelperThatCallsThePortalBackIsInlinedAndItsGreenResultStaysGreen()
    {
        var analyzed = AnalyzedPortal.Of(typeof(ConsEvaluator), nameof(Eval));
        Assert.IsFalse(analyzed.Errors.Any(), string.Join("\n", analyzed.Result.Diagnostics));
        var calls = analyzed.Graph.Graph.Blocks.SelectMany(b => analyzed.Graph.Graph[b].Instructions)
            .Where(i => i.Method?.Name == nameof(EvalAllButLast)).ToList();
        Assert.IsNotEmpty(calls);
        foreach (var call in calls)
        {
            Assert.AreEqual(CallTreatment.Inline, analyzed.Graph.Calls[call].Treatment, "the body helper is an ordinary inlined call");
            Assert.AreEqual(BindingTime.Green, analyzed.Graph.TimeOf(call.Result!.Value), "the expression it returns");
        }
    }

    private static (object? Result, object? Total) Run(long n, Func<object, Env, object?> eval)
    {
        var (definition, call, total) = LoopProgram(n);
        var env = new Env(null);
        env.Define(total, 0L);
        eval(definition, env);
        var result = eval(call, env);
        return (result, env.Lookup(total));
    }

    [TestMethod]
    public void TheTailRecursiveLoopComputesWhatThePlainEvaluatorComputes()
    {
        var jit = PortalJit.Create(typeof(ConsEvaluator).GetMethod(nameof(Eval))!, new JitSettings { Threshold = 3 });
        foreach (long n in Sizes)
        {
            var plain = Run(n, Eval);
            var compiled = n < 100 ? Run(n, (x, env) => jit.Invoke([x, env]))
                : ((object?, object?))Specializer.JitDifferentialTests.AssertUnitsEntered(jit, $"loop {n}", () => Run(n, (x, env) => jit.Invoke([x, env])))!;
            Assert.AreEqual(plain, compiled, $"loop {n}");
        }
    }
}

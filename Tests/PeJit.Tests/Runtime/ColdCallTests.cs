using PeJit.IR;
using PeJit.Runtime;
using static PeJit.AnalysisSubjects.CheckedVm;

namespace PeJit.Tests.Runtime;

/// <summary>
/// A call on a path that can only end in a throw (an interpreter's error helper building the message) stays a
/// call of the original method in the residual code instead of being inlined (<c>ThrowingBlocks</c> in the
/// specializer): the compiled loop behaves as the interpreter, error included, and none of the helper's
/// string building is in the unit.
/// </summary>
[TestClass]
public sealed class ColdCallTests
{
    private static readonly System.Reflection.MethodInfo Portal = typeof(PeJit.AnalysisSubjects.CheckedVm).GetMethod(nameof(Run))!;

    /// <summary>r0 += r3 / r2 while r1 &lt; r4 (r1 counting up); r2 is the divisor.</summary>
    private static readonly int[] Code =
    [
        Div, 5, 3, 2,       // 0: r5 = r3 / r2
        Add, 0, 0, 5,       // 1: r0 += r5
        Add, 1, 1, 6,       // 2: r1 += r6 (1)
        JumpLess, 1, 4, 0,  // 3: while r1 < r4
        Halt, 0, 0, 0,
    ];

    private static long[] Registers(long divisor) => [0, 0, divisor, 1000, 200, 0, 1];

    private static string Outcome(Func<long[], long> run, long divisor)
    {
        try
        {
            return run(Registers(divisor)).ToString();
        }
        catch (PeJit.AnalysisSubjects.CheckedVmError e)
        {
            return "error: " + e.Message;
        }
    }

    [TestMethod]
    public void AnErrorHelperStaysACallAndTheCompiledLoopRaisesTheSameError()
    {
        var log = new StringWriter();
        var jit = PortalJit.Create(Portal, new JitSettings { Threshold = 2, Log = log });
        long Jitted(long[] registers) => (long)jit.Invoke(Code, registers)!;
        long Plain(long[] registers) => Run(Code, registers);

        Assert.AreEqual(Outcome(Plain, 7), Outcome(Jitted, 7));
        Assert.AreEqual(Outcome(Plain, 0), Outcome(Jitted, 0), "the compiled loop raises the interpreter's error");
        StringAssert.StartsWith(Outcome(Jitted, 0), "error: instruction 0: attempt to divide 1000 by zero");

        var unit = jit.Units.Single();
        var graph = unit.Unit.Residual;
        var calls = graph.Blocks.SelectMany(b => graph[b].Instructions).Where(i => i.Method is not null).Select(i => i.Method!.FullName).ToList();
        Assert.AreEqual(1, calls.Count(c => c.Contains("CheckedVmError::DivideByZero", StringComparison.Ordinal)), string.Join("\n", calls));
        Assert.IsFalse(calls.Any(c => c.Contains("System.String::Concat", StringComparison.Ordinal) || c.Contains("InterpolatedStringHandler", StringComparison.Ordinal)),
            "the helper's message building is not inlined: " + string.Join("\n", calls));
        Assert.AreEqual(1, graph.Blocks.Count(b => graph[b].Terminator?.Opcode == Opcode.Throw));
        StringAssert.Contains(log.ToString(), "1 call(s) on paths that end in a throw left residual, not inlined: ");
    }
}

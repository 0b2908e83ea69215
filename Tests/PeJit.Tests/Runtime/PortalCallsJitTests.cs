using PeJit.AnalysisSubjects;
using PeJit.IR;
using PeJit.IR.Text;
using PeJit.Runtime;
using PeJit.Tests.Specializer;
using static PeJit.AnalysisSubjects.PortalCalls;

namespace PeJit.Tests.Runtime;

/// <summary>
/// The two-portal interpreter of PeJit.AnalysisSubjects/PortalCalls.cs, its loop portal JIT-enabled in process with its
/// function portal given as another portal (as <c>pejit build</c> JIT-enables both): each run gives what the plain portals
/// give, frames included, with compiled code entered. The loop's unit inlines its call of the function portal (the
/// function's body unfolded into the loop, no call of the portal left); a function that throws throws as the plain one
/// does; a function with a loop of its own (the loop portal called from the function portal) gives the plain answers; a
/// function that would leave compiled code inside the call stays a call.
/// </summary>
[TestClass]
public sealed class PortalCallsJitTests
{
    private static JitSettings Settings() => new() { Threshold = 3, Strict = true };

    private static PortalJit LoopJit() =>
        PortalJit.Create(typeof(PortalCalls).GetMethod(nameof(While))!, Settings(), otherPortals: [typeof(PortalCalls).GetMethod(nameof(Call))!]);

    private static IEnumerable<Instruction> Instructions(FlowGraph graph) => graph.Blocks.SelectMany(b => graph[b].Instructions);

    private static bool CallsTheFunctionPortal(Instruction instruction) =>
        instruction.Method is { Name: nameof(Call) } method && method.DeclaringTypeName.EndsWith(nameof(PortalCalls), StringComparison.Ordinal);

    /// <summary>
    /// Runs the loop at each size through the plain portals and the JIT-enabled one, comparing results and frames; sizes from
    /// <paramref name="compiledFrom"/> on must enter compiled code.
    /// </summary>
    private static void AssertSameAsPlain(PortalJit jit, string name, Node cond, Node body, long[] sizes, long compiledFrom)
    {
        foreach (long n in sizes)
        {
            var plain = ProgramFrame(n);
            long plainResult = While(cond, body, plain);
            var frame = ProgramFrame(n);
            long result = n < compiledFrom ? (long)jit.Invoke(cond, body, frame)!
                : (long)JitDifferentialTests.AssertUnitsEntered(jit, $"{name} {n}", () => jit.Invoke(cond, body, frame))!;
            Assert.AreEqual(plainResult, result, $"{name} {n}");
            CollectionAssert.AreEqual(plain.Slots, frame.Slots, $"{name} {n}: the program's variables");
        }
    }

    [TestMethod]
    public void ALoopUnitInlinesItsCallOfTheFunctionPortal()
    {
        var jit = LoopJit();
        var (cond, body) = LoopCalling(Mix());
        AssertSameAsPlain(jit, "mix", cond, body, [0, 1, 2, 50, 3000], 50);
        var unit = jit.Units.SingleOrDefault(u => ReferenceEquals(u.Unit.Entry.Values[0], cond));
        Assert.IsNotNull(unit, "a unit for the loop: " + string.Join(", ", jit.Units.Select(u => u.Unit.Entry)));
        var code = unit.Unit.Residual;
        string listing = IrPrinter.Print(code) + "\nnotes: " + string.Join("; ", unit.Unit.Notes);
        Assert.IsFalse(Instructions(code).Any(CallsTheFunctionPortal), "the call of the function portal is inlined:\n" + listing);
        Assert.IsFalse(Instructions(code).Any(i => i.Method?.Name == "Invoke"), "the function's body is unfolded, no delegate call:\n" + listing);
    }

    [TestMethod]
    public void AnExceptionInsideTheInlinedFunctionIsThrownAsThePlainOneIs()
    {
        var jit = LoopJit();
        var (cond, body) = LoopCalling(DivideAt(2000));
        // Below 2000 turns nothing throws, and the loop's unit is made and entered.
        foreach (long n in new long[] { 1, 2, 1000 })
        {
            var plain = ProgramFrame(n);
            While(cond, body, plain);
            var frame = ProgramFrame(n);
            if (n < 1000) jit.Invoke(cond, body, frame);
            else JitDifferentialTests.AssertUnitsEntered(jit, $"divide {n}", () => jit.Invoke(cond, body, frame));
            CollectionAssert.AreEqual(plain.Slots, frame.Slots, $"n {n}");
        }
        var plainThrows = ProgramFrame(3000);
        Assert.ThrowsExactly<DivideByZeroException>(() => While(cond, body, plainThrows), "the subject itself");
        var throws = ProgramFrame(3000);
        var thrown = Assert.Throws<Exception>(() => jit.Invoke(cond, body, throws));
        while (thrown is System.Reflection.TargetInvocationException { InnerException: { } inner }) thrown = inner;
        Assert.IsInstanceOfType<DivideByZeroException>(thrown, "the plain exception: " + thrown);
        CollectionAssert.AreEqual(plainThrows.Slots, throws.Slots, "the program's variables where the function threw");
        Assert.IsTrue(jit.Units.Any(u => !Instructions(u.Unit.Residual).Any(CallsTheFunctionPortal)), "the throwing function is inlined too:\n"
            + string.Join("\n", jit.Units.Select(u => IrPrinter.Print(u.Unit.Residual) + "\nnotes: " + string.Join("; ", u.Unit.Notes))));
    }

    [TestMethod]
    public void AFunctionThatWouldLeaveCompiledCodeInsideTheCallStaysACall()
    {
        var jit = LoopJit();
        var (cond, body) = LoopCalling(Shift());
        AssertSameAsPlain(jit, "shift", cond, body, [0, 1, 2, 50, 3000], 50);
        // The runtime resumes steps of the loop portal only: the call is not inlined, and the unit says why.
        foreach (var unit in jit.Units)
        {
            string listing = IrPrinter.Print(unit.Unit.Residual) + "\nnotes: " + string.Join("; ", unit.Unit.Notes);
            Assert.IsTrue(Instructions(unit.Unit.Residual).Any(CallsTheFunctionPortal), "the function portal is called:\n" + listing);
            Assert.IsTrue(unit.Unit.Notes.Any(n => n.Contains("would leave compiled code", StringComparison.Ordinal)), "the refusal is noted:\n" + listing);
        }
    }

    [TestMethod]
    public void AFunctionWithALoopOfItsOwnGivesThePlainAnswers()
    {
        var jit = LoopJit();
        var (cond, body) = LoopCalling(SumTo());
        AssertSameAsPlain(jit, "sum", cond, body, [0, 1, 7, 100, 2000], 100);
    }
}

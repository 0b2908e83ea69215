using PeJit.Runtime;
using PeJit.Specializer.Engine;
using static PeJit.AnalysisSubjects.RegisterVm;

namespace PeJit.Tests.Runtime;

/// <summary>
/// Every way compiled code leaves, on programs built to take it, against the plain interpreter: a value at
/// <c>Jit.Promote</c> the unit has no case for (the step is finished by the graph evaluator, and the unit
/// is specialized again with a case), a green key outside the unit, an exception thrown inside compiled code.
/// </summary>
[TestClass]
public sealed class ExitKindTests
{
    private static readonly System.Reflection.MethodInfo Portal = typeof(PeJit.AnalysisSubjects.RegisterVm).GetMethod(nameof(Run))!;

    /// <summary>
    /// r0 accumulates, r1 counts to r2, r3 = r1 % <paramref name="modulus"/> selects one of three increments
    /// (r5, r6, r7) through a jump table; values of r3 past the table fall through to the fourth (r8).
    /// </summary>
    private static int[] TableLoop(int modulus) =>
    [
        ModConst, 3, 1, modulus,    // 0: r3 = r1 % modulus
        Table, 3, 13 * 4, 3,        // 1: jump through the table at instruction 13 on r3 (3 entries)
        Add, 0, 0, 8,               // 2: r0 += r8 (the value is past the table)
        Jump, 0, 0, 9,              // 3
        Add, 0, 0, 5,               // 4: r0 += r5
        Jump, 0, 0, 9,              // 5
        Add, 0, 0, 6,               // 6: r0 += r6
        Jump, 0, 0, 9,              // 7
        Add, 0, 0, 7,               // 8: r0 += r7
        Add, 1, 1, 4,               // 9: r1 += 1
        JumpLess, 1, 2, 0,          // 10: loop while r1 < r2
        Print, 0, 0, 0,             // 11
        Halt, 0, 0, 0,              // 12
        4, 6, 8, 0,                 // 13: the table: instructions 4, 6, 8
    ];

    private static long[] Registers(long count) => [0, 0, count, 0, 1, 10, 200, 3000, 40000, 0];

    private static (long Result, string Output, long[] Registers) Plain(int[] code, long[] registers)
    {
        var output = new StringWriter();
        long result = Run(code, registers, output);
        return (result, output.ToString(), registers);
    }

    private static (long Result, string Output, long[] Registers) Jitted(PortalJit jit, int[] code, long[] registers)
    {
        var output = new StringWriter();
        long result = (long)jit.Invoke(code, registers, output)!;
        return (result, output.ToString(), registers);
    }

    private static void AssertSame((long Result, string Output, long[] Registers) expected, (long Result, string Output, long[] Registers) actual)
    {
        Assert.AreEqual(expected.Result, actual.Result);
        Assert.AreEqual(expected.Output, actual.Output);
        CollectionAssert.AreEqual(expected.Registers, actual.Registers, "the registers the interpreter leaves");
    }

    [TestMethod]
    public void UnseenPromotedValuesLeaveMidStepAndGetCasesCompiled()
    {
        var jit = PortalJit.Create(Portal, new JitSettings { Threshold = 3 });
        var code = TableLoop(3);
        AssertSame(Plain(code, Registers(3000)), Jitted(jit, code, Registers(3000)));

        var unit = jit.Units.Single();
        var cases = unit.Unit.PromotionCases.Values.Single();
        CollectionAssert.AreEquivalent(new object[] { 0L, 1L, 2L }, cases.ToArray(), "each value seen became a compiled case");
        Assert.IsTrue(unit.Unit.Exits.Any(e => e.PromoteSite is not null), "other values still leave in the middle of the step");

        // The same program again runs in the recompiled unit without leaving it at the promotion; it leaves
        // where the loop ends: the code after the loop is not on a cycle through the unit's entry.
        AssertSame(Plain(code, Registers(500)), Jitted(jit, code, Registers(500)));
        var recompiled = jit.Units.Single();
        var promoteExits = recompiled.Unit.Exits.Where(e => e.PromoteSite is not null).ToList();
        Assert.IsNotEmpty(promoteExits);
        Assert.IsTrue(promoteExits.All(e => recompiled.TimesTaken(e.Index) == 0), "no value at Jit.Promote left the recompiled unit");
        Assert.IsTrue(recompiled.Unit.Exits.Where(e => recompiled.TimesTaken(e.Index) > 0).All(e => e.Frames is null && e.Key.Values[0] is 11),
            "the only exit taken is where the loop ends, at instruction 11");
    }

    [TestMethod]
    public void AValueNeverSeenBeforeLeavesAndTheInterpreterFinishesTheStep()
    {
        var jit = PortalJit.Create(Portal, new JitSettings { Threshold = 3 });
        var warm = TableLoop(3);
        Jitted(jit, warm, Registers(1000));
        // r1 % 5 gives 3 and 4 now: values past the table that no case covers.
        var code = TableLoop(5);
        AssertSame(Plain(code, Registers(2000)), Jitted(jit, code, Registers(2000)));
    }

    [TestMethod]
    public void AtMostMaxCasesPerPromotionAreCompiled()
    {
        var settings = new JitSettings { Threshold = 2, Specialization = new SpecializationSettings { MaxCasesPerPromotion = 2 } };
        var jit = PortalJit.Create(Portal, settings);
        var code = TableLoop(7);
        AssertSame(Plain(code, Registers(3000)), Jitted(jit, code, Registers(3000)));
        Assert.HasCount(2, jit.Units.Single().Unit.PromotionCases.Values.Single());
        Assert.IsGreaterThan(0L, jit.Units.Single().ExitsTaken, "the values without a case keep leaving: the generic fallback");
    }

    [TestMethod]
    public void AUnitIsSpecializedAgainAtMostMaxRecompilesPerUnitTimes()
    {
        var log = new StringWriter();
        var jit = PortalJit.Create(Portal, new JitSettings { Threshold = 2, MaxRecompilesPerUnit = 1, Log = log });
        var code = TableLoop(3);
        AssertSame(Plain(code, Registers(3000)), Jitted(jit, code, Registers(3000)));
        var unit = jit.Units.Single();
        Assert.AreEqual(1, unit.Recompilations);
        Assert.HasCount(1, unit.Unit.PromotionCases.Values.Single(), "one recompilation: one case");
        Assert.IsGreaterThan(0L, unit.ExitsTaken, "the other values go on leaving to the interpreter");
    }

    [TestMethod]
    public void GreenKeysOutsideTheUnitAreExits()
    {
        var jit = PortalJit.Create(Portal, new JitSettings { Threshold = 2, Specialization = new SpecializationSettings { MaxKeysPerUnit = 2 } });
        var code = TableLoop(3);
        AssertSame(Plain(code, Registers(2000)), Jitted(jit, code, Registers(2000)));
        Assert.IsTrue(jit.Units.SelectMany(u => u.Unit.Exits).Any(e => e.Frames is null), "units hand back at merge points");
    }

    [TestMethod]
    public void AnExceptionInsideCompiledCodeIsTheInterpretersExceptionWithItsState()
    {
        // r9 counts down from r2 to 0 while r0 += r5 / r9: the division by zero happens in compiled code.
        int[] code =
        [
            Div, 3, 5, 9,               // 0: r3 = r5 / r9
            Add, 0, 0, 3,               // 1: r0 += r3
            Add, 1, 1, 4,               // 2: r1 += 1
            Add, 9, 9, 6,               // 3: r9 += r6 (-1)
            JumpLess, 1, 2, 0,          // 4: while r1 < r2
            Halt, 0, 0, 0,
        ];
        long[] Start() => [0, 0, 5000, 0, 1, 1_000_000, -1, 0, 0, 4000];
        var jit = PortalJit.Create(Portal, new JitSettings { Threshold = 3 });
        var plainRegisters = Start();
        var expected = Assert.Throws<DivideByZeroException>(() => Run(code, plainRegisters, TextWriter.Null));
        var jitRegisters = Start();
        var actual = Assert.Throws<DivideByZeroException>(() => jit.Invoke(code, jitRegisters, TextWriter.Null));
        Assert.AreEqual(expected.Message, actual.Message);
        CollectionAssert.AreEqual(plainRegisters, jitRegisters, "the registers as the interpreter left them when it threw");
        Assert.IsNotEmpty(jit.Units, "the loop was compiled before it threw");
    }
}

using PeJit.IR;
using PeJit.IR.Text;
using PeJit.Runtime;
using PeJit.Specializer.Engine;
using PeJit.TestSubjects;
using static PeJit.TestSubjects.ClassVm;

namespace PeJit.Tests.Runtime;

/// <summary>
/// <c>Jit.PromoteClass</c> on <see cref="ClassVm"/>, JIT-enabled against plain: the accumulator over integers,
/// floats and strings in turn (each class a case, compiled once it recurs), null as a case of its own, and a
/// site with more classes than the case budget (a generic path, no exits).
/// </summary>
[TestClass]
public sealed class ClassGuardTests
{
    private static readonly System.Reflection.MethodInfo Portal = typeof(ClassVm).GetMethod(nameof(ClassVm.Run))!;

    /// <summary>r0 = r0 + r3 (classes promoted), r1 counts to r2.</summary>
    private static readonly int[] Accumulator =
    [
        Add, 0, 0, 3,           // 0: r0 = r0.Add(r3)
        Count, 1, 0, 0,         // 1: r1 += 1
        JumpLess, 1, 2, 0,      // 2: while r1 < r2
        Halt, 0, 0, 0,
    ];

    /// <summary>r4 = r5's values[r1 % n]; r0 = r4 + r3; r1 counts to r2.</summary>
    private static readonly int[] PickAndAdd =
    [
        Pick, 4, 5, 1,          // 0
        Add, 0, 4, 3,           // 1: r0 = r4.Add(r3)
        Count, 1, 0, 0,         // 2
        JumpLess, 1, 2, 0,      // 3
        Halt, 0, 0, 0,
    ];

    /// <summary>r4 = r5's values[r1 % n]; r0 counts nulls, integers and others in r4; r1 counts to r2.</summary>
    private static readonly int[] CountNulls =
    [
        Pick, 4, 5, 1,          // 0
        IsNull, 0, 4, 0,        // 1
        Count, 1, 0, 0,         // 2
        JumpLess, 1, 2, 0,      // 3
        Halt, 0, 0, 0,
    ];

    /// <summary>r0 = r0 + r3 at pc 0, r4 = r4 + r5 at pc 1: one PromoteClass site pair (Add's) at two positions; r1 counts to r2.</summary>
    private static readonly int[] TwoAdds =
    [
        Add, 0, 0, 3,           // 0: r0 = r0.Add(r3)
        Add, 4, 4, 5,           // 1: r4 = r4.Add(r5)
        Count, 1, 0, 0,         // 2: r1 += 1
        JumpLess, 1, 2, 0,      // 3: while r1 < r2
        Halt, 0, 0, 0,
    ];

    private static BoxedValue?[] Registers(BoxedValue start, BoxedValue added, long count, BoxedValue?[]? values = null) =>
        [start, new IntValue(0), new IntValue(count), added, null, values is null ? null : new ClassVm.Values(values)];

    private static string Show(BoxedValue?[] registers, BoxedValue? result) =>
        (result?.Show() ?? "null") + " | " + string.Join(", ", registers.Select(r => r?.Show() ?? "null"));

    private static void AssertSame(PortalJit jit, int[] code, Func<BoxedValue?[]> registers)
    {
        var plain = registers();
        string expected = Show(plain, ClassVm.Run(code, plain));
        var jitted = registers();
        string actual = Show(jitted, (BoxedValue?)jit.Invoke(code, jitted));
        Assert.AreEqual(expected, actual);
    }

    private static IEnumerable<Instruction> Instructions(FlowGraph graph) =>
        graph.Blocks.SelectMany(b => graph[b].Instructions);

    /// <summary>
    /// The promoted values (what the guards' GetType reads) are used by no virtual call, type test or cast: each
    /// was decided while specializing.
    /// </summary>
    private static void AssertOnlyGuardsRead(FlowGraph residual, bool expectGuards)
    {
        var all = Instructions(residual).ToList();
        var promoted = all.Where(i => i.Method?.Name == "GetType").Select(i => i.Operands[0]).ToHashSet();
        Assert.AreEqual(expectGuards, promoted.Count > 0, "the guard reads the class:\n" + IrPrinter.Print(residual));
        var left = all.Where(i => i.Opcode is Opcode.CallVirt or Opcode.IsInst or Opcode.CastClass && i.Operands.Any(promoted.Contains)).ToList();
        Assert.IsEmpty(left, "virtual calls, type tests or casts on a promoted value:\n" + IrPrinter.Print(residual));
    }

    [TestMethod]
    public void TheAccumulatorOverIntegersFloatsAndStringsIsIdenticalAndEachClassBecomesACase()
    {
        var jit = PortalJit.Create(Portal, new JitSettings { Threshold = 3 });
        AssertSame(jit, Accumulator, () => Registers(new IntValue(1), new IntValue(3), 2000));
        AssertSame(jit, Accumulator, () => Registers(new FloatValue(0.5), new FloatValue(1.25), 2000));
        AssertSame(jit, Accumulator, () => Registers(new StringValue("s"), new StringValue("ab"), 500));
        // Mixed: the accumulator turns from an integer into a float on the first step.
        AssertSame(jit, Accumulator, () => Registers(new IntValue(7), new FloatValue(0.25), 2000));

        var unit = jit.Units.Single(u => u.Unit.Entry.Values[0] is 0);
        var cases = unit.Unit.PromotionCases.Values.SelectMany(c => c).Distinct().ToList();
        CollectionAssert.IsSubsetOf(new object[] { typeof(IntValue), typeof(FloatValue), typeof(StringValue) }, cases,
            "each class seen at the two PromoteClass sites became a case");

        // The same programs again run without leaving at the guards.
        long before = unit.ExitsTaken;
        AssertSame(jit, Accumulator, () => Registers(new FloatValue(2.5), new FloatValue(0.5), 3000));
        var current = jit.Units.Single(u => u.Unit.Entry.Values[0] is 0);
        Assert.IsTrue(current.Unit.Exits.Where(e => e.PromotesClass).All(e => current.TimesTaken(e.Index) == 0),
            "no class at Jit.PromoteClass left the unit");

        // Structure: the virtual Add and the type tests inside it are resolved; the guard is GetType.
        AssertOnlyGuardsRead(current.Unit.Residual, expectGuards: true);
        // (StringValue's constructor, inlined, calls the string's Length and Substring: those stay, as in the interpreter.)
        Assert.IsFalse(Instructions(current.Unit.Residual).Any(i => i.Opcode == Opcode.CallVirt && i.Method!.DeclaringTypeName != "System.String"),
            "the only virtual call, Add, is resolved");
    }

    /// <summary>
    /// One site (Add's two PromoteClass calls) at two positions of the interpreted program, integers at pc 0 and floats
    /// at pc 1: each position has cases for its own classes only (as a PyPy trace has its guard at its position), not
    /// the classes seen at the other (paths that never run, and a register joined from both classes).
    /// </summary>
    [TestMethod]
    public void EachPositionOfASiteHasOnlyTheCasesSeenThere()
    {
        var jit = PortalJit.Create(Portal, new JitSettings { Threshold = 3 });
        BoxedValue?[] Start() => [new IntValue(1), new IntValue(0), new IntValue(2000), new IntValue(3), new FloatValue(0.5), new FloatValue(1.25)];
        AssertSame(jit, TwoAdds, Start);
        AssertSame(jit, TwoAdds, Start);

        var unit = jit.Units.Single(u => u.Unit.Entry.Values[0] is 0);
        var cases = unit.Unit.PromotionCases;
        string shown = string.Join("\n", cases.Select(p => $"{p.Key}: {string.Join(", ", p.Value)}"));
        Assert.HasCount(4, cases, "two sites at two keys:\n" + shown);
        foreach (var (site, seen) in cases)
        {
            var expected = site.Step.Values[0] is 0 ? typeof(IntValue) : typeof(FloatValue);
            Assert.IsTrue(site.Step.Values[0] is 0 or 1, "only the two Adds promote:\n" + shown);
            CollectionAssert.AreEqual(new object[] { expected }, seen.ToList(), "only the class seen at that position:\n" + shown);
        }

        // One case per site and key: each class read (GetType) is compared with one class only; with the cases of
        // both positions at each, it would be compared with IntValue and FloatValue.
        var residual = unit.Unit.Residual;
        var all = Instructions(residual).ToList();
        var classes = all.Where(i => i.Method?.Name == "GetType").Select(i => i.Result!.Value).ToList();
        Assert.IsNotEmpty(classes, IrPrinter.Print(residual));
        foreach (var read in classes)
            Assert.AreEqual(1, all.Count(i => i.Opcode == Opcode.Ceq && i.Operands.Contains(read)), $"one class test of {read}:\n" + IrPrinter.Print(residual));
        Assert.IsTrue(unit.Unit.Exits.Where(e => e.PromotesClass).All(e => unit.TimesTaken(e.Index) == 0), "no class left the unit since");
        AssertOnlyGuardsRead(residual, expectGuards: true);
    }

    [TestMethod]
    public void NullIsACaseOfItsOwn()
    {
        var jit = PortalJit.Create(Portal, new JitSettings { Threshold = 3 });
        BoxedValue?[] values = [new IntValue(1), null, new FloatValue(2), null];
        AssertSame(jit, CountNulls, () => Registers(new IntValue(0), new IntValue(0), 3000, values));
        var unit = jit.Units.Single(u => u.Unit.Entry.Values[0] is 0);
        var cases = unit.Unit.PromotionCases.Values.SelectMany(c => c).ToList();
        CollectionAssert.Contains(cases, null, "null got a case");
        CollectionAssert.Contains(cases, typeof(IntValue));
        AssertSame(jit, CountNulls, () => Registers(new IntValue(0), new IntValue(0), 3000, values));
        var current = jit.Units.Single(u => u.Unit.Entry.Values[0] is 0);
        Assert.IsTrue(current.Unit.Exits.Where(e => e.PromotesClass).All(e => current.TimesTaken(e.Index) == 0), "no exit at the guard");
        AssertOnlyGuardsRead(current.Unit.Residual, expectGuards: true);
    }

    [TestMethod]
    public void PastTheCaseBudgetAGenericPathServesEveryOtherClassWithoutExits()
    {
        var settings = new JitSettings
        {
            Threshold = 2, MaxRecompilesPerUnit = 64,
            Specialization = new SpecializationSettings { MaxCasesPerPromotion = 3 },
        };
        var jit = PortalJit.Create(Portal, settings);
        BoxedValue?[] values = [.. Enumerable.Range(0, 12).Select(t => TaggedValue.Make(t, t))];
        AssertSame(jit, PickAndAdd, () => Registers(new IntValue(0), new IntValue(1), 3000, values));
        var unit = jit.Units.Single(u => u.Unit.Entry.Values[0] is 0);
        Assert.IsTrue(unit.Unit.PromotionCases.Values.Any(c => c.Count == 4), "one class past the budget of 3 is recorded: the generic path");
        Assert.IsTrue(unit.Unit.Notes.Any(n => n.Contains("generic path", StringComparison.Ordinal)), string.Join("\n", unit.Unit.Notes));

        AssertSame(jit, PickAndAdd, () => Registers(new IntValue(0), new IntValue(1), 3000, values));
        var current = jit.Units.Single(u => u.Unit.Entry.Values[0] is 0);
        // It may have been specialized again for the code after its loop (left once per run), never for a class.
        Assert.IsTrue(unit.Unit.PromotionCases.Count == current.Unit.PromotionCases.Count
            && unit.Unit.PromotionCases.All(p => current.Unit.PromotionCases[p.Key].SequenceEqual(p.Value)), "no case added for a class");
        Assert.IsTrue(current.Unit.Exits.Where(e => e.PromotesClass).All(e => current.TimesTaken(e.Index) == 0),
            "every class runs in compiled code: the cases, or the generic path");
        Assert.IsTrue(Instructions(current.Unit.Residual).Any(i => i.Opcode == Opcode.CallVirt), "the generic path keeps the virtual call");
    }
}

using System.Reflection;
using PeJit.Runtime;
using PeJit.Specializer.Engine;
using PeJit.Tests.Specializer;
using Rules = PeJit.TestSubjects.RulesVm;

namespace PeJit.Tests.Runtime;

/// <summary>
/// A portal without <c>Jit.CanEnterJit</c> (a loop-free rules engine, <see cref="Rules"/>) is accepted by
/// <c>pejit build</c> and gets hot at its entry whether or not functions are compiled; once a rule's typed unit is
/// compiled, the woven entry enters it through its entry cell (<see cref="EntryCell"/>) without the slow path.
/// Differential first (every rule on every record: JIT-enabled == plain, results and exceptions), then the path taken
/// (the counter table's slow entries against the cell's entries), exits through the cell, and a dropped or
/// recompiled unit.
/// </summary>
[TestClass]
public sealed class EntryCellTests
{
    // (f0 * 3 + f1 > 100 and f2 < 50) or not (f3 > f1): the probe's rule (Docs/probes/RulesEngine.cs).
    private static readonly (int[] Ops, long[] Args) Probe = (
        [Rules.Field, Rules.Const, Rules.Mul, Rules.Field, Rules.Add, Rules.Const, Rules.Gt, Rules.Field, Rules.Const, Rules.Lt, Rules.And, Rules.Field, Rules.Field, Rules.Gt, Rules.Not, Rules.Or, Rules.Ret],
        [0, 3, 0, 1, 0, 100, 0, 2, 50, 0, 0, 3, 1, 0, 0, 0, 0]);

    // (f0 & 3) * 7 + f1 through a promotion: a mid-step exit for each value without a case, then a recompilation.
    private static readonly (int[] Ops, long[] Args) Bucketed = (
        [Rules.Field, Rules.Bucket, Rules.Field, Rules.Add, Rules.Ret],
        [0, 7, 1, 0, 0]);

    // f0 / f2 + f1: the host's DivideByZeroException where f2 is 0.
    private static readonly (int[] Ops, long[] Args) Dividing = (
        [Rules.Field, Rules.Field, Rules.Div, Rules.Field, Rules.Add, Rules.Ret],
        [0, 2, 0, 1, 0, 0]);

    private static long[][] Records(int count, int seed, bool zeros = false)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => new long[] { random.Next(100), random.Next(100), zeros ? random.Next(4) : 1 + random.Next(99), random.Next(100) }).ToArray();
    }

    private static string Outcome(Func<long> evaluate)
    {
        try
        {
            return evaluate().ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (TargetInvocationException e) when (e.InnerException is { } inner)
        {
            return inner.GetType().Name;
        }
        catch (Exception e)
        {
            return e.GetType().Name;
        }
    }

    private static IReadOnlyList<string> Plain((int[] Ops, long[] Args) rule, long[][] records)
    {
        var plain = new Rules.Rule(rule.Ops, rule.Args);
        return records.Select(r => Outcome(() => Rules.Eval(plain, r))).ToList();
    }

    /// <summary>The woven portal and a rule of the woven assembly's own <c>Rule</c> type.</summary>
    private static (MethodInfo Portal, object Rule) Woven((int[] Ops, long[] Args) rule)
    {
        var type = DispatchInTryJitTests.Woven.Value.GetType(typeof(Rules).FullName!, throwOnError: true)!;
        var portal = type.GetMethod(nameof(Rules.Eval))!;
        var ruleType = type.GetNestedType(nameof(Rules.Rule))!;
        return (portal, Activator.CreateInstance(ruleType, rule.Ops, rule.Args)!);
    }

    private static IReadOnlyList<string> RunWoven(MethodInfo portal, object rule, long[][] records) =>
        records.Select(r => Outcome(() => (long)portal.Invoke(null, [rule, r])!)).ToList();

    private static CompiledUnit UnitAtEntry(PortalRuntime runtime, object rule) =>
        runtime.Cache.Units.Single(u => u.Unit.Entry.Values[0] is int pc && pc == 0 && ReferenceEquals(u.Unit.Entry.Values[1], rule));

    /// <summary>The in-process API on the same portal: its entry counts without <c>CompileFunctions</c>, and the rule compiles.</summary>
    [TestMethod]
    public void ALoopFreePortalCompilesAtItsEntryWithoutCompilingFunctions()
    {
        var jit = PortalJit.Create(typeof(Rules).GetMethod(nameof(Rules.Eval))!, new JitSettings { Threshold = 3, CompileFunctions = false, BackgroundCompilation = false, Strict = true });
        foreach (var (rule, seed) in new[] { (Probe, 1), (Bucketed, 2), (Dividing, 3) })
        {
            var records = Records(300, seed, zeros: true);
            var compiled = new Rules.Rule(rule.Ops, rule.Args);
            var jitted = records.Select(r => Outcome(() => (long)jit.Invoke(compiled, r)!)).ToList();
            CollectionAssert.AreEqual(Plain(rule, records).ToList(), jitted.ToList(), $"rule {string.Join(",", rule.Ops)}");
        }
        Assert.IsNotEmpty(jit.Units, "the rules got units at the portal's entry");
        Assert.IsTrue(jit.Units.Sum(u => u.Entries) > 500, $"the units were entered: {string.Join(", ", jit.Units.Select(u => $"{u.Unit.Entry} {u.Entries}"))}");
    }

    [TestMethod]
    public void PejitBuildAcceptsAPortalWithoutCanEnterJitAndSaysSo()
    {
        _ = DispatchInTryJitTests.Woven.Value;
        StringAssert.Contains(DispatchInTryJitTests.WovenOutput, "note: RulesVm.Eval has no Jit.CanEnterJit: it is compiled where it gets hot, at its entry");
        // The entry site: marked as the only one, with the cell's way in and its exit to the runtime.
        using var module = Mono.Cecil.ModuleDefinition.ReadModule(DispatchInTryJitTests.Woven.Value.Location);
        var portal = module.GetType(typeof(Rules).FullName!.Replace('+', '/')).Methods.Single(m => m.Name == nameof(Rules.Eval));
        var calls = portal.Body.Instructions.Select(i => i.Operand).OfType<Mono.Cecil.MethodReference>().Select(m => m.DeclaringType.Name + "." + m.Name).ToList();
        // The slow path is the portal's slow-path method, which calls the runtime.
        string slowPath = $"<PeJit>PortalCounters{portal.MetadataToken.RID}.SlowPath";
        CollectionAssert.Contains(calls, slowPath);
        var slowPathCalls = portal.Body.Instructions.Select(i => i.Operand).OfType<Mono.Cecil.MethodReference>().First(m => m.Name == "SlowPath").Resolve()
            .Body.Instructions.Select(i => i.Operand).OfType<Mono.Cecil.MethodReference>().Select(m => m.DeclaringType.Name + "." + m.Name).ToList();
        CollectionAssert.Contains(slowPathCalls, "JitRuntime.CanEnterJit");
        // The cell's way in is the portal's cell method, which enters the cell and hands its exits to the runtime.
        CollectionAssert.Contains(calls, $"<PeJit>PortalCounters{portal.MetadataToken.RID}.CellPath");
        var cellPathCalls = portal.Body.Instructions.Select(i => i.Operand).OfType<Mono.Cecil.MethodReference>().First(m => m.Name == "CellPath").Resolve()
            .Body.Instructions.Select(i => i.Operand).OfType<Mono.Cecil.MethodReference>().Select(m => m.DeclaringType.Name + "." + m.Name).ToList();
        CollectionAssert.Contains(cellPathCalls, "EntryCell.Enter");
        CollectionAssert.Contains(cellPathCalls, "JitRuntime.EntryCellExited");
        CollectionAssert.DoesNotContain(calls, "EntryCell.Enter");
        Assert.IsTrue(portal.Body.Instructions.Any(i => i.Operand is int flags && flags == (PortalProtocol.EntryFlag | PortalProtocol.OnlyEntryFlag)),
            "the entry's slot is marked as the portal's only site");
        var counters = module.Types.Single(t => t.Name == $"<PeJit>PortalCounters{portal.MetadataToken.RID}");
        Assert.IsTrue(counters.Fields.Any(f => f.Name == "Cells"), "the portal's counter class holds its entry cells");
    }

    /// <summary>The woven portal: the rule compiles at the entry, then every evaluation enters it through its cell.</summary>
    [TestMethod]
    public void TheWovenEntryEntersACompiledRuleThroughItsCell()
    {
        var (portal, rule) = Woven(Probe);
        var first = Records(400, 11);
        CollectionAssert.AreEqual(Plain(Probe, first).ToList(), RunWoven(portal, rule, first).ToList());
        var runtime = JitRuntime.WaitForCompilations(portal, TimeSpan.FromMinutes(2));
        Assert.IsNotNull(runtime, "the portal was prepared: its entry counted without PEJIT_COMPILE_FUNCTIONS");
        // A threshold's visits after the unit is ready, the slow path holds the slot and publishes the cell.
        var settle = Records(50, 12);
        CollectionAssert.AreEqual(Plain(Probe, settle).ToList(), RunWoven(portal, rule, settle).ToList());
        var unit = UnitAtEntry(runtime, rule);
        Assert.IsNotNull(unit.Unit.StateParameters, "a function's unit is typed");
        long slow = runtime.Counters.SlowEntries, cell = unit.EntryCellEntries;

        var records = Records(2000, 13);
        CollectionAssert.AreEqual(Plain(Probe, records).ToList(), RunWoven(portal, rule, records).ToList());
        Assert.IsLessThanOrEqualTo(2, runtime.Counters.SlowEntries - slow, "entries of the compiled rule took the slow path");
        Assert.IsGreaterThanOrEqualTo(1998, unit.EntryCellEntries - cell, $"entries through the cell: {unit.EntryCellEntries - cell} of 2000");
        Assert.IsGreaterThan(0, runtime.EntryCellsPublished);
    }

    /// <summary>
    /// Rules differ only in their <c>Rule</c> object (every one starts at pc 0): the entry mixes reference greens' identities
    /// into its slot, so each hot rule gets a cell of its own instead of taking turns in one.
    /// </summary>
    [TestMethod]
    public void SeveralRulesAtTheSamePcEachGetACell()
    {
        var rules = Enumerable.Range(0, 4).Select(k => (Ops: Probe.Ops, Args: Probe.Args.Select(a => a == 100 ? 60L + 10 * k : a).ToArray())).ToList();
        var woven = rules.Select(Woven).ToList();
        var portal = woven[0].Portal;
        var records = Records(200, 50);
        for (int round = 0; round < 3; round++)
        {
            for (int k = 0; k < rules.Count; k++)
                CollectionAssert.AreEqual(Plain(rules[k], records).ToList(), RunWoven(portal, woven[k].Rule, records).ToList(), $"rule {k}, round {round}");
            JitRuntime.WaitForCompilations(portal, TimeSpan.FromMinutes(2));
        }
        var runtime = JitRuntime.Find(portal)!;
        long slow = runtime.Counters.SlowEntries;
        var units = woven.Select(w => UnitAtEntry(runtime, w.Rule)).ToList();
        var before = units.Select(u => u.EntryCellEntries).ToList();
        for (int k = 0; k < rules.Count; k++)
            CollectionAssert.AreEqual(Plain(rules[k], records).ToList(), RunWoven(portal, woven[k].Rule, records).ToList(), $"rule {k}");
        // Two of four rules may still share a slot (4096 of them, about one run in 700): the rest enter through cells.
        int throughCells = Enumerable.Range(0, rules.Count).Count(k => units[k].EntryCellEntries - before[k] >= 190);
        Assert.IsGreaterThanOrEqualTo(rules.Count - 1, throughCells, string.Join(", ", units.Select((u, k) => $"rule {k}: {u.EntryCellEntries - before[k]}")));
        Assert.IsLessThanOrEqualTo(2 * records.Length + 4, runtime.Counters.SlowEntries - slow);
    }

    /// <summary>Exits of a unit entered through its cell (unseen promoted values) resume exactly; the recompiled unit gets the cell.</summary>
    [TestMethod]
    public void ExitsAndRecompilationsThroughTheCellMatchThePlainInterpreter()
    {
        var (portal, rule) = Woven(Bucketed);
        for (int round = 0; round < 6; round++)
        {
            var records = Records(300, 20 + round);
            CollectionAssert.AreEqual(Plain(Bucketed, records).ToList(), RunWoven(portal, rule, records).ToList(), $"round {round}");
            JitRuntime.WaitForCompilations(portal, TimeSpan.FromMinutes(2));
        }
        var runtime = JitRuntime.Find(portal)!;
        var unit = UnitAtEntry(runtime, rule);
        Assert.IsGreaterThan(0, unit.EntryCellEntries, $"the recompiled unit is entered through its cell: {unit.Entries} entries, {unit.Recompilations} recompilations");
        Assert.IsGreaterThan(0, unit.Recompilations + unit.Unit.PromotionCases.Count, "the promotion got cases");

        // The divisions: the host's exception out of compiled code entered through the cell, as out of the interpreter.
        var (divide, dividing) = Woven(Dividing);
        for (int round = 0; round < 3; round++)
        {
            var records = Records(300, 30 + round, zeros: true);
            CollectionAssert.AreEqual(Plain(Dividing, records).ToList(), RunWoven(divide, dividing, records).ToList(), $"division round {round}");
            JitRuntime.WaitForCompilations(divide, TimeSpan.FromMinutes(2));
        }
        Assert.IsGreaterThan(0, UnitAtEntry(runtime, dividing).EntryCellEntries);
    }

    /// <summary>A unit dropped from the cache takes its cell with it; the key runs interpreted, compiles again, and gets a new cell.</summary>
    [TestMethod]
    public void ADroppedUnitLeavesNoCellAndItsKeyCompilesAgain()
    {
        var rule = (Ops: Probe.Ops.ToArray(), Args: Probe.Args.Select(a => a == 100 ? 90L : a).ToArray());
        var (portal, woven) = Woven(rule);
        var records = Records(300, 40);
        CollectionAssert.AreEqual(Plain(rule, records).ToList(), RunWoven(portal, woven, records).ToList());
        var runtime = JitRuntime.WaitForCompilations(portal, TimeSpan.FromMinutes(2))!;
        CollectionAssert.AreEqual(Plain(rule, records).ToList(), RunWoven(portal, woven, records).ToList());
        var unit = UnitAtEntry(runtime, woven);
        Assert.IsTrue(runtime.Counters.Cells!.Any(c => c?.Unit == unit), "the unit has a cell");

        Assert.IsTrue(runtime.Cache.Drop(unit.Unit.Entry));
        Assert.IsFalse(runtime.Counters.Cells!.Any(c => c?.Unit == unit), "the dropped unit's cell was cleared");
        for (int round = 0; round < 3; round++)
        {
            CollectionAssert.AreEqual(Plain(rule, records).ToList(), RunWoven(portal, woven, records).ToList(), $"after the drop, round {round}");
            JitRuntime.WaitForCompilations(portal, TimeSpan.FromMinutes(2));
        }
        var again = UnitAtEntry(runtime, woven);
        Assert.AreNotSame(unit, again, "the key compiled again");
        Assert.IsTrue(runtime.Counters.Cells!.Any(c => c?.Unit == again), "the new unit has a cell");
        Assert.IsGreaterThan(0, again.EntryCellEntries);
    }
}

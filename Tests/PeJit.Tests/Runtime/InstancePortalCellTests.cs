using System.Reflection;
using PeJit.Runtime;
using PeJit.Tests.Specializer;
using Vm = PeJit.TestSubjects.InstanceBytecodeVm;

namespace PeJit.Tests.Runtime;

/// <summary>
/// An instance portal (<see cref="Vm"/>, a class-based bytecode VM) woven by <c>pejit build</c> enters a function's typed
/// unit through its entry cell, <c>this</c> passed as the unit's last argument, as a static portal's entry does (issue 15,
/// item 4). Differential first (every run JIT-enabled against the plain VM: results and the fields of <c>this</c> the code
/// writes), then the path taken (the counter table's slow entries against the cell's entries), a second object of the
/// class on the same cells, and mid-step exits after a field of <c>this</c> was written, resumed through the cell's state.
/// </summary>
[TestClass]
public sealed class InstancePortalCellTests
{
    /// <summary>The woven assembly's <see cref="Vm"/>.</summary>
    private static Type WovenVm => DispatchInTryJitTests.Woven.Value.GetType(typeof(Vm).FullName!, throwOnError: true)!;

    private static MethodInfo WovenRun => WovenVm.GetMethod(nameof(Vm.Run))!;

    /// <summary>A plain VM and the woven one over the same functions (copied into the woven assembly's types).</summary>
    private static (Vm Plain, object Woven) Make(Vm.Function[] functions, long scaling)
    {
        var functionType = WovenVm.GetNestedType(nameof(Vm.Function))!;
        var copies = Array.CreateInstance(functionType, functions.Length);
        for (int i = 0; i < functions.Length; i++)
            copies.SetValue(Activator.CreateInstance(functionType, functions[i].Ops, functions[i].Args, functions[i].Locals), i);
        return (new Vm(functions, scaling), Activator.CreateInstance(WovenVm, copies, scaling)!);
    }

    private static object WovenFunction(object vm, int index) => ((Array)WovenVm.GetField(nameof(Vm.Functions))!.GetValue(vm)!).GetValue(index)!;

    private static long Field(object vm, string name) => (long)WovenVm.GetField(name)!.GetValue(vm)!;

    private static long RunWoven(object vm, int function, long argument) => (long)WovenRun.Invoke(vm, [WovenFunction(vm, function), argument])!;

    /// <summary>Runs function <paramref name="function"/> on each argument, plain and woven: the same results, and the same <c>Total</c> and <c>Calls</c> after each.</summary>
    private static void AssertSame(Vm plain, object woven, int function, IEnumerable<long> arguments, string what)
    {
        foreach (long argument in arguments)
        {
            long expected = plain.Run(plain.Functions[function], argument);
            Assert.AreEqual(expected, RunWoven(woven, function, argument), $"{what}: f({argument})");
            Assert.AreEqual(plain.Total, Field(woven, nameof(Vm.Total)), $"{what}: Total after f({argument})");
            Assert.AreEqual(plain.Calls, Field(woven, nameof(Vm.Calls)), $"{what}: Calls after f({argument})");
        }
    }

    private static CompiledUnit UnitAtEntry(PortalRuntime runtime, object function) =>
        runtime.Cache.Units.Single(u => u.Unit.Entry.Values[0] is int pc && pc == 0 && ReferenceEquals(u.Unit.Entry.Values[1], function));

    [TestMethod]
    public void PejitBuildGivesTheInstancePortalEntryCellsThatPassThis()
    {
        _ = DispatchInTryJitTests.Woven.Value;
        using var module = Mono.Cecil.ModuleDefinition.ReadModule(DispatchInTryJitTests.Woven.Value.Location);
        var portal = module.GetType(typeof(Vm).FullName!).Methods.Single(m => m.Name == nameof(Vm.Run));
        var cellPath = portal.Body.Instructions.Select(i => i.Operand).OfType<Mono.Cecil.MethodReference>().Single(m => m.Name == "CellPath").Resolve();
        // The merge point's five variables, `this`, the slot.
        Assert.AreEqual(7, cellPath.Parameters.Count, string.Join(", ", cellPath.Parameters.Select(p => p.ParameterType.Name)));
        Assert.AreEqual(typeof(Vm).Name, cellPath.Parameters[5].ParameterType.Name);
        var invoke = cellPath.Body.Instructions.Select(i => i.Operand).OfType<Mono.Cecil.MethodReference>().Single(m => m.Name == "Invoke");
        var delegateType = (Mono.Cecil.GenericInstanceType)invoke.DeclaringType;
        // Func<object[] exit, locals, stack, sp, this, long>.
        Assert.AreEqual(typeof(Vm).Name, delegateType.GenericArguments[^2].Name, delegateType.FullName);
        var counters = module.Types.Single(t => t.Name == $"<PeJit>PortalCounters{portal.MetadataToken.RID}");
        Assert.IsTrue(counters.Fields.Any(f => f.Name == "Cells"), "the portal's counter class holds its entry cells");
    }

    private static long TypedUnit(object[] constants, object?[] exit, long[] locals, long[] stack, int sp, Vm self) => 0;

    private static long StaticTypedUnit(object[] constants, object?[] exit, long[] locals, long[] stack, int sp) => 0;

    /// <summary>
    /// Publication binds a cell only to a unit that takes what the woven entry passes (<c>PortalRuntime.CellSignatureMismatch</c>):
    /// an entry that passes no <c>this</c> to a unit that takes it, or another class as <c>this</c>, is named, not bound.
    /// </summary>
    [TestMethod]
    public void ACellIsBoundOnlyToAUnitThatTakesWhatTheEntryPasses()
    {
        var unit = typeof(InstancePortalCellTests).GetMethod(nameof(TypedUnit), BindingFlags.NonPublic | BindingFlags.Static)!;
        Assert.IsNull(PortalRuntime.CellSignatureMismatch(typeof(Func<object?[], long[], long[], int, Vm, long>), unit, passesThis: true));
        StringAssert.Contains(PortalRuntime.CellSignatureMismatch(typeof(Func<object?[], long[], long[], int, long>), unit, passesThis: true),
            "the entry passes 3 red(s) and the unit takes 4, `this` included");
        StringAssert.Contains(PortalRuntime.CellSignatureMismatch(typeof(Func<object?[], long[], long[], int, InstancePortalCellTests, long>), unit, passesThis: true),
            $"`this` is passed as {nameof(InstancePortalCellTests)} and taken as {typeof(Vm).Name}");
        StringAssert.Contains(PortalRuntime.CellSignatureMismatch(typeof(Func<object?[], long[], long[], int, Vm, int>), unit, passesThis: true),
            "the unit returns Int64 and the entry takes Int32");
        var staticUnit = typeof(InstancePortalCellTests).GetMethod(nameof(StaticTypedUnit), BindingFlags.NonPublic | BindingFlags.Static)!;
        StringAssert.Contains(PortalRuntime.CellSignatureMismatch(typeof(Func<object?[], long[], int[], int, long>), staticUnit, passesThis: false),
            "red 1 is passed as Int32[] and taken as Int64[]");
    }

    /// <summary>
    /// Recursion through <c>this.Run(Functions[arg], ...)</c>, with <c>Calls++</c> in the portal's entry: the woven entry enters
    /// the compiled function through its cell, and the function's unit calls itself directly, behind a test that the callee
    /// read from <c>Functions</c> is its own function (branch icalls15b; before, each activation went back through the woven
    /// entry and its cell). <c>Calls</c> counts every activation once, as plain does.
    /// </summary>
    [TestMethod]
    public void ARecursiveFunctionOfAnInstancePortalIsEnteredThroughItsCell()
    {
        var (plain, woven) = Make([Vm.Fibonacci()], scaling: 3);
        AssertSame(plain, woven, 0, Enumerable.Range(0, 12).Select(n => (long)n), "warming up");
        var runtime = JitRuntime.WaitForCompilations(WovenRun, TimeSpan.FromMinutes(2));
        Assert.IsNotNull(runtime, "the portal was prepared at its entry");
        AssertSame(plain, woven, 0, [10, 11], "settling");
        var unit = UnitAtEntry(runtime, WovenFunction(woven, 0));
        Assert.IsNotNull(unit.Unit.StateParameters, "the function's unit is typed, `this` its last red:\n" + unit.Unit.Residual);
        Assert.AreEqual(4, unit.Unit.StateParameters!.Length, "locals, stack, sp and `this`");
        long slow = runtime.Counters.SlowEntries, cell = unit.EntryCellEntries;

        Assert.AreEqual(2, unit.Unit.GuessedSelfCalls, "both calls guess the callee is the function itself:\n" + unit.Unit.Residual);
        Assert.AreEqual(2, unit.Unit.DirectSelfCalls, "both calls call the unit directly:\n" + unit.Unit.Residual);

        // fib(15) * 3: 1,973 activations of the function, the first entered through the cell, the others by the unit's own calls.
        AssertSame(plain, woven, 0, [15], "through the cell");
        Assert.IsLessThanOrEqualTo(2, runtime.Counters.SlowEntries - slow, "entries of the compiled function took the slow path");
        Assert.AreEqual(1, unit.EntryCellEntries - cell, "entries through the cell: the outermost call only");

        // `this`'s field read by the compiled code, changed between runs.
        plain.Scaling = 5;
        WovenVm.GetField(nameof(Vm.Scaling))!.SetValue(woven, 5L);
        AssertSame(plain, woven, 0, [14], "scaling changed");
    }

    /// <summary>Two objects of the class run the same function on the same cell: each run sees its own object's fields.</summary>
    [TestMethod]
    public void ASecondObjectOfTheClassRunsOnTheSameCellWithItsOwnFields()
    {
        var (first, wovenFirst) = Make([Vm.Fibonacci(), Vm.CallingOther(0)], scaling: 2);
        var wovenSecond = Activator.CreateInstance(WovenVm, WovenVm.GetField(nameof(Vm.Functions))!.GetValue(wovenFirst), 7L)!;
        var second = new Vm(first.Functions, 7);
        first.Other = second;
        WovenVm.GetField(nameof(Vm.Other))!.SetValue(wovenFirst, wovenSecond);
        for (int round = 0; round < 4; round++)
        {
            AssertSame(first, wovenFirst, 1, Enumerable.Range(0, 12).Select(n => (long)n), $"round {round}");
            Assert.AreEqual(second.Calls, Field(wovenSecond, nameof(Vm.Calls)), $"round {round}: the second object's calls");
            JitRuntime.WaitForCompilations(WovenRun, TimeSpan.FromMinutes(2));
        }
        var runtime = JitRuntime.Find(WovenRun)!;
        var fibonacci = UnitAtEntry(runtime, WovenFunction(wovenFirst, 0));
        long cell = fibonacci.EntryCellEntries;
        AssertSame(first, wovenFirst, 1, [13], "through the cells");
        // The second object's fib(13): 753 activations, on the second object, the first through the cell (the rest are the
        // unit's own calls, on the same object).
        Assert.AreEqual(1, fibonacci.EntryCellEntries - cell, $"entries through fib's cell: {fibonacci.EntryCellEntries - cell}");
        // And the first object's own fib on the same cell, its own scaling.
        long before = fibonacci.EntryCellEntries;
        Assert.AreEqual(first.Run(first.Functions[0], 12), RunWoven(wovenFirst, 0, 12));
        Assert.AreEqual(1, fibonacci.EntryCellEntries - before, "fib(12) on the first object through the same cell");
    }

    /// <summary>
    /// A unit entered through its cell leaves in the middle of a step (a promoted value it has no case for) after compiled
    /// code wrote a field of <c>this</c>: the rest of the step runs once, on the same object, and the interpreter goes on from
    /// the cell's state; once the promotion has its cases, the recompiled unit is entered through its cell too.
    /// </summary>
    [TestMethod]
    public void ExitsMidStepThroughTheCellAfterAWriteOfThisMatchThePlainVm()
    {
        var (plain, woven) = Make([Vm.Tallying(5)], scaling: 3);
        var runtime = (PortalRuntime?)null;
        for (int round = 0; round < 6; round++)
        {
            AssertSame(plain, woven, 0, Enumerable.Range(0, 40).Select(n => (long)(n * 7 + round)), $"round {round}");
            runtime = JitRuntime.WaitForCompilations(WovenRun, TimeSpan.FromMinutes(2));
        }
        Assert.IsNotNull(runtime);
        var unit = UnitAtEntry(runtime, WovenFunction(woven, 0));
        Assert.IsNotNull(unit.Unit.StateParameters, "the function's unit is typed");
        Assert.IsGreaterThan(0, unit.EntryCellEntries, $"the unit is entered through its cell: {unit.Entries} entries, {unit.Recompilations} recompilations");
        Assert.IsGreaterThan(0, unit.Recompilations + unit.Unit.PromotionCases.Count, "the promotion got cases");
        long total = plain.Total;
        Assert.AreEqual(total, Field(woven, nameof(Vm.Total)), "each Tally added once");
        // The portal's only promotion is Tally's: every step finished after an exit is one of this function's.
        Assert.IsGreaterThan(0, runtime.StepsFinishedCompiled + runtime.StepsFinishedByEvaluator, "compiled code left mid-step at least once");
    }
}

using System.Reflection;
using PeJit.Runtime;
using PeJit.TestSubjects;
using Handler = PeJit.TestSubjects.PromotingHandlerVm;
using Guarded = PeJit.TestSubjects.PromotingGuardedVm;

namespace PeJit.Tests.Specializer;

/// <summary>
/// Exits in the middle of a step taken inside exception regions (PeJit.TestSubjects: <see cref="PromotingHandlerVm"/>,
/// a <c>Jit.Promote</c> inside a helper's try/catch, <c>using</c> and <c>lock</c>; <see cref="PromotingGuardedVm"/>,
/// inside the portal's own <c>lock</c> in a step and under its try and <c>using</c> around the loop). Values without a
/// case leave compiled code there, and the graph evaluator finishes the step inside the same regions: a throw after
/// the exit reaches the helper's catch or finally, a finally runs once (in the evaluator, not again in compiled code),
/// and the portal's handlers around the loop run once, in the portal. Each program runs plain and JIT-enabled (strict
/// mode, threshold 3), in process and woven by <c>pejit build</c>: the same result or exception (type, message, the
/// language error's code), the same state afterwards (additions under the lock, the scope's depth and closes, the
/// lock not held, the registers), a unit entered and a mid-step exit taken.
/// </summary>
[TestClass]
public sealed class RegionExitJitTests
{
    private static int[] Op(int opcode, int a = 0, int b = 0, int c = 0) => [opcode, a, b, c];

    /// <summary>r1 = 40; loop (instruction 1): body; r1--; if r1 > 0 goto loop; halt.</summary>
    private static int[] Loop(int set, int decrement, int jump, int halt, params int[][] body) =>
        new[] { Op(set, 1, 40) }.Concat(body).Concat([Op(decrement, 1), Op(jump, 1, 0, 1), Op(halt)]).SelectMany(i => i).ToArray();

    private static int[] HandlerLoop(params int[][] body) => Loop(Handler.Set, Handler.Decrement, Handler.JumpPositive, Handler.Halt, body);

    public static IEnumerable<object[]> HandlerPrograms =>
    [
        // Jit.Promote(r1 % 4) inside the language's try: 3 raises, and its catch catches it, in the evaluator after an exit.
        ["classify", HandlerLoop(Op(Handler.Classify, 0, 1)), true],
        // Jit.Promote(r1 % 3) inside using: the scope is closed once per step, by the evaluator after an exit.
        ["using", HandlerLoop(Op(Handler.Scoped, 0, 1, -1)), true],
        // The same, and at r1 = 12 the language's error escapes the scope (closed once) and the interpreter.
        ["using-raise", HandlerLoop(Op(Handler.Scoped, 0, 1, 12)), true],
        // Jit.Promote(r1 % 5) under lock: released once per step.
        ["lock", HandlerLoop(Op(Handler.Locked, 0, 1)), true],
        // r0 += r9 under lock, r9 large and new at every step (an exit each time): the addition overflows in the evaluator, inside the lock.
        ["lock-overflow", HandlerLoop(Op(Handler.Locked, 0, 9), Op(Handler.Decrement, 9)), true],
        // The language's catch with a filter: multiples of three raise, caught when the filter accepts (residual filter
        // regions), until 9, which escapes.
        ["filter", HandlerLoop(Op(Handler.Filtered, 0, 1)), false],
        // The same around Jit.Promote(r1 % 4): 3 raises after an exit (the evaluator runs the filter) or in compiled code; 7 escapes.
        ["filter-promote", HandlerLoop(Op(Handler.FilteredPromote, 0, 1)), true],
        // Jit.Promote inside the language's catch handler (even r1 raises): an exit there; at 4 the evaluator rethrows what the handler caught.
        ["catch-promote", HandlerLoop(Op(Handler.Recovered, 0, 1)), true],
    ];

    private static int[] GuardedLoop(params int[][] body) => Loop(Guarded.Set, Guarded.Decrement, Guarded.JumpPositive, Guarded.Halt, body);

    public static IEnumerable<object[]> GuardedPrograms =>
    [
        // Jit.Promote(r1 % 5) under the portal's lock inside the step.
        ["lock", GuardedLoop(Op(Guarded.Locked, 0, 1)), true],
        // r0 = r[Jit.Promote(r2)], r2 counting down from 10: -1 is out of range after an exit; the portal's catch makes it the language's error once, the scope is closed once.
        ["load", GuardedLoop(Op(Guarded.Load, 0, 2), Op(Guarded.Decrement, 2)), true],
        // The same after a step under the lock.
        ["lock-load", GuardedLoop(Op(Guarded.Locked, 3, 1), Op(Guarded.Load, 0, 2), Op(Guarded.Decrement, 2)), true],
    ];

    [TestMethod]
    [DynamicData(nameof(HandlerPrograms))]
    public void ExitsInsideAHelpersRegionsBehaveAsThePlainInterpreter(string name, int[] code, bool exits) =>
        AssertSameAsPlain(typeof(Handler).GetMethod(nameof(Handler.Run))!, name, code, exits, woven: false);

    [TestMethod]
    [DynamicData(nameof(HandlerPrograms))]
    public void ExitsInsideAHelpersRegionsBehaveAsThePlainInterpreterWhenWoven(string name, int[] code, bool exits) =>
        AssertSameAsPlain(typeof(Handler).GetMethod(nameof(Handler.Run))!, name, code, exits, woven: true);

    [TestMethod]
    [DynamicData(nameof(GuardedPrograms))]
    public void ExitsInsideThePortalsRegionsBehaveAsThePlainInterpreter(string name, int[] code, bool exits) =>
        AssertSameAsPlain(typeof(Guarded).GetMethod(nameof(Guarded.Run))!, name, code, exits, woven: false);

    [TestMethod]
    [DynamicData(nameof(GuardedPrograms))]
    public void ExitsInsideThePortalsRegionsBehaveAsThePlainInterpreterWhenWoven(string name, int[] code, bool exits) =>
        AssertSameAsPlain(typeof(Guarded).GetMethod(nameof(Guarded.Run))!, name, code, exits, woven: true);

    private sealed record Outcome(object? Result, Exception? Thrown, string State);

    /// <summary>Runs <paramref name="invoke"/> on fresh registers and a fresh <see cref="HandlerState"/> of <paramref name="stateType"/>'s assembly.</summary>
    private static Outcome Run(Type stateType, Func<object?[], object?> invoke, int[] code)
    {
        var registers = new long[16];
        registers[2] = 10;
        registers[9] = long.MaxValue / 30;
        var state = Activator.CreateInstance(stateType)!;
        object? result = null;
        Exception? thrown = null;
        try
        {
            result = invoke([code, registers, state]);
        }
        catch (TargetInvocationException e) when (e.InnerException is { } inner)
        {
            thrown = inner;
        }
        catch (Exception e)
        {
            thrown = e;
        }
        return new Outcome(result, thrown, Describe(state, registers));
    }

    /// <summary>The state's counters, read by name: the woven assembly's <see cref="HandlerState"/> is a type of its own.</summary>
    private static string Describe(object state, long[] registers)
    {
        object? Get(object target, string member) =>
            target.GetType().GetField(member)?.GetValue(target) ?? target.GetType().GetProperty(member)!.GetValue(target);
        var scope = Get(state, nameof(HandlerState.Scope))!;
        return $"adds {Get(state, nameof(HandlerState.LockedAdds))}, scope depth {Get(scope, nameof(Scope.Depth))} closed {Get(scope, nameof(Scope.Closed))}, "
            + $"lock held {Monitor.IsEntered(Get(state, nameof(HandlerState.Gate))!)}, registers {string.Join(",", registers)}";
    }

    /// <summary>Mid-step exits taken: counted in the units there are, and by the recompilations the values they counted caused (a unit specialized again replaces the one that counted).</summary>
    private static long MidStepExits(IEnumerable<CompiledUnit> units) =>
        units.Sum(u => u.Recompilations + u.Unit.Exits.Where(e => e.Frames is not null).Sum(e => u.TimesTaken(e.Index)));

    private static string Describe(IEnumerable<CompiledUnit> units) => string.Join("; ", units.Select(u =>
        $"unit at {u.Unit.Entry} keys {u.Unit.Keys.Count} entered {u.Entries}, exits " + string.Join(", ", u.Unit.Exits.Select(e => $"{e.Key}{(e.Threw ? " threw" : "")}{(e.Frames is null ? "" : " mid-step")} {u.TimesTaken(e.Index)}"))));

    /// <summary>
    /// A filter (C#'s <c>catch ... when</c>) of an inlined helper is a residual filter region: the filter is
    /// specialized as a path of its own and the CIL backend emits it as a CIL filter block.
    /// </summary>
    [TestMethod]
    public void AHelpersFilterIsAResidualFilterRegion()
    {
        var code = (int[])HandlerPrograms.First(p => (string)p[0] == "filter")[1];
        var jit = PortalJit.Create(typeof(Handler).GetMethod(nameof(Handler.Run))!, new JitSettings { Threshold = 3 });
        JitDifferentialTests.AssertUnitsEntered(jit, "filter", () => Run(typeof(HandlerState), arguments => jit.Invoke(arguments), code));
        var residual = jit.Units.OrderByDescending(u => u.Entries).First().Unit.Residual;
        var text = PeJit.IR.Text.IrPrinter.Print(residual);
        Assert.IsTrue(residual.Regions.Any(r => residual[r].Kind == PeJit.IR.RegionKind.Filter), $"a filter region in the residual code:\n{text}");
        Assert.IsTrue(residual.Blocks.SelectMany(b => residual[b].Instructions).Any(i => i.Opcode == PeJit.IR.Opcode.EndFilter), $"an endfilter in the residual code:\n{text}");
    }

    private static void AssertSameAsPlain(MethodInfo portal, string name, int[] code, bool exits, bool woven)
    {
        var plain = Run(typeof(HandlerState), arguments => portal.Invoke(null, arguments), code);
        Outcome compiled;
        IReadOnlyList<CompiledUnit> units;
        long exitsBefore = 0;
        if (!woven)
        {
            var jit = PortalJit.Create(portal, new JitSettings { Threshold = 3 });
            compiled = null!;
            JitDifferentialTests.AssertUnitsEntered(jit, name, () => compiled = Run(typeof(HandlerState), arguments => jit.Invoke(arguments), code));
            units = jit.Units;
        }
        else
        {
            var assembly = DispatchInTryJitTests.Woven.Value;
            var wovenPortal = assembly.GetType(portal.DeclaringType!.FullName!, throwOnError: true)!.GetMethod(portal.Name)!;
            IReadOnlyList<CompiledUnit> Units() => JitRuntime.Find(wovenPortal)?.Cache.Units ?? [];
            var entries = Units().ToDictionary(u => u, u => u.Entries);
            exitsBefore = MidStepExits(Units());
            compiled = Run(assembly.GetType(typeof(HandlerState).FullName!, throwOnError: true)!, arguments => wovenPortal.Invoke(null, arguments), code);
            units = Units();
            Assert.IsTrue(units.Any(u => u.Entries > entries.GetValueOrDefault(u)), $"{name}: no unit of the woven portal was entered: {Describe(units)}");
        }
        Assert.AreEqual(plain.Thrown?.GetType().FullName, compiled.Thrown?.GetType().FullName, $"{name}: {compiled.Thrown}");
        Assert.AreEqual(plain.Thrown?.Message, compiled.Thrown?.Message, name);
        Assert.AreEqual(plain.Thrown?.GetType().GetProperty(nameof(VmError.Code))?.GetValue(plain.Thrown), compiled.Thrown?.GetType().GetProperty(nameof(VmError.Code))?.GetValue(compiled.Thrown), name);
        Assert.AreEqual(plain.Result, compiled.Result, name);
        Assert.AreEqual(plain.State, compiled.State, name);
        if (exits) Assert.IsGreaterThan(0L, MidStepExits(units) - exitsBefore, $"{name}: no exit was taken in the middle of a step: {Describe(units)}");
    }
}

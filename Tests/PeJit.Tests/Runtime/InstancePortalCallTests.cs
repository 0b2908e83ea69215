using System.Reflection;
using PeJit.IR;
using PeJit.Runtime;
using PeJit.Tests.Specializer;
using PeJit.TestSubjects;
using Vm = PeJit.TestSubjects.InstanceCallVm;

namespace PeJit.Tests.Runtime;

/// <summary>
/// Compiled calls of an instance portal (<see cref="Vm"/>, a class VM whose entry allocates the callee's frame), woven by
/// <c>pejit build</c> (issue 15, item 4): a function's unit calls itself directly and other functions through their call
/// cells, <c>this</c> (the call's receiver) its callee's last argument and at <c>PortalProtocol.ThisIndex</c> of the state.
/// Differential first (every run JIT-enabled against the plain VM: results, the fields of <c>this</c> the code writes, the
/// exception), then what the units do: direct self-calls in the residual code, the call cell's entries counted, steps
/// finished after a callee's unit left mid-step, and a null receiver at a compiled call.
/// </summary>
[TestClass]
public sealed class InstancePortalCallTests
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

    /// <summary>Runs the functions until the runtime has nothing left to compile: the units are the steady state's.</summary>
    private static PortalRuntime Settle(Vm plain, object woven, int function, IEnumerable<long> arguments)
    {
        PortalRuntime? runtime = null;
        for (int round = 0; round < 4; round++)
        {
            AssertSame(plain, woven, function, arguments, $"round {round}");
            runtime = JitRuntime.WaitForCompilations(WovenRun, TimeSpan.FromMinutes(2));
        }
        Assert.IsNotNull(runtime, "the portal was prepared at its entry");
        return runtime;
    }

    internal static CompiledUnit UnitAtEntry(PortalRuntime runtime, object function) =>
        runtime.Cache.Units.Single(u => u.Unit.Entry.Values[0] is int pc && pc == 0 && ReferenceEquals(u.Unit.Entry.Values[1], function));

    /// <summary>The calls of a unit's own code (its residual graph or its shaped entry) in its residual graphs.</summary>
    internal static int SelfCalls(PeJit.Specializer.Engine.Unit unit)
    {
        int calls = 0;
        foreach (var graph in unit.ShapedEntry is { } shaped ? new[] { unit.Residual, shaped } : [unit.Residual])
            calls += graph.Blocks.SelectMany(b => graph[b].Instructions)
                .Count(i => i.Opcode == Opcode.Call && (ReferenceEquals(i.Method!.Origin, unit.Residual) || ReferenceEquals(i.Method!.Origin, unit.ShapedEntry)));
        return calls;
    }

    /// <summary>
    /// Recursion through <c>this.Run</c>: the function's unit calls its own code, not the woven portal, so a run of fib(15)
    /// enters the portal (and the unit through its entry cell) once, not at each of its 1,973 activations.
    /// </summary>
    [TestMethod]
    public void ARecursiveFunctionOfAnInstancePortalCallsItsUnitDirectly()
    {
        var (plain, woven) = Make([Vm.Fibonacci(0)], scaling: 3);
        var runtime = Settle(plain, woven, 0, Enumerable.Range(0, 12).Select(n => (long)n));
        var unit = UnitAtEntry(runtime, WovenFunction(woven, 0));
        string described = string.Join("\n", unit.Unit.Notes) + "\n" + unit.Unit.Residual;
        Assert.IsNotNull(unit.Unit.StateParameters, "the function's unit is typed, `this` its last red:\n" + described);
        Assert.AreEqual(2, unit.Unit.DirectSelfCalls, "both calls of fib call its own unit directly:\n" + described);
        Assert.IsGreaterThanOrEqualTo(2, SelfCalls(unit.Unit), "the residual code calls the unit's own code:\n" + described);

        long entries = unit.Entries, slow = runtime.Counters.SlowEntries;
        AssertSame(plain, woven, 0, [15], "called directly");
        Assert.IsLessThanOrEqualTo(2, unit.Entries - entries, $"entries of the unit from the woven portal for one fib(15): {unit.Entries - entries}");
        Assert.IsLessThanOrEqualTo(2, runtime.Counters.SlowEntries - slow, "entries that took the slow path");

        // `this`'s field read by the directly called code, changed between runs.
        plain.Scaling = 5;
        WovenVm.GetField(nameof(Vm.Scaling))!.SetValue(woven, 5L);
        AssertSame(plain, woven, 0, [14, 9], "scaling changed");
    }

    /// <summary>A call of another function goes through that function's call cell and enters its unit there.</summary>
    [TestMethod]
    public void ACallOfAnotherFunctionGoesThroughItsCallCell()
    {
        var (plain, woven) = Make([Vm.Fibonacci(0), Vm.CallingTwice(0)], scaling: 2);
        var runtime = Settle(plain, woven, 1, Enumerable.Range(0, 12).Select(n => (long)n));
        var caller = UnitAtEntry(runtime, WovenFunction(woven, 1));
        var callee = UnitAtEntry(runtime, WovenFunction(woven, 0));
        string described = string.Join("\n", caller.Unit.Notes) + "\n" + caller.Unit.Residual;
        Assert.AreEqual(2, caller.Unit.CalledKeys.Count(k => k.Equals(callee.Unit.Entry)), "both calls of fib go through its call cell:\n" + described);
        var cell = runtime.CallCells.Single(c => c.Key.Equals(callee.Unit.Entry));

        long entered = cell.Entered, callerEntries = caller.Entries;
        AssertSame(plain, woven, 1, Enumerable.Range(5, 10).Select(n => (long)n), "through the cell");
        Assert.AreEqual(10, caller.Entries - callerEntries, "the caller's unit is entered once per run");
        Assert.AreEqual(20, cell.Entered - entered, "each run calls fib twice, each call entering its unit through the cell");
    }

    /// <summary>
    /// A callee's unit leaves in the middle of a step (a promoted value it has no case for) after it wrote a field of
    /// <c>this</c>, called directly by itself and through the cell by another function: the rest runs once, on the right
    /// object, and every result and field is the plain VM's.
    /// </summary>
    [TestMethod]
    public void ExitsInsideACompiledCalleeResumeAsThePlainVm()
    {
        var (plain, woven) = Make([Vm.TallyingFibonacci(0), Vm.CallingTwice(0), Vm.Tallying(5), Vm.CallingTwice(2)], scaling: 3);
        // Scalings that change between rounds give the promotion new values after the units are compiled.
        var runtime = (PortalRuntime?)null;
        for (int round = 0; round < 6; round++)
        {
            plain.Scaling = round + 1;
            WovenVm.GetField(nameof(Vm.Scaling))!.SetValue(woven, round + 1L);
            AssertSame(plain, woven, 1, Enumerable.Range(0, 10).Select(n => (long)n), $"recursion, round {round}");
            AssertSame(plain, woven, 3, Enumerable.Range(0, 30).Select(n => (long)(n * 7 + round)), $"calls, round {round}");
            runtime = JitRuntime.WaitForCompilations(WovenRun, TimeSpan.FromMinutes(2));
        }
        Assert.IsNotNull(runtime);
        var recursive = UnitAtEntry(runtime, WovenFunction(woven, 0));
        Assert.AreEqual(2, recursive.Unit.DirectSelfCalls, string.Join("\n", recursive.Unit.Notes) + "\n" + recursive.Unit.Residual);
        var caller = UnitAtEntry(runtime, WovenFunction(woven, 3));
        Assert.IsTrue(caller.Unit.CalledKeys.Count > 0, "the caller calls the tallying function through its cell:\n" + caller.Unit.Residual);
        // Steps finished after an exit: at Tally's promotion, or at a call's promotion of its callee.
        Assert.IsGreaterThan(0, runtime.StepsFinishedCompiled + runtime.StepsFinishedByEvaluator, "compiled code left mid-step at least once");
    }

    /// <summary>
    /// A compiled call whose receiver (<see cref="Vm.Other"/>, a field) is null throws <see cref="NullReferenceException"/>
    /// as the plain call does, after the same writes; and the compiled call goes on working once it is set again.
    /// </summary>
    [TestMethod]
    public void ANullReceiverAtACompiledCallThrowsAsThePlainVm()
    {
        var (plain, woven) = Make([Vm.Fibonacci(0), Vm.CallingOther(0)], scaling: 2);
        var (second, wovenSecond) = (new Vm(plain.Functions, 7), Activator.CreateInstance(WovenVm, WovenVm.GetField(nameof(Vm.Functions))!.GetValue(woven), 7L)!);
        plain.Other = second;
        WovenVm.GetField(nameof(Vm.Other))!.SetValue(woven, wovenSecond);
        var runtime = Settle(plain, woven, 1, Enumerable.Range(0, 12).Select(n => (long)n));
        var caller = UnitAtEntry(runtime, WovenFunction(woven, 1));
        Assert.IsTrue(caller.Unit.CalledKeys.Count > 0, "the call of the other object goes through a call cell:\n" + caller.Unit.Residual);
        Assert.AreEqual(second.Calls, Field(wovenSecond, nameof(Vm.Calls)), "the second object's calls");

        plain.Other = null;
        WovenVm.GetField(nameof(Vm.Other))!.SetValue(woven, null);
        for (int n = 0; n < 5; n++)
        {
            Assert.ThrowsExactly<NullReferenceException>(() => plain.Run(plain.Functions[1], n));
            var thrown = Assert.ThrowsExactly<TargetInvocationException>(() => RunWoven(woven, 1, n));
            Assert.IsInstanceOfType<NullReferenceException>(thrown.InnerException, $"o({n}) with no other object: {thrown.InnerException}");
            Assert.AreEqual(plain.Calls, Field(woven, nameof(Vm.Calls)), $"Calls after o({n}) threw");
        }
        Assert.IsTrue(runtime.Cache.Units.Contains(caller), "the caller's unit is still the one compiled (a null receiver is not an exit)");

        plain.Other = second;
        WovenVm.GetField(nameof(Vm.Other))!.SetValue(woven, wovenSecond);
        AssertSame(plain, woven, 1, [10, 11], "the other object set again");
    }

    // ---- a virtual portal ---------------------------------------------------------------------------------------

    /// <summary><c>f(n) = n &lt; 2 ? n : f(n - 1) + f(n - 2)</c> in the instructions <see cref="VirtualCallVm"/> runs, function 0.</summary>
    private static Vm.Function PlainFibonacci() => new(
        [Vm.Load, Vm.Const, Vm.Lt, Vm.JumpIfFalse, Vm.Load, Vm.Ret, Vm.Load, Vm.Const, Vm.Sub, Vm.Call, Vm.Load, Vm.Const, Vm.Sub, Vm.Call, Vm.Add, Vm.Ret],
        [0, 2, 0, 6, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0],
        1);

    private static Type WovenType(Type type) => DispatchInTryJitTests.Woven.Value.GetType(type.FullName!, throwOnError: true)!;

    /// <summary>
    /// A virtual portal's <c>this.Run</c> may run an override: the function's unit calls itself directly only behind a test
    /// of the receiver's class, so an object of the portal's class runs on direct calls, and an object of a subclass that
    /// overrides the portal makes every call through the override, as the plain VM does (its results and counts).
    /// </summary>
    [TestMethod]
    public void AVirtualPortalsCallsAreCompiledOnlyForAnObjectOfItsClass()
    {
        var functionType = WovenType(typeof(Vm.Function));
        var fibonacci = PlainFibonacci();
        var wovenFunctions = Array.CreateInstance(functionType, 1);
        wovenFunctions.SetValue(Activator.CreateInstance(functionType, fibonacci.Ops, fibonacci.Args, fibonacci.Locals), 0);
        var wovenFibonacci = wovenFunctions.GetValue(0)!;
        var plainBase = new VirtualCallVm([fibonacci]);
        var plainOverriding = new OverridingCallVm([fibonacci], 1000);
        var wovenBase = Activator.CreateInstance(WovenType(typeof(VirtualCallVm)), wovenFunctions)!;
        var wovenOverriding = Activator.CreateInstance(WovenType(typeof(OverridingCallVm)), wovenFunctions, 1000L)!;
        var run = WovenType(typeof(VirtualCallVm)).GetMethod(nameof(VirtualCallVm.Run))!;
        long Field(object vm, string name) => (long)vm.GetType().GetField(name)!.GetValue(vm)!;
        void Same(IEnumerable<long> arguments, string what)
        {
            foreach (long n in arguments)
            {
                Assert.AreEqual(plainBase.Run(fibonacci, n), (long)run.Invoke(wovenBase, [wovenFibonacci, n])!, $"{what}: the base object's f({n})");
                Assert.AreEqual(plainOverriding.Run(fibonacci, n), (long)run.Invoke(wovenOverriding, [wovenFibonacci, n])!, $"{what}: the overriding object's f({n})");
                Assert.AreEqual(plainBase.Calls, Field(wovenBase, nameof(VirtualCallVm.Calls)), $"{what}: the base object's calls after f({n})");
                Assert.AreEqual(plainOverriding.Calls, Field(wovenOverriding, nameof(VirtualCallVm.Calls)), $"{what}: the overriding object's calls after f({n})");
                Assert.AreEqual(plainOverriding.Overridden, Field(wovenOverriding, nameof(OverridingCallVm.Overridden)), $"{what}: the override's activations after f({n})");
            }
        }
        PortalRuntime? runtime = null;
        for (int round = 0; round < 4; round++)
        {
            Same(Enumerable.Range(0, 12).Select(n => (long)n), $"round {round}");
            runtime = JitRuntime.WaitForCompilations(run, TimeSpan.FromMinutes(2));
        }
        Assert.IsNotNull(runtime);
        var unit = UnitAtEntry(runtime, wovenFibonacci);
        Assert.AreEqual(2, unit.Unit.DirectSelfCalls, "both calls are compiled, behind the class test:\n" + unit.Unit.Residual);

        long entries = unit.Entries;
        Assert.AreEqual(plainBase.Run(fibonacci, 15), (long)run.Invoke(wovenBase, [wovenFibonacci, 15L])!);
        Assert.IsLessThanOrEqualTo(2, unit.Entries - entries, $"the base object's fib(15) enters the unit from the portal: {unit.Entries - entries} times");
        Same([13, 14], "after");
    }

    // ---- a loop's unit inlining a callee --------------------------------------------------------------------------

    /// <summary>
    /// A loop of the interpreted program calling a small function through <c>this.Run</c>: the loop's unit inlines the
    /// callee (its code, the write of <c>Total</c>, is in the loop's unit), and every result and field is the plain VM's,
    /// mid-step exits of the inlined callee included.
    /// </summary>
    [TestMethod]
    public void ALoopsUnitInlinesACallOfTheInstancePortal()
    {
        var functionType = WovenType(typeof(Vm.Function));
        Vm.Function[] functions = [InstanceLoopCallVm.Main(1), InstanceLoopCallVm.Step(5)];
        var wovenFunctions = Array.CreateInstance(functionType, functions.Length);
        for (int i = 0; i < functions.Length; i++)
            wovenFunctions.SetValue(Activator.CreateInstance(functionType, functions[i].Ops, functions[i].Args, functions[i].Locals), i);
        var plain = new InstanceLoopCallVm(functions);
        var woven = Activator.CreateInstance(WovenType(typeof(InstanceLoopCallVm)), wovenFunctions)!;
        var run = WovenType(typeof(InstanceLoopCallVm)).GetMethod(nameof(InstanceLoopCallVm.Run))!;
        void Same(long n, string what)
        {
            Assert.AreEqual(plain.Run(functions[0], n), (long)run.Invoke(woven, [wovenFunctions.GetValue(0), n])!, $"{what}: main({n})");
            Assert.AreEqual(plain.Total, (long)woven.GetType().GetField(nameof(InstanceLoopCallVm.Total))!.GetValue(woven)!, $"{what}: Total after main({n})");
        }
        PortalRuntime? runtime = null;
        for (int round = 0; round < 4; round++)
        {
            Same(300 + round, $"round {round}");
            runtime = JitRuntime.WaitForCompilations(run, TimeSpan.FromMinutes(2));
        }
        Assert.IsNotNull(runtime);
        var loop = runtime.Cache.Units.Where(u => ReferenceEquals(u.Unit.Entry.Values[1], wovenFunctions.GetValue(0))).ToList();
        Assert.IsNotEmpty(loop, "the loop has a unit");
        var writesTotal = loop.Where(u => u.Unit.Residual.Blocks.SelectMany(b => u.Unit.Residual[b].Instructions)
            .Any(i => i.Opcode == Opcode.StoreField && i.Field!.Name == nameof(InstanceLoopCallVm.Total))).ToList();
        Assert.IsNotEmpty(writesTotal, "the loop's unit holds the callee's code (its write of Total):\n"
            + string.Join("\n", loop.Select(u => string.Join("\n", u.Unit.Notes) + "\n" + u.Unit.Residual)));
        Same(1000, "settled");
        Same(7, "short");
    }
}
